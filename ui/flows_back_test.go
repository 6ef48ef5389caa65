package ui

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// TestStatusBarFollowsTheConnection: the status bar says what the link and the last request say, and
// follows the link while the clerk waits (the poll the app's ticker runs).
func TestStatusBarFollowsTheConnection(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor(), Sim: simulator.Options{Retry: funds.RetryPolicy{Attempts: 1}}})
	tap(t, a, IDFunds)
	tap(t, a, IDGetBalance)
	st, _ := a.Connection()
	assert.Equal(t, meter.ConnOnline, st)

	sim.Link.SetUp(false)
	a.PollConnection()
	st, text := a.Connection()
	assert.Equal(t, meter.ConnNoNetwork, st, "link down shows at once, without a request: %s", text)

	tap(t, a, IDGetBalance)
	require.Equal(t, MessageDialog(meter.MsgNoConnection), a.Modal())
	tap(t, a, IDCancel)
	assert.Equal(t, ScreenFundsMeterFunds, a.Screen())
	st, _ = a.Connection()
	assert.Equal(t, meter.ConnNoNetwork, st)

	sim.Link.SetUp(true)
	a.PollConnection()
	st, text = a.Connection()
	assert.Equal(t, meter.ConnUnknown, st, "the link is back: no longer offline (%s)", text)

	sim.Faults.Set(simulator.DCDown, 0)
	tap(t, a, IDGetBalance)
	tap(t, a, IDCancel)
	st, _ = a.Connection()
	assert.Equal(t, meter.ConnNoAnswer, st)
	assert.NotNil(t, a.status.dcIcon.Resource, "an icon beside the words")
}

// TestGetBalanceShowsProgressAtOnce: with a slow Data Center the tap shows a progress dialog before
// any answer; Try again and Cancel after a failure act on the balance, not on a refill.
func TestGetBalanceShowsProgressAtOnce(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor(), Sim: simulator.Options{Retry: funds.RetryPolicy{Attempts: 1}}})
	tap(t, a, IDFunds)
	sim.Faults.Set(simulator.DCSlow, 3*time.Second)
	sim.Faults.Hold()
	button(t, a, IDGetBalance).OnTapped() // not tap(): Settle would wait for the held request
	assert.Equal(t, DialogBalanceProgress, a.Modal(), "progress shows on the tap itself")
	<-sim.Faults.Waiting()
	sim.Faults.Set(simulator.DCDown, 0)
	sim.Faults.Release()
	a.Settle()
	require.Equal(t, MessageDialog(meter.MsgNoConnection), a.Modal())
	sim.Faults.Set(simulator.DCNormal, 0)
	tap(t, a, IDTryAgain)
	assert.Empty(t, a.Modal())
	assert.Equal(t, ScreenFundsMeterFunds, a.Screen())
}

// TestProgressAfterTheCreditCannotBeCancelled: at Confirming the postage is in the meter; no Cancel,
// no "nothing is added".
func TestProgressAfterTheCreditCannotBeCancelled(t *testing.T) {
	a, _ := play(t, Scene{Name: "flow", User: supervisor()})
	tap(t, a, IDFunds)
	tap(t, a, IDAddPostage)
	tap(t, a, IDRefillDefault)
	a.act(func() {
		a.showProgress()
		assert.True(t, a.flow.cancelBtn.Visible())
		a.setStage(funds.StageConfirming)
	})
	assert.False(t, a.flow.cancelBtn.Visible(), "nothing can be cancelled after the credit")
	assert.NotContains(t, a.flow.note.Text, "nothing is added")
	assert.Contains(t, a.flow.note.Text, "The postage is in the meter.")
	assert.Equal(t, "100 %", a.flow.percent.Text)
	assert.Equal(t, "", a.flow.progress.TextFormatter(), "no white text on the light bar")
}

// TestReturnsWhereTheClerkCameFrom: Funds from Run Mail leads back to Run Mail; Cancel on the refill
// options from the low-funds warning goes back to Run Mail.
func TestReturnsWhereTheClerkCameFrom(t *testing.T) {
	a, _ := play(t, Scene{Name: "flow", User: supervisor(), Sim: simulator.Options{FirstRefill: 12 * funds.Dollar}})
	tap(t, a, IDRunMail)
	require.Equal(t, WarningDialog(meter.WarnLowFunds), a.Modal())
	tap(t, a, IDAddPostage)
	require.Equal(t, ScreenRefillOptions, a.Screen())
	tap(t, a, IDCancel)
	assert.Equal(t, ScreenRunMail, a.Screen())
	assert.Empty(t, a.Modal(), "back on Run Mail without the warning again")

	tap(t, a, IDPostageInMeter)
	require.Equal(t, ScreenFundsMeterFunds, a.Screen())
	tap(t, a, IDTabLastRefills)
	tap(t, a, IDBackToMail)
	assert.Equal(t, ScreenRunMail, a.Screen())

	tap(t, a, IDHome)
	tap(t, a, IDFunds)
	assert.Nil(t, a.FindButton(IDBackToMail), "from Home, Funds leads Home only")
}
