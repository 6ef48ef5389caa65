package meter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"postmeter/printer/when"
)

// InspectionProfile is a postal inspection schedule (the contact clock of a jurisdiction): how often
// the meter contacts the Data Center on its own, how long after the last successful contact it warns,
// and when it stops printing postage. The profiles are data (data/contact-profiles.json), each with
// its source.
type InspectionProfile struct {
	ID           string // "us-imi", "ca", "us-ibi-legacy"
	Name         string
	ContactEvery time.Duration // the meter contacts the Data Center on its own this long after the last contact
	WarnAfter    time.Duration // "Postal inspection required" shown from here
	LockAfter    time.Duration // postage printing locked from here until a contact succeeds
	Source       string
	Assumed      []string // data-file fields whose values are this project's choice
}

// The contact profiles' IDs.
const (
	ProfileUSIMI       = "us-imi"
	ProfileCanada      = "ca"
	ProfileUSIBILegacy = "us-ibi-legacy"
)

// LoadContactProfiles reads the contact profiles (data/contact-profiles.json).
func LoadContactProfiles() ([]InspectionProfile, error) {
	data, err := dataFiles.ReadFile("data/contact-profiles.json")
	if err != nil {
		return nil, fmt.Errorf("contact profiles: %w", err)
	}
	var f struct {
		Notes    string `json:"notes"`
		Profiles []struct {
			ID                string   `json:"id"`
			Name              string   `json:"name"`
			ContactEveryHours int      `json:"contact_every_hours"`
			WarnAfterHours    int      `json:"warn_after_hours"`
			LockAfterHours    int      `json:"lock_after_hours"`
			Assumed           []string `json:"assumed"`
			Source            string   `json:"source"`
		} `json:"profiles"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("contact profiles: %w", err)
	}
	var out []InspectionProfile
	for _, p := range f.Profiles {
		if p.ID == "" || p.Source == "" || p.ContactEveryHours <= 0 || p.ContactEveryHours >= p.WarnAfterHours || p.WarnAfterHours >= p.LockAfterHours {
			return nil, fmt.Errorf("contact profile %q: needs an id, a source and 0 < contact_every < warn_after < lock_after", p.ID)
		}
		out = append(out, InspectionProfile{ID: p.ID, Name: p.Name, Source: p.Source, Assumed: p.Assumed,
			ContactEvery: time.Duration(p.ContactEveryHours) * time.Hour,
			WarnAfter:    time.Duration(p.WarnAfterHours) * time.Hour, LockAfter: time.Duration(p.LockAfterHours) * time.Hour})
	}
	return out, nil
}

// ContactProfile is the meter's contact clock.
func (m *Meter) ContactProfile() InspectionProfile { return m.cfg.Inspection }

// ContactProfile returns the profile with the id.
func ContactProfile(id string) (InspectionProfile, error) {
	all, err := LoadContactProfiles()
	if err != nil {
		return InspectionProfile{}, err
	}
	for _, p := range all {
		if p.ID == id {
			return p, nil
		}
	}
	return InspectionProfile{}, fmt.Errorf("no contact profile %q (%s, %s or %s)", id, ProfileUSIMI, ProfileCanada, ProfileUSIBILegacy)
}

const day = 24 * time.Hour

// SendProP is the Connect+ / SendPro P profile of the Canadian guides (the "ca" profile): warning from
// day 21, which the clerk can clear for a 7-day grace (it returns at every power-up), printing locked
// from day 28 (DOMAIN.md §1.7). It is still the default of meter.Open; see docs/contact.md.
var SendProP = InspectionProfile{ID: ProfileCanada, Name: "SendPro P", ContactEvery: 7 * day, WarnAfter: 21 * day, LockAfter: 28 * day}

// InspectionState is where the meter stands on its inspection schedule.
type InspectionState int

// Inspection states.
const (
	InspectionOK       InspectionState = iota
	InspectionDue                      // warning: connect soon (refill, Get Balance or upload)
	InspectionRequired                 // postage printing locked until a contact succeeds
)

func (s InspectionState) String() string {
	switch s {
	case InspectionOK:
		return "ok"
	case InspectionDue:
		return "due"
	case InspectionRequired:
		return "required"
	}
	return fmt.Sprintf("inspection(%d)", int(s))
}

// InspectionStatus is the inspection clock at one moment.
type InspectionStatus struct {
	State       InspectionState
	LastContact time.Time
	Days        int       // whole days since the last contact
	LockAt      time.Time // when printing locks unless a contact succeeds first
	// ShowWarning is whether the warning should be shown now (due and not cleared since power-up).
	ShowWarning bool
}

// Inspect computes the status at now.
func (p InspectionProfile) Inspect(lastContact, now time.Time, warningCleared bool) InspectionStatus {
	since := now.Sub(lastContact)
	st := InspectionStatus{LastContact: lastContact, Days: int(since / day), LockAt: lastContact.Add(p.LockAfter)}
	switch {
	case since >= p.LockAfter:
		st.State, st.ShowWarning = InspectionRequired, true
	case since >= p.WarnAfter:
		st.State, st.ShowWarning = InspectionDue, !warningCleared
	}
	return st
}

// Message says what the state means for the clerk (without the title, which the screens show apart).
func (st InspectionStatus) Message() string {
	id, args := st.messageID()
	return Words(id, args...)
}

// messageID is the catalogue entry of Message and its data.
func (st InspectionStatus) messageID() (MessageID, []any) {
	switch st.State {
	case InspectionDue:
		return MsgInspectionDue, []any{st.Days, when.Date(st.LockAt)}
	case InspectionRequired:
		return MsgInspectionLocked, []any{st.Days}
	}
	return MsgInspectionOK, nil
}

// ErrInspectionRequired is returned when postage printing is locked by the inspection clock.
var ErrInspectionRequired = errors.New("postal inspection required")

// InspectionLockError carries the status that locked printing.
type InspectionLockError struct{ Status InspectionStatus }

// Error is for logs; the clerk reads Explain's words.
func (e *InspectionLockError) Error() string {
	return fmt.Sprintf("postal inspection required: %d days since the last Data Center contact", e.Status.Days)
}
func (e *InspectionLockError) Unwrap() error { return ErrInspectionRequired }
