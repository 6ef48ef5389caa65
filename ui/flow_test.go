package ui

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// checkRefilled asserts the meter and the account both moved by exactly amount from their start.
func checkRefilled(t *testing.T, sim *simulator.Simulator, start funds.Registers, prepaid, amount funds.Amount) {
	t.Helper()
	ctx := context.Background()
	regs, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, start.Available+amount, regs.Available)
	assert.Equal(t, start.Control+amount, regs.Control)
	acct, err := sim.Store.Account(ctx, simulator.DemoAccount)
	require.NoError(t, err)
	assert.Equal(t, prepaid-amount, acct.Prepaid)
	assert.Equal(t, funds.Amount(0), acct.Reserved, "no hold left at the Data Center")
	require.NoError(t, sim.Vault.Verify(ctx))
	require.NoError(t, sim.Store.CheckInvariants(ctx))
}

func startFigures(t *testing.T, sim *simulator.Simulator) (funds.Registers, funds.Amount) {
	t.Helper()
	regs, err := sim.Meter.Registers(context.Background())
	require.NoError(t, err)
	acct, err := sim.Store.Account(context.Background(), simulator.DemoAccount)
	require.NoError(t, err)
	return regs, acct.Prepaid
}

// finishSeedArticle is steps 4–7 of the article from the refill options: Other amount $125.00 on the
// keypad, OK, Confirm, the receipt on tape and on an envelope, Done.
func finishSeedArticle(t *testing.T, a *App, sim *simulator.Simulator) {
	t.Helper()
	require.Equal(t, ScreenRefillOptions, a.Screen())
	tap(t, a, IDRefillOther)
	require.Equal(t, ScreenRefillKeypad, a.Screen())
	tapDigits(t, a, "12500")
	assert.Equal(t, "$125.00", a.pinPad.display.Text)
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenRefillConfirm, a.Screen())
	tap(t, a, IDConfirm)
	require.Equal(t, ScreenRefillComplete, a.Screen(), "dialog %q", a.Modal())
	tap(t, a, IDPrintReceipt)
	require.Equal(t, ScreenRefillPrintReceipt, a.Screen())
	tap(t, a, IDPrintTape)
	tap(t, a, IDPrintEnvelope)
	imps := sim.Engine.Impressions()
	require.Len(t, imps, 2)
	assert.Equal(t, meter.MediumTape, imps[0].Medium)
	assert.Equal(t, meter.MediumEnvelope, imps[1].Medium)
	assert.Equal(t, "Refill Receipt", imps[1].Document.Title)
	tap(t, a, IDDone)
	assert.Equal(t, ScreenHome, a.Screen())
}

func TestSeedArticleFromHome(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor()})
	start, prepaid := startFigures(t, sim)
	tap(t, a, IDFunds)
	require.Equal(t, ScreenFundsMeterFunds, a.Screen())
	tap(t, a, IDAddPostage)
	finishSeedArticle(t, a, sim)
	checkRefilled(t, sim, start, prepaid, 125*funds.Dollar)
}

func TestSeedArticleFromRunMail(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor()})
	start, prepaid := startFigures(t, sim)
	tap(t, a, IDRunMail)
	require.Equal(t, ScreenRunMail, a.Screen())
	tap(t, a, IDPostageInMeter)
	require.Equal(t, ScreenFundsMeterFunds, a.Screen())
	tap(t, a, IDAddPostage)
	finishSeedArticle(t, a, sim)
	checkRefilled(t, sim, start, prepaid, 125*funds.Dollar)
}

func TestSeedArticleFromLowFundsWarning(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor(), Sim: simulator.Options{FirstRefill: 12 * funds.Dollar}})
	start, prepaid := startFigures(t, sim)
	tap(t, a, IDRunMail)
	require.Equal(t, WarningDialog(meter.WarnLowFunds), a.Modal())
	tap(t, a, IDAddPostage)
	finishSeedArticle(t, a, sim)
	checkRefilled(t, sim, start, prepaid, 125*funds.Dollar)
}

func TestSeedArticleFromInsufficientFundsError(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor(), Sim: simulator.Options{FirstRefill: -1}})
	start, prepaid := startFigures(t, sim)
	tap(t, a, IDRunMail)
	tap(t, a, IDContinue) // the low funds warning comes first on entering
	tap(t, a, IDStart)
	require.Equal(t, MessageDialog(meter.MsgInsufficient), a.Modal())
	tap(t, a, IDRefillMyMeter)
	finishSeedArticle(t, a, sim)
	checkRefilled(t, sim, start, prepaid, 125*funds.Dollar)
}

func TestOperatorMeetsTheLock(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: operator()})
	start, prepaid := startFigures(t, sim)
	tap(t, a, IDFunds)
	add := button(t, a, IDAddPostage)
	assert.Equal(t, "lock.svg", add.Icon.Name()[len(add.Icon.Name())-len("lock.svg"):], "the lock symbol is next to Add Postage to Meter")
	tap(t, a, IDAddPostage)
	require.Equal(t, MessageDialog(meter.MsgNoRights), a.Modal())
	assert.Equal(t, ScreenFundsMeterFunds, a.Screen(), "no refill screen opened")
	tap(t, a, IDSignIn)
	require.Equal(t, ScreenSignIn, a.Screen())

	// A supervisor signs in and refills.
	tap(t, a, User(simulator.DemoSupervisor))
	tapDigits(t, a, simulator.DemoSupervisorPIN)
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenRefillOptions, a.Screen(), "the supervisor lands in the refill the lock stopped")
	tap(t, a, IDCancel)
	require.Equal(t, ScreenFundsMeterFunds, a.Screen(), "Cancel returns to where the refill was started")
	assert.Nil(t, button(t, a, IDAddPostage).Icon, "no lock for the supervisor")
	tap(t, a, IDAddPostage)
	finishSeedArticle(t, a, sim)
	checkRefilled(t, sim, start, prepaid, 125*funds.Dollar)
}

// TestFirstSignInChoosesANewPIN: a user whose PIN must be changed signs in, is taken to choose a new
// PIN on the keypad and confirm it; a short PIN, the old PIN and two different PINs are refused with a
// note; then Home, with the rights of a supervisor, and the new PIN signs in next time.
func TestFirstSignInChoosesANewPIN(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow"})
	require.NoError(t, addFirstSignInUser(sim))
	a.act(func() { a.showSignIn("") }) // the list now has the new user
	tap(t, a, User(firstSignInUser))
	tapDigits(t, a, firstSignInPIN)
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenChoosePIN, a.Screen())
	require.NotNil(t, a.Session())
	assert.ErrorIs(t, sim.Users.Require(a.Session(), meter.RightRefill), meter.ErrPINChangeRequired)

	tapDigits(t, a, "8642")
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenChoosePIN, a.Screen())
	assert.Equal(t, "A supervisor's PIN has at least 6 digits; this one has 4. Enter a PIN of 6 to 8 digits.", a.pinPad.note.Text)

	tapDigits(t, a, firstSignInPIN)
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenChoosePIN, a.Screen())
	assert.Equal(t, "The new PIN is the same as the old one. Choose a different PIN.", a.pinPad.note.Text)

	tapDigits(t, a, "864213")
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenChoosePINConfirm, a.Screen())
	tapDigits(t, a, "864214")
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenChoosePIN, a.Screen())
	assert.Equal(t, "The two PINs are not the same. Enter the new PIN again.", a.pinPad.note.Text)
	assert.True(t, a.Session().MustChangePIN(), "nothing stored yet")

	tapDigits(t, a, "864213")
	tap(t, a, IDKeypadOK)
	tapDigits(t, a, "864213")
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenHome, a.Screen())
	assert.NoError(t, sim.Users.Require(a.Session(), meter.RightRefill))

	// Next time the new PIN signs in straight to Home.
	tap(t, a, IDSignOut)
	require.Equal(t, ScreenSignIn, a.Screen())
	tap(t, a, User(firstSignInUser))
	tapDigits(t, a, "864213")
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenHome, a.Screen())
}

// TestChoosePINSignOut: the user may sign out instead of choosing a PIN; the PIN stays to be changed.
func TestChoosePINSignOut(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow"})
	require.NoError(t, firstSignIn(a, sim))
	require.Equal(t, ScreenChoosePIN, a.Screen())
	s := a.Session()
	tap(t, a, IDKeypadBack)
	assert.Equal(t, ScreenSignIn, a.Screen())
	assert.True(t, s.SignedOut())
	assert.True(t, s.MustChangePIN())
}

func TestWrongPINIsExplained(t *testing.T) {
	a, _ := play(t, Scene{Name: "flow"})
	tap(t, a, User(simulator.DemoSupervisor))
	tapDigits(t, a, "9999")
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenSignInPIN, a.Screen())
	assert.Contains(t, a.pinPad.note.Text, "4 attempts left")
}

func TestFailedConnectionThenRetry(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor()})
	start, prepaid := startFigures(t, sim)
	sim.Link.SetUp(false)
	tap(t, a, IDFunds)
	tap(t, a, IDAddPostage)
	tap(t, a, IDRefillDefault)
	tap(t, a, IDConfirm)
	require.Equal(t, MessageDialog(meter.MsgNoConnectionPending), a.Modal())
	checkRefilled(t, sim, start, prepaid, 0)

	sim.Link.SetUp(true)
	tap(t, a, IDTryAgain)
	require.Equal(t, ScreenRefillComplete, a.Screen(), "dialog %q", a.Modal())
	tap(t, a, IDDone)
	checkRefilled(t, sim, start, prepaid, 100*funds.Dollar)
}

func TestFailedConnectionThenCancel(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor()})
	start, prepaid := startFigures(t, sim)
	sim.Faults.Set(simulator.DCDropResponse, 0) // the Data Center holds the money, the answer is lost
	tap(t, a, IDFunds)
	tap(t, a, IDAddPostage)
	tap(t, a, IDRefillDefault)
	tap(t, a, IDConfirm)
	require.Equal(t, MessageDialog(meter.MsgNoConnectionPending), a.Modal())
	sim.Faults.Set(simulator.DCNormal, 0)
	tap(t, a, IDCancel)
	require.Equal(t, DialogRefillCancelled, a.Modal())
	tap(t, a, IDOK)
	assert.Equal(t, ScreenHome, a.Screen())
	checkRefilled(t, sim, start, prepaid, 0)
}

func TestCancelDuringProgressLeavesNothingHalfDone(t *testing.T) {
	a, sim := play(t, Scene{Name: "flow", User: supervisor()})
	start, prepaid := startFigures(t, sim)
	tap(t, a, IDFunds)
	tap(t, a, IDAddPostage)
	tap(t, a, IDRefillDefault)
	require.Equal(t, ScreenRefillConfirm, a.Screen())

	sim.Faults.Hold()
	progress := make(chan struct{})
	a.OnScreen = func(name ScreenID) {
		if name == ScreenRefillProgress {
			close(progress)
		}
	}
	b := button(t, a, IDConfirm)
	b.OnTapped()           // not tap(): Settle would wait for the held request
	<-sim.Faults.Waiting() // the reserve is at the Data Center's door
	<-progress             // and, with no answer, the progress screen shows
	var cancel *Button
	a.act(func() { cancel = button(t, a, IDCancel) }) // the progress screen was drawn on another goroutine
	cancel.OnTapped()
	sim.Faults.Release()
	a.Settle()
	require.Equal(t, DialogRefillCancelled, a.Modal())
	pending, err := sim.Meter.PendingRefill(context.Background())
	require.NoError(t, err)
	assert.Nil(t, pending)
	open, err := sim.Vault.OpenRefills(context.Background())
	require.NoError(t, err)
	assert.Empty(t, open, "the cancelled refill is closed, its void delivered")
	checkRefilled(t, sim, start, prepaid, 0)
}
