package meter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"postmeter/funds"
)

// Job presets: a named Run Mail setup (class, weighing method, account code, envelope or tape) a clerk
// picks with one tap. A preset keeps the class, never a price, so it prices itself from the rate table
// in force when it is used, and a new table reprices it. The default preset is what Run Mail starts
// with; a preset with keyed-in postage cannot be the default (PB's rule: a keyed value is for the piece
// in hand, not for every clerk who signs in). Managing presets is the right ManagePresets.

// Preset is one job preset.
type Preset struct {
	ID           string // stays when the preset is changed; "" for a new one
	Name         string
	Class        MailClass
	Weighing     WeighingMethod
	AccountCode  string       // "" for none
	Medium       Medium       // envelope or tape
	KeyedPostage funds.Amount // keyed-in postage, 0 to price by class and weight
}

// Presets is the meter's list of presets and which is the default.
type Presets struct {
	List    []Preset
	Default string // the default preset's ID, "" for none
}

// Find returns the preset with the given ID.
func (p Presets) Find(id string) (Preset, bool) {
	i := slices.IndexFunc(p.List, func(x Preset) bool { return x.ID == id })
	if i < 0 {
		return Preset{}, false
	}
	return p.List[i], true
}

// Preset refusals (in a *PresetError).
var (
	ErrPresetName         = errors.New("invalid preset name")
	ErrPresetNameTaken    = errors.New("preset name taken")
	ErrTooManyPresets     = errors.New("too many presets")
	ErrPresetNotFound     = errors.New("no such preset")
	ErrKeyedPresetDefault = errors.New("a preset with keyed-in postage cannot be the default")
	ErrPresetNoClass      = errors.New("a preset needs a class, or keyed-in postage")
)

// PresetError is a refusal about a preset, naming it so the clerk's message can.
type PresetError struct {
	Kind error
	Name string
}

func (e *PresetError) Error() string { return fmt.Sprintf("%v: %q", e.Kind, e.Name) }
func (e *PresetError) Unwrap() error { return e.Kind }

const (
	keyPresets = "job_presets"
	// MaxPresets is how many presets a meter keeps: one screen of them, no scrolling (inferred; PB's
	// Connect+ keeps a handful of "custom presets" beside the normal one).
	MaxPresets = 5
	// PresetNameMaxLength is the most characters a preset's name has.
	PresetNameMaxLength = 24
)

type presetsConfig struct {
	Presets []Preset `json:"presets"`
	Default string   `json:"default,omitempty"`
	Next    int      `json:"next"`
}

// Presets returns the job presets.
func (m *Meter) Presets(ctx context.Context) (Presets, error) {
	var cfg presetsConfig
	if _, err := m.jsonSetting(ctx, keyPresets, &cfg); err != nil {
		return Presets{}, err
	}
	return Presets{List: cfg.Presets, Default: cfg.Default}, nil
}

// changePresets checks the right, applies change to the stored list and stores it as one audited
// setting change.
func (m *Meter) changePresets(ctx context.Context, s *Session, change func(*presetsConfig) error) error {
	if err := m.require(s, RightManagePresets); err != nil {
		return err
	}
	m.presetsMu.Lock()
	defer m.presetsMu.Unlock()
	var cfg presetsConfig
	if _, err := m.jsonSetting(ctx, keyPresets, &cfg); err != nil {
		return err
	}
	if err := change(&cfg); err != nil {
		return err
	}
	return m.setJSON(ctx, keyPresets, cfg, s.User().Name)
}

// SavePreset adds p (p.ID "") or replaces the preset with p's ID, and returns its ID. The class, the
// method and the medium must be this model's; the account code must exist and be enabled.
func (m *Meter) SavePreset(ctx context.Context, s *Session, p Preset) (string, error) {
	name := strings.TrimSpace(p.Name)
	if n, err := validateAccountName(name); err != nil || len([]rune(n)) > PresetNameMaxLength {
		return "", &PresetError{Kind: ErrPresetName, Name: name}
	}
	p.Name = name
	if err := m.checkPreset(ctx, p); err != nil {
		return "", err
	}
	err := m.changePresets(ctx, s, func(cfg *presetsConfig) error {
		for _, x := range cfg.Presets {
			if x.ID != p.ID && strings.EqualFold(x.Name, p.Name) {
				return &PresetError{Kind: ErrPresetNameTaken, Name: p.Name}
			}
		}
		if p.ID == "" {
			if len(cfg.Presets) >= MaxPresets {
				return &PresetError{Kind: ErrTooManyPresets, Name: p.Name}
			}
			cfg.Next++
			p.ID = fmt.Sprintf("P%02d", cfg.Next)
			cfg.Presets = append(cfg.Presets, p)
			return nil
		}
		i := slices.IndexFunc(cfg.Presets, func(x Preset) bool { return x.ID == p.ID })
		if i < 0 {
			return &PresetError{Kind: ErrPresetNotFound, Name: p.Name}
		}
		if cfg.Default == p.ID && p.KeyedPostage > 0 {
			return &PresetError{Kind: ErrKeyedPresetDefault, Name: p.Name}
		}
		cfg.Presets[i] = p
		return nil
	})
	return p.ID, err
}

// checkPreset checks what a preset sets against this model and the account codes.
func (m *Meter) checkPreset(ctx context.Context, p Preset) error {
	if p.KeyedPostage < 0 || p.KeyedPostage > maxPiecePostage {
		return ErrPostageTooLarge
	}
	if p.KeyedPostage == 0 && !slices.Contains(m.Classes(), p.Class) {
		return &PresetError{Kind: ErrPresetNoClass, Name: p.Name}
	}
	if p.Weighing != "" {
		if err := m.checkWeighing(p.Weighing); err != nil {
			return err
		}
	}
	if p.Medium != MediumEnvelope && p.Medium != MediumTape {
		return fmt.Errorf("preset %q: unknown medium %q", p.Name, p.Medium)
	}
	if err := m.checkMedium(p.Medium); err != nil {
		return err
	}
	if p.AccountCode == "" {
		return nil
	}
	acc, err := m.Accounts(ctx)
	if err != nil {
		return err
	}
	c, ok := acc.Find(p.AccountCode)
	switch {
	case !ok:
		return accountErr(ErrAccountNotFound, p.AccountCode)
	case c.Disabled:
		return accountErr(ErrAccountDisabled, c.Name)
	}
	return nil
}

// DeletePreset removes a preset (it moves no money and no piece refers to it).
func (m *Meter) DeletePreset(ctx context.Context, s *Session, id string) error {
	return m.changePresets(ctx, s, func(cfg *presetsConfig) error {
		i := slices.IndexFunc(cfg.Presets, func(x Preset) bool { return x.ID == id })
		if i < 0 {
			return &PresetError{Kind: ErrPresetNotFound, Name: id}
		}
		cfg.Presets = slices.Delete(cfg.Presets, i, i+1)
		if cfg.Default == id {
			cfg.Default = ""
		}
		return nil
	})
}

// SetDefaultPreset makes a preset the one Run Mail starts with ("" for none).
func (m *Meter) SetDefaultPreset(ctx context.Context, s *Session, id string) error {
	return m.changePresets(ctx, s, func(cfg *presetsConfig) error {
		if id == "" {
			cfg.Default = ""
			return nil
		}
		i := slices.IndexFunc(cfg.Presets, func(x Preset) bool { return x.ID == id })
		if i < 0 {
			return &PresetError{Kind: ErrPresetNotFound, Name: id}
		}
		if cfg.Presets[i].KeyedPostage > 0 {
			return &PresetError{Kind: ErrKeyedPresetDefault, Name: cfg.Presets[i].Name}
		}
		cfg.Default = id
		return nil
	})
}

// ApplyPreset sets up job as preset id says, keeping what the preset does not set (the weight, the
// date, the destination ZIP). The job is priced when it is shown or printed, from the table then in
// force. A preset whose class, method or code no longer holds (a new rate table without the class, a
// disabled code) is refused, so the clerk never prints with half a preset.
func (m *Meter) ApplyPreset(ctx context.Context, s *Session, id string, job Job) (Job, Medium, error) {
	if err := m.active(s); err != nil {
		return job, "", err
	}
	list, err := m.Presets(ctx)
	if err != nil {
		return job, "", err
	}
	p, ok := list.Find(id)
	if !ok {
		return job, "", &PresetError{Kind: ErrPresetNotFound, Name: id}
	}
	if err := m.checkPreset(ctx, p); err != nil {
		return job, "", err
	}
	job.Class, job.KeyedPostage, job.AccountCode, job.Weighing = p.Class, p.KeyedPostage, p.AccountCode, p.Weighing
	return job, p.Medium, nil
}
