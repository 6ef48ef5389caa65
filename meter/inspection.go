package meter

import (
	"errors"
	"fmt"
	"time"

	"postmeter/printer/when"
)

// InspectionProfile is a postal inspection schedule: how long after the last successful Data Center
// contact the meter warns, and when it stops printing postage.
type InspectionProfile struct {
	Name      string
	WarnAfter time.Duration // "Postal inspection required" shown from here
	LockAfter time.Duration // postage printing locked from here until a contact succeeds
}

const day = 24 * time.Hour

// SendProP is the Connect+ / SendPro P profile: warning from day 21, which the clerk can clear for a
// 7-day grace (it returns at every power-up), printing locked from day 28 (DOMAIN.md §1.7).
var SendProP = InspectionProfile{Name: "SendPro P", WarnAfter: 21 * day, LockAfter: 28 * day}

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
