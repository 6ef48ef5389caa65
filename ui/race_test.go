package ui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
)

// These tests find their failures with the race detector (make test runs ./ui/... with -race): each
// starts work off the UI goroutine and, while it may still run, changes on the UI goroutine what the
// work once read or wrote there.

// TestSignOutWhileWorkIsUnderWay: background work once read a.session when it ran, while signOut
// replaced it on the UI goroutine. Now the work takes the session it was started for.
func TestSignOutWhileWorkIsUnderWay(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor()})
	a.act(func() {
		a.getBalance() // reads the Data Center on another goroutine
		a.signOut("")
	})
	a.Settle()
	// Which screen ends up shown depends on whether the balance came back before the sign-out (its
	// result still shows Meter Funds afterwards, a gap left open); the databases agree.
	consistent(t, sim)
}

// TestKeyedPostageIsSetOnTheUIGoroutine: Key in Postage's check once wrote a.job.KeyedPostage on the
// worker goroutine that priced it, while the screens read the job on the UI goroutine.
func TestKeyedPostageIsSetOnTheUIGoroutine(t *testing.T) {
	a, _ := play(t, Scene{Name: "flow", User: supervisor()})
	tap(t, a, IDRunMail)
	if a.Modal() != "" {
		tap(t, a, IDContinue) // a warning on entering
	}
	tap(t, a, IDKeyInPostage)
	tapDigits(t, a, "125")
	a.act(func() {
		a.pinPadOK() // OK: the postage is checked on another goroutine
		// The clerk's next touch changes the job on the UI goroutine while the check may still run.
		a.job.Weight = 2 * meter.Ounce
	})
	a.Settle()
	var keyed funds.Amount
	a.act(func() { keyed = a.job.KeyedPostage })
	require.Equal(t, ScreenRunMail, a.Screen())
	assert.Equal(t, funds.Amount(125)*funds.Cent, keyed)
}
