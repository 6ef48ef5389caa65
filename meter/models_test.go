package meter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedModels are the eight models of the seed refill article (PB 000056592).
var seedModels = []string{
	"Connect+ 500W", "Connect+ 1000", "Connect+ 2000", "Connect+ 3000",
	"SendPro P1000", "SendPro P1500", "SendPro P2000", "SendPro P3000",
}

func loadModels(t *testing.T) []Model {
	t.Helper()
	models, err := LoadModels()
	require.NoError(t, err)
	return models
}

func TestLoadModels(t *testing.T) {
	models := loadModels(t)
	names := map[string]bool{}
	var got []string
	for _, m := range models {
		assert.False(t, names[m.Name], "duplicate name %s", m.Name)
		names[m.Name] = true
		got = append(got, m.Name)
		assert.True(t, strings.HasPrefix(m.Name, m.Family), "%s is in family %s", m.Name, m.Family)
		assert.Positive(t, m.Accounts)
		assert.True(t, m.Tape && m.IsAssumed("tape"), "%s: tape on every model, assumed (no per-model list)", m.Name)
		assert.Equal(t, [2]int{1280, 800}, [2]int{m.ScreenWidth, m.ScreenHeight}, m.Name)
		assert.True(t, m.IsAssumed("screen"), m.Name)
		assert.True(t, m.Has(FeatureAttachedPrinter), "the refill article offers an attached printer on every model")
	}
	assert.Equal(t, seedModels, got)
}

func TestModelByName(t *testing.T) {
	models := loadModels(t)
	tests := []struct{ in, want string }{
		{"SendPro P3000", "SendPro P3000"},
		{"sendpro p3000", "SendPro P3000"},
		{"P3000", "SendPro P3000"},
		{"p1500", "SendPro P1500"},
		{"SendProP1000", "SendPro P1000"},
		{"Connect+ 3000", "Connect+ 3000"},
		{"connect+3000", "Connect+ 3000"},
		{"connectplus3000", "Connect+ 3000"},
		{"Connect+® 2000", "Connect+ 2000"},
		{"C3000", "Connect+ 3000"},
		{"c1000", "Connect+ 1000"},
		{"C500W", "Connect+ 500W"},
		{"500w", "Connect+ 500W"},
		{"Connect+500W", "Connect+ 500W"},
		{" P2000 ", "SendPro P2000"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ModelByName(models, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Name)
		})
	}
}

func TestModelByNameUnknownListsNames(t *testing.T) {
	models := loadModels(t)
	for _, in := range []string{"P4000", "3000", "", "DM400c"} {
		_, err := ModelByName(models, in)
		require.ErrorIs(t, err, ErrUnknownModel, "input %q", in)
		assert.Contains(t, err.Error(), `"`+in+`"`)
		for _, n := range seedModels {
			assert.Contains(t, err.Error(), n)
		}
	}
}

func TestDefaultModelExists(t *testing.T) {
	m, err := ModelByName(loadModels(t), DefaultModel)
	require.NoError(t, err)
	assert.Equal(t, DefaultModel, m.Name)
	assert.Equal(t, FamilySendProP, m.Family)
}

func TestModelAssumptionsRecorded(t *testing.T) {
	for _, m := range loadModels(t) {
		t.Run(m.Name, func(t *testing.T) {
			// DOMAIN.md §1.9: no PB sheet gives per-model speeds, so every speed is an assumption.
			assert.True(t, m.IsAssumed("speed_lpm"), "speed must be marked assumed")
			assert.NotEmpty(t, m.Notes)
			assert.Contains(t, m.Notes, "DOMAIN.md §1.9")
			// Within the only sourced range for mailing systems: 20–310 pieces per minute.
			assert.GreaterOrEqual(t, m.SpeedLPM, 20)
			assert.LessOrEqual(t, m.SpeedLPM, 310)
			for _, f := range []Feature{FeatureWeighOnTheWay, FeatureDifferentialWeighing} {
				assert.True(t, m.IsAssumed(string(f)), "%s is an optional feature not published per model", f)
			}
		})
	}
}

func TestModelHas(t *testing.T) {
	models := loadModels(t)
	p3000, err := ModelByName(models, "P3000")
	require.NoError(t, err)
	for _, f := range Features {
		assert.True(t, p3000.Has(f), "P3000 profile has %s", f.Label())
	}
	c500, err := ModelByName(models, "C500W")
	require.NoError(t, err)
	assert.True(t, c500.Has(FeatureAttachedScale))
	assert.False(t, c500.Has(FeatureWeighOnTheWay))
	assert.False(t, c500.Has(FeatureDifferentialWeighing))
	assert.False(t, c500.Has(Feature("teleport")))

	assert.Equal(t, "WEIGH-ON-THE-WAY (W-O-W)", FeatureWeighOnTheWay.Label())
	assert.Equal(t, "Colour printing", FeatureColour.Label())
}

const goodModelsFile = `{"notes": "n", "models": [
  {"name": "SendPro P1000", "family": "SendPro P", "aliases": ["P1000"], "speed_lpm": 180,
   "attached_scale": true, "accounts": 100, "screen": "1280x800", "assumed": ["speed_lpm"], "notes": "guess"},
  {"name": "Connect+ 1000", "family": "Connect+", "aliases": ["C1000"], "speed_lpm": 180, "accounts": 100, "screen": "1024x600"}
]}`

func TestParseModelsRejects(t *testing.T) {
	models, err := parseModels("models.json", []byte(goodModelsFile))
	require.NoError(t, err, "the base file is valid")
	require.Len(t, models, 2)
	assert.Equal(t, [2]int{1024, 600}, [2]int{models[1].ScreenWidth, models[1].ScreenHeight})
	assert.False(t, models[1].Tape, "no tape unless the profile says so")

	tests := []struct {
		name, old, new string
		wantErr        []string
	}{
		{"not JSON", goodModelsFile, "[", []string{"not valid JSON"}},
		{"unknown field", `"speed_lpm": 180,`, `"speed": 180, "speed_lpm": 180,`, []string{`"speed"`}},
		{"speed as text", `"speed_lpm": 180,`, `"speed_lpm": "180",`, []string{"not valid JSON"}},
		{"no models", goodModelsFile, `{"models": []}`, []string{"models: missing"}},
		{"missing name", `"name": "Connect+ 1000", `, ``, []string{"models[1].name: missing"}},
		{"bad family", `"family": "Connect+"`, `"family": "ConnectPlus"`, []string{"models[1] (Connect+ 1000).family", "ConnectPlus"}},
		{"duplicate name", `"name": "Connect+ 1000"`, `"name": "sendpro p1000"`, []string{"models[1] (sendpro p1000).name", "already a name of SendPro P1000"}},
		{"alias clashes", `"aliases": ["C1000"]`, `"aliases": ["p1000"]`, []string{"models[1] (Connect+ 1000).aliases[0]", "already"}},
		{"empty alias", `"aliases": ["C1000"]`, `"aliases": [" "]`, []string{"models[1] (Connect+ 1000).aliases[0]: empty"}},
		{"zero speed", `"speed_lpm": 180, "accounts"`, `"speed_lpm": 0, "accounts"`, []string{"models[1] (Connect+ 1000).speed_lpm", "outside"}},
		{"zero accounts", `"speed_lpm": 180, "accounts": 100, "screen"`, `"speed_lpm": 180, "accounts": 0, "screen"`, []string{"models[1] (Connect+ 1000).accounts"}},
		{"no screen", `, "screen": "1024x600"}`, `}`, []string{"models[1] (Connect+ 1000).screen", "WIDTHxHEIGHT"}},
		{"bad screen", `"screen": "1024x600"`, `"screen": "1024x600px"`, []string{"models[1] (Connect+ 1000).screen"}},
		{"bad assumed field", `"assumed": ["speed_lpm"]`, `"assumed": ["speed"]`, []string{"models[0] (SendPro P1000).assumed[0]", `"speed"`}},
		{"assumed without notes", `"notes": "guess"`, `"notes": ""`, []string{"models[0] (SendPro P1000).notes: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, goodModelsFile, tt.old, "test edit must apply")
			_, err := parseModels("models.json", []byte(strings.Replace(goodModelsFile, tt.old, tt.new, 1)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "model profiles models.json", "the error names the file")
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}
