package meter

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"postmeter/funds"
)

// TestCatalogueFollowsTheRules: every entry is sentence case, bodies end with a full stop, and no
// entry reads like program output or repeats a title in a body.
func TestCatalogueFollowsTheRules(t *testing.T) {
	cat := Catalogue()
	for id, e := range cat {
		for _, p := range e.Problems() {
			t.Errorf("%s %q: %s", id, e.Text, p)
		}
	}
	for id, body := range cat {
		if body.Kind != KindBody {
			continue
		}
		for tid, title := range cat {
			if title.Kind == KindTitle && strings.HasPrefix(body.Text, title.Text+":") {
				t.Errorf("%s repeats the title %s: %q", id, tid, body.Text)
			}
		}
	}
	assert.Contains(t, Entry{KindBody, "print engine: no envelope"}.Problems(), "starts with an internal prefix")
	assert.NotEmpty(t, Entry{KindBody, "no final stop"}.Problems())
}

// TestExplainSpeaksFromTheCatalogue: every failure the core knows reads as catalogue words, never as
// Go's error text, and "call for service" only where only service can help.
func TestExplainSpeaksFromTheCatalogue(t *testing.T) {
	for _, err := range []error{
		&DeviceError{"print engine", ErrNoEnvelope, "x"}, &InspectionLockError{Status: InspectionStatus{State: InspectionRequired, Days: 29}},
		ErrZeroAmount, &OutOfLimitsError{Amount: funds.Dollar, Limits: Limits{Min: 10 * funds.Dollar, Max: 5000 * funds.Dollar, Known: true}},
		ErrWeightTooHeavy, ErrNoWeight, ErrPostageTooLarge, ErrInvalidPIN, ErrUnknownUser, ErrNotSignedIn,
		&SessionExpiredError{Idle: time.Minute}, &NoRightsError{User: "Oscar", Right: RightRefill},
		&PrintFailedError{Err: &DeviceError{"print engine", ErrJam, "x"}}, errors.New("disk I/O error"),
	} {
		m := Explain(err)
		assert.NotEqual(t, err.Error(), m.Text)
		assert.NotContains(t, m.Text, err.Error(), "no Go error text")
		for _, p := range (Entry{KindBody, m.Text}).Problems() {
			t.Errorf("%v → %q: %s", err, m.Text, p)
		}
		assert.False(t, strings.HasPrefix(m.Text, m.Title), "%q repeats its title", m.Text)
		if strings.Contains(strings.ToLower(m.Text), "call for service") {
			assert.Contains(t, []MessageID{MsgUnexpected, MsgNoPepper, MsgUnknownMeter, MsgClockOff, MsgDeviceFailed}, m.ID,
				"%v: a mistake the clerk can fix is not a service call", err)
		}
	}
	assert.Equal(t, "Postal inspection required", Explain(&InspectionLockError{}).Title)
}
