package ui

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"postmeter/meter"
)

// TestCaptionsFollowTheRules: the screens' captions follow the catalogue's rules too.
func TestCaptionsFollowTheRules(t *testing.T) {
	for id, e := range captions {
		for _, p := range e.Problems() {
			t.Errorf("%s %q: %s", id, e.Text, p)
		}
		if _, dup := meter.Catalogue()[id]; dup {
			t.Errorf("%s is in both catalogues", id)
		}
	}
}

// TestNothingKeyedInSaysWhatToDo: OK on an empty Other amount tells the clerk what to do, not "enter an
// amount greater than $0.00" when the meter's minimum is $10.00.
func TestNothingKeyedInSaysWhatToDo(t *testing.T) {
	a, _ := play(t, Scene{Name: "nothing-keyed", User: supervisor(), Steps: []Step{do((*App).showOtherAmount)}})
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenRefillKeypad, a.Screen())
	assert.Equal(t, meter.Words(meter.MsgZeroAmount), a.pinPad.note.Text)
	assert.NotContains(t, a.pinPad.note.Text, "$0.00")
}
