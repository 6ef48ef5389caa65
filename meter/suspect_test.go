package meter

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// A meter the Data Center marks suspect stops printing and refilling as soon as it hears so, shows why
// on Home, and resumes once an administrator has cleared it and a contact succeeds.
func TestSuspectMeterStopsUntilCleared(t *testing.T) {
	r := newRig(t)
	r.fund(50 * funds.Dollar)
	letter := Job{Class: ClassLetter, Weight: 10}
	_, err := r.m.PrintPiece(r.ctx, r.super, letter, MediumEnvelope)
	require.NoError(t, err)

	// The Data Center's review marks the meter (here by hand, as its report check would).
	db, err := sql.Open("sqlite", "file:"+r.dcPath)
	require.NoError(t, err)
	_, err = db.ExecContext(r.ctx, `UPDATE meter SET suspect = 'control above what was granted' WHERE serial = ?`, rigSerial)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = r.m.GetBalance(r.ctx, r.super)
	require.Error(t, err)
	msg := Explain(err)
	assert.Equal(t, "Call for service", msg.Title)
	assert.True(t, msg.Text[len(msg.Text)-1] == '.', "a sentence: %q", msg.Text)

	_, err = r.m.PrintPiece(r.ctx, r.super, letter, MediumEnvelope)
	require.ErrorIs(t, err, ErrMeterSuspect, "the meter prints nothing more")
	_, err = r.m.Refill(r.ctx, r.super, 20*funds.Dollar, nil)
	require.ErrorIs(t, err, ErrMeterSuspect)
	warns, err := r.m.Warnings(r.ctx)
	require.NoError(t, err)
	assert.Contains(t, kinds(warns), WarnSuspect)

	require.NoError(t, r.store.ClearSuspect(r.ctx, rigSerial, "reviewed: a test"))
	_, err = r.m.GetBalance(r.ctx, r.super)
	require.NoError(t, err)
	_, err = r.m.PrintPiece(r.ctx, r.super, letter, MediumEnvelope)
	require.NoError(t, err, "cleared and heard from the Data Center: printing resumes")
	warns, err = r.m.Warnings(r.ctx)
	require.NoError(t, err)
	assert.NotContains(t, kinds(warns), WarnSuspect)
}

// The Data Center's refusals a clerk can meet read as sentences that say what to do, never as the
// program's error text.
func TestDataCenterRefusalsReadAsSentences(t *testing.T) {
	for code, title := range map[string]string{
		funds.CodeUnauthorized: "Meter not recognised",
		funds.CodeStaleRequest: "Check the date and time",
		funds.CodeMeterSuspect: "Call for service",
	} {
		err := fmt.Errorf("reserve refill x: %w", &funds.APIError{Op: "reserve", Status: 401, Code: code, Message: "internal words"})
		msg := Explain(err)
		assert.Equal(t, title, msg.Title, code)
		assert.NotContains(t, msg.Text, "internal words", code)
		assert.True(t, strings.HasSuffix(msg.Text, "."), code)
	}
}
