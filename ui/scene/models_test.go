package scene

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Meter Information shows each model's profile: a Connect+ 500W and a SendPro P3000 differ in name,
// speed and weighing methods, and both say which figures are assumptions.
func TestModelsDifferOnMeterInformation(t *testing.T) {
	texts := map[string][]string{}
	for _, model := range []string{"Connect+ 500W", "P3000"} {
		sc := byName(t, "funds-meter-information")
		sc.Sim.Model = model
		texts[model] = play(t, sc).App.Texts()
	}
	small, big := texts["Connect+ 500W"], texts["P3000"]
	for _, want := range []string{"Connect+ 500W", "120 letters a minute (assumed)", "Scale (assumed)"} {
		assert.True(t, slices.Contains(small, want), "Connect+ 500W shows %q: %q", want, small)
	}
	for _, want := range []string{"SendPro P3000", "300 letters a minute (assumed)", "Scale, weigh-on-the-way, differential (assumed)"} {
		assert.True(t, slices.Contains(big, want), "P3000 shows %q: %q", want, big)
	}
}

func byName(t *testing.T, name string) Scene {
	t.Helper()
	for _, sc := range All {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scene %q", name)
	return Scene{}
}
