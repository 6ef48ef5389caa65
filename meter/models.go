package meter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Model is the profile of one Pitney Bowes meter model: what the simulated machine can do. A feature
// flag means the profile simulates a machine configured with that feature (several are paid options).
// Figures the vendor does not publish are named in Assumed and explained in Notes.
type Model struct {
	Name    string   // "SendPro P1000"
	Family  string   // FamilyConnectPlus or FamilySendProP
	Aliases []string // short names ModelByName accepts, e.g. "P1000"

	SpeedLPM int // rated letters per minute

	AttachedScale        bool
	WeighOnTheWay        bool // W-O-W: weighs (and measures) each piece in the feeder path
	DifferentialWeighing bool // the stack on the scale, postage for each piece taken off
	ColourPrinting       bool
	AttachedPrinter      bool // an optional office printer for receipts and reports ("Print on document")

	Accounts int  // cost accounts available as standard: the core refuses more account codes
	Tape     bool // a tape dispenser: without it the core refuses tape and Run Mail offers none

	// ScreenWidth and ScreenHeight are the touchscreen's pixels: the trainer's window opens at this size.
	ScreenWidth, ScreenHeight int

	Assumed []string // data-file field names whose values are assumptions, e.g. "speed_lpm"
	Notes   string
}

// Model families.
const (
	FamilyConnectPlus = "Connect+"
	FamilySendProP    = "SendPro P"
)

// DefaultModel is the model simulated when none is configured. The SendPro P series is the one PB sells
// today (it succeeded Connect+), and the P1000 is its entry model with the fewest options in this
// project's profiles (no W-O-W), so the default never offers a feature a typical customer lacks.
const DefaultModel = "SendPro P1000"

// Feature is a capability a screen may offer only when the model has it. Its value is the data-file
// field name, so Model.IsAssumed(string(f)) tells whether the flag is an assumption.
type Feature string

// Features of a model.
const (
	FeatureAttachedScale        Feature = "attached_scale"
	FeatureWeighOnTheWay        Feature = "weigh_on_the_way"
	FeatureDifferentialWeighing Feature = "differential_weighing"
	FeatureColour               Feature = "colour_printing"
	FeatureAttachedPrinter      Feature = "attached_printer"
)

// Features lists every Feature in screen order.
var Features = []Feature{FeatureAttachedScale, FeatureWeighOnTheWay, FeatureDifferentialWeighing,
	FeatureColour, FeatureAttachedPrinter}

// Label is the feature name a screen shows.
func (f Feature) Label() string {
	switch f {
	case FeatureAttachedScale:
		return "Attached scale"
	case FeatureWeighOnTheWay:
		return "WEIGH-ON-THE-WAY (W-O-W)"
	case FeatureDifferentialWeighing:
		return "Differential weighing"
	case FeatureColour:
		return "Colour printing"
	case FeatureAttachedPrinter:
		return "Attached printer"
	}
	return string(f)
}

// Has reports whether the model has the feature; unknown features are false.
func (m Model) Has(f Feature) bool {
	switch f {
	case FeatureAttachedScale:
		return m.AttachedScale
	case FeatureWeighOnTheWay:
		return m.WeighOnTheWay
	case FeatureDifferentialWeighing:
		return m.DifferentialWeighing
	case FeatureColour:
		return m.ColourPrinting
	case FeatureAttachedPrinter:
		return m.AttachedPrinter
	}
	return false
}

// IsAssumed reports whether the value of a data-file field ("speed_lpm", "weigh_on_the_way", …) is an
// assumption rather than a published figure.
func (m Model) IsAssumed(field string) bool { return slices.Contains(m.Assumed, field) }

// ErrUnknownModel is wrapped when ModelByName finds no model.
var ErrUnknownModel = errors.New("unknown meter model")

// ModelByName finds a model by its name or alias, ignoring case, spaces, hyphens and "®", with "+"
// also accepted as "plus": "SendPro P3000", "p3000", "Connect+ 3000", "connectplus3000", "C3000".
// The error lists the valid names.
func ModelByName(models []Model, name string) (Model, error) {
	want := normalModelName(name)
	if want != "" {
		for _, m := range models {
			if normalModelName(m.Name) == want {
				return m, nil
			}
			for _, a := range m.Aliases {
				if normalModelName(a) == want {
					return m, nil
				}
			}
		}
	}
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Name
	}
	return Model{}, fmt.Errorf("%w %q; choose one of: %s (or a short name such as P3000 or C3000)",
		ErrUnknownModel, name, strings.Join(names, ", "))
}

func normalModelName(s string) string {
	s = strings.ToLower(s)
	s = strings.ReplaceAll(s, "+", "plus")
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '_', '®':
			return -1
		}
		return r
	}, s)
}

// LoadModels parses and validates the embedded model profiles (data/models.json) in file order.
func LoadModels() ([]Model, error) {
	const name = "data/models.json"
	data, err := dataFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read model profiles: %w", err)
	}
	return parseModels("models.json", data)
}

type modelsFile struct {
	Notes  string      `json:"notes"`
	Models []modelJSON `json:"models"`
}

type modelJSON struct {
	Name                 string   `json:"name"`
	Family               string   `json:"family"`
	Aliases              []string `json:"aliases"`
	SpeedLPM             int      `json:"speed_lpm"`
	AttachedScale        bool     `json:"attached_scale"`
	WeighOnTheWay        bool     `json:"weigh_on_the_way"`
	DifferentialWeighing bool     `json:"differential_weighing"`
	ColourPrinting       bool     `json:"colour_printing"`
	AttachedPrinter      bool     `json:"attached_printer"`
	Accounts             int      `json:"accounts"`
	Tape                 bool     `json:"tape"`
	Screen               string   `json:"screen"`
	Assumed              []string `json:"assumed"`
	Notes                string   `json:"notes"`
}

// modelFields are the data-file fields an "assumed" list may name.
var modelFields = []string{"family", "speed_lpm", "attached_scale", "weigh_on_the_way", "differential_weighing",
	"colour_printing", "attached_printer", "accounts", "tape", "screen"}

// Bounds for a plausible rated speed: mailing systems run 20–310 pieces per minute (DOMAIN.md §1.9).
const (
	minSpeedLPM = 1
	maxSpeedLPM = 1000
)

// parseModels reads and validates a model profile file; name is used in errors.
func parseModels(name string, data []byte) ([]Model, error) {
	var f modelsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("model profiles %s: not valid JSON for model profiles: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("model profiles %s: extra data after the JSON object", name)
	}
	if len(f.Models) == 0 {
		return nil, fmt.Errorf("model profiles %s: models: missing; the file needs at least one model", name)
	}
	seen := map[string]string{} // normalised name or alias → model name
	models := make([]Model, 0, len(f.Models))
	for i, mj := range f.Models {
		at := fmt.Sprintf("models[%d]", i)
		if mj.Name != "" {
			at = fmt.Sprintf("models[%d] (%s)", i, mj.Name)
		}
		fail := func(field, format string, args ...any) ([]Model, error) {
			return nil, fmt.Errorf("model profiles %s: %s.%s: %s", name, at, field, fmt.Sprintf(format, args...))
		}
		if strings.TrimSpace(mj.Name) == "" {
			return fail("name", "missing")
		}
		if mj.Family != FamilyConnectPlus && mj.Family != FamilySendProP {
			return fail("family", "%q is not %q or %q", mj.Family, FamilyConnectPlus, FamilySendProP)
		}
		for j, n := range append([]string{mj.Name}, mj.Aliases...) {
			field := "name"
			if j > 0 {
				field = fmt.Sprintf("aliases[%d]", j-1)
			}
			key := normalModelName(n)
			if key == "" {
				return fail(field, "empty")
			}
			if other, dup := seen[key]; dup {
				return fail(field, "%q is already a name of %s", n, other)
			}
			seen[key] = mj.Name
		}
		if mj.SpeedLPM < minSpeedLPM || mj.SpeedLPM > maxSpeedLPM {
			return fail("speed_lpm", "%d letters per minute is outside %d..%d", mj.SpeedLPM, minSpeedLPM, maxSpeedLPM)
		}
		if mj.Accounts < 1 {
			return fail("accounts", "%d; a meter has at least one account", mj.Accounts)
		}
		var sw, sh int
		if n, err := fmt.Sscanf(mj.Screen, "%dx%d", &sw, &sh); err != nil || n != 2 || sw < 320 || sh < 240 || fmt.Sprintf("%dx%d", sw, sh) != mj.Screen {
			return fail("screen", "%q is not WIDTHxHEIGHT in pixels, at least 320x240", mj.Screen)
		}
		for j, a := range mj.Assumed {
			if !slices.Contains(modelFields, a) {
				return fail(fmt.Sprintf("assumed[%d]", j), "%q is not a model field; use %s", a, strings.Join(modelFields, ", "))
			}
		}
		if len(mj.Assumed) > 0 && strings.TrimSpace(mj.Notes) == "" {
			return fail("notes", "missing; say why %s are assumed", strings.Join(mj.Assumed, ", "))
		}
		models = append(models, Model{
			Name: mj.Name, Family: mj.Family, Aliases: slices.Clone(mj.Aliases), SpeedLPM: mj.SpeedLPM,
			AttachedScale: mj.AttachedScale, WeighOnTheWay: mj.WeighOnTheWay,
			DifferentialWeighing: mj.DifferentialWeighing, ColourPrinting: mj.ColourPrinting,
			AttachedPrinter: mj.AttachedPrinter, Accounts: mj.Accounts, Tape: mj.Tape,
			ScreenWidth: sw, ScreenHeight: sh,
			Assumed: slices.Clone(mj.Assumed), Notes: mj.Notes,
		})
	}
	return models, nil
}
