package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trainerOnly are the packages a meter must not run: the simulator and the Data Center embedded in the
// trainer, and the test code of Go and Fyne that the trainer's gallery and fault switch use. Each is a
// prefix of the symbols of its package ("path.Name").
var trainerOnly = []string{
	"postmeter/funds/datacenter.",
	"net/http/httptest.",
	"fyne.io/fyne/v2/test.",
	"postmeter/meter/simulator.",
	"postmeter/devices/sim.",
}

// kioskNeeds is what the kiosk must contain: the Data Center client and the vault, the meter core and
// the screens. Without one of them the binary would not be the meter's touchscreen, whatever else it
// lacks.
var kioskNeeds = []string{
	"postmeter/funds.",
	"postmeter/funds.(*DataCenterClient).",
	"postmeter/funds.(*Vault).",
	"postmeter/meter.",
	"postmeter/ui.",
}

// symbols lists a binary's symbol names with `go tool nm`.
func symbols(t *testing.T, bin string) []string {
	t.Helper()
	cmd := exec.Command("go", "tool", "nm", bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go tool nm %s: %s", bin, stderr.String())
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		// "ADDRESS TYPE NAME" (no address for an undefined symbol); a name may hold spaces.
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3:
			names = append(names, strings.Join(f[2:], " "))
		case len(f) == 2:
			names = append(names, f[1])
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, names, "go tool nm %s listed no symbol", bin)
	return names
}

// countPrefixes counts the symbols that start with each prefix, and keeps a few of each as examples.
func countPrefixes(names, prefixes []string) (counts map[string]int, examples map[string][]string) {
	counts, examples = map[string]int{}, map[string][]string{}
	for _, n := range names {
		for _, p := range prefixes {
			if strings.HasPrefix(n, p) {
				counts[p]++
				if len(examples[p]) < 3 {
					examples[p] = append(examples[p], n)
				}
			}
		}
	}
	return counts, examples
}

// TestKioskBinaryLinksNoTrainerCode builds the kiosk as `make kiosk` does and reads its symbols with
// `go tool nm`: none may belong to the Data Center, the simulator, or Go's or Fyne's test packages, so
// that a meter in the field holds no code that fakes devices, grants refills or drives its screen.
// Go links only what is imported, so an import of any of them anywhere under cmd/postmeter-kiosk fails
// here. As a control, the trainer built the same way must contain every one of them: otherwise the
// prefixes, the build or the reading of nm's output would be wrong, and the kiosk's check would pass
// for nothing.
func TestKioskBinaryLinksNoTrainerCode(t *testing.T) {
	kioskBin := buildCommand(t, "./cmd/postmeter-kiosk")
	trainerBin := buildCommand(t, "./cmd/postmeter")

	kiosk := symbols(t, kioskBin)
	counts, examples := countPrefixes(kiosk, append(append([]string{}, trainerOnly...), kioskNeeds...))
	for _, p := range trainerOnly {
		assert.Zero(t, counts[p], "the kiosk binary links %d symbols of %s, e.g. %v", counts[p], strings.TrimSuffix(p, "."), examples[p])
		t.Logf("kiosk:   %5d symbols %s*", counts[p], p)
	}
	for _, p := range kioskNeeds {
		assert.NotZero(t, counts[p], "the kiosk binary links nothing of %s: is it the kiosk?", strings.TrimSuffix(p, "."))
		t.Logf("kiosk:   %5d symbols %s*", counts[p], p)
	}

	trainer := symbols(t, trainerBin)
	counts, _ = countPrefixes(trainer, trainerOnly)
	for _, p := range trainerOnly {
		assert.NotZero(t, counts[p], "control: the trainer links no symbol %s*, so the kiosk's check proves nothing", p)
		t.Logf("trainer: %5d symbols %s*", counts[p], p)
	}
	t.Logf("kiosk %d symbols, trainer %d", len(kiosk), len(trainer))
}
