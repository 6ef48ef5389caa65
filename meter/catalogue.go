package meter

import (
	"fmt"
	"maps"
)

// MessageID names one clerk-facing text in the catalogue. IDs are stable: tests, lessons and
// translations refer to them, so a text may be reworded but its ID stays.
type MessageID string

// TextKind says which rules a text follows: a body is whole sentences ending with a full stop; a
// title or a caption (a button, a tab, a field label) is a short phrase without one.
type TextKind int

// Text kinds.
const (
	KindBody TextKind = iota
	KindTitle
	KindCaption
)

// Entry is one text of the catalogue. Text may hold fmt verbs (%s, %d, %v) where data goes: amounts,
// dates, names, counts, or another entry.
type Entry struct {
	Kind TextKind
	Text string
}

// Words is the catalogue text id filled with args. An unknown id is a programming mistake and panics,
// so a test of any screen that uses it fails.
func Words(id MessageID, args ...any) string {
	e, ok := catalogue[id]
	if !ok {
		panic("meter: no catalogue entry " + string(id))
	}
	if len(args) == 0 {
		return e.Text
	}
	return fmt.Sprintf(e.Text, args...)
}

// Catalogue returns every text the core gives the clerk, by ID (a copy).
func Catalogue() map[MessageID]Entry { return maps.Clone(catalogue) }

// Keypad limits and hints.
const (
	MsgRefillLimits        MessageID = "refill.limits"
	MsgRefillLimitsUnknown MessageID = "refill.limits-unknown"
	MsgKeyedPostageLimit   MessageID = "runmail.keyed-postage-limit"
	MsgWeightLimit         MessageID = "runmail.weight-limit"
)

var catalogue = map[MessageID]Entry{
	MsgRefillLimits:        {KindBody, "This meter accepts refills from %s to %s."},
	MsgRefillLimitsUnknown: {KindBody, "The refill limits are shown after the first connection to the Data Center."},
	MsgKeyedPostageLimit:   {KindBody, "A piece can carry at most %s of keyed-in postage."},
	MsgWeightLimit:         {KindBody, "A piece can weigh at most %s (%d lb)."},
}
