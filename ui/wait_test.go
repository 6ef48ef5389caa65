package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter/simulator"
)

// drawnScreens records, at every screen change, the screen's name and whether any wait is shown on it:
// the texts a clerk reads at the moment the screen is first drawn.
func drawnScreens(a *App) *[]string {
	var seen []string
	a.OnScreen = func(id ScreenID) {
		name := string(id)
		for _, s := range a.Texts() {
			if s == txt("ui.funds.reading") || s == "—" {
				name += " (waiting)"
				break
			}
		}
		seen = append(seen, name)
	}
	return &seen
}

// With the core answering within quickWork (here: however long it takes), every screen of the refill is
// drawn once, complete: no Funds without its figures, no Home without its postage, and no progress
// screen before the completion.
func TestQuickWorkIsDrawnOnceComplete(t *testing.T) {
	defer func(q time.Duration) { quickWork = q }(quickWork)
	quickWork = time.Hour
	a, _ := play(t, Scene{Name: "quick", User: supervisor()})
	seen := drawnScreens(a)
	for _, id := range []ID{IDFunds, IDAddPostage, IDRefillDefault, IDConfirm, IDDone} {
		tap(t, a, id)
	}
	assert.Equal(t, []string{"funds-meter-funds", "refill-options", "refill-confirm", "refill-complete", "home"}, *seen)
}

// A sign-in reads Home's figures with the PIN check: Home is drawn once, with them.
func TestSignInDrawsHomeOnceComplete(t *testing.T) {
	defer func(q time.Duration) { quickWork = q }(quickWork)
	quickWork = time.Hour
	a, _ := play(t, Scene{Name: "sign-in"})
	seen := drawnScreens(a)
	tap(t, a, User(supervisor()))
	tapDigits(t, a, simulator.DemoSupervisorPIN)
	tap(t, a, IDKeypadOK)
	assert.Equal(t, []string{"sign-in-pin", "home"}, *seen)
	assert.Contains(t, a.Texts(), "$60.00", "Home shows the postage in the meter")
}

// A read slower than quickWork shows the screen with its wait in the meantime, and the data replaces
// the wait in place: a message opened over the screen meanwhile stays.
func TestSlowWorkShowsItsWaitAndKeepsTheMessageOverIt(t *testing.T) {
	a, _ := play(t, Scene{Name: "slow", User: supervisor()})
	seen := drawnScreens(a)
	release := make(chan struct{})
	waiting := make(chan struct{})
	a.OnScreen = func(name ScreenID) { close(waiting) }
	a.act(func() {
		openScreen(a, "slow", func(body fyne.CanvasObject) fyne.CanvasObject { return screen("Slow", nil, body, nil) },
			func() fyne.CanvasObject { return text(txt("ui.funds.reading")) },
			func(ctx context.Context) (string, error) { <-release; return "The figures.", nil },
			func(s string) fyne.CanvasObject { return text(s) }, nil)
	})
	<-waiting
	a.act(func() {
		assert.Equal(t, ScreenID("slow"), a.Screen())
		assert.Contains(t, a.Texts(), txt("ui.funds.reading"))
		a.fail(errors.New("a failure shown over the screen"), nil)
	})
	close(release)
	a.Settle()
	assert.Contains(t, a.Texts(), "The figures.")
	assert.NotContains(t, a.Texts(), txt("ui.funds.reading"))
	assert.NotEmpty(t, a.Modal(), "the message opened while the screen waited is still shown")
	assert.Empty(t, *seen)
}

// While a tap's work has shown neither its result nor its wait, the screen takes no other tap: a second
// Confirm in those milliseconds must not start a second refill.
func TestNoTapWhileATapsWorkIsUnseen(t *testing.T) {
	defer func(q time.Duration) { quickWork = q }(quickWork)
	quickWork = time.Hour
	a, sim := play(t, Scene{Name: "busy", User: supervisor()})
	tap(t, a, IDFunds)
	tap(t, a, IDAddPostage)
	tap(t, a, IDRefillDefault)
	before, err := sim.Meter.LastRefills(context.Background(), 5)
	require.NoError(t, err)
	sim.Faults.Hold()
	seen := drawnScreens(a)
	confirm := button(t, a, IDConfirm)
	confirm.OnTapped()
	<-sim.Faults.Waiting()
	confirm.OnTapped() // ignored: the first one's work is under way
	button(t, a, IDCancel).OnTapped()
	sim.Faults.Release()
	a.Settle()
	assert.Equal(t, []string{"refill-complete"}, *seen, "the second Confirm and the Cancel did nothing")
	assert.Empty(t, a.Modal())
	after, err := sim.Meter.LastRefills(context.Background(), 5)
	require.NoError(t, err)
	assert.Len(t, after, len(before)+1, "one refill for two taps on Confirm")
}
