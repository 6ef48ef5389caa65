package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
)

// shows reports whether a label on the meter's screen reads s.
func shows(a *App, s string) bool {
	for _, o := range visibleUnder(a.meterScreen) {
		if l, ok := o.(*widget.Label); ok && l.Text == s {
			return true
		}
	}
	return false
}

// TestKeyInPostageReplacesTheShownPrice: Key in Postage opens at the price Run Mail shows, and the
// first digit keyed replaces it, also over a keyed-in $99.99 (the clerk typed 2500 and got $999,925.00).
func TestKeyInPostageReplacesTheShownPrice(t *testing.T) {
	a, _ := play(t, Scene{Name: "key-in-postage", User: supervisor(), Steps: []Step{do((*App).showRunMail)}})
	a.act(a.closeModal)
	price := a.job.shown
	require.NotZero(t, price)
	tap(t, a, IDKeyInPostage)
	require.Equal(t, ScreenKeyInPostage, a.Screen())
	assert.Equal(t, price.String(), a.pinPad.display.Text, "opens at the price shown")
	assert.True(t, shows(a, "Digits fill from the right: 1 2 5 0 0 is $125.00. A piece can carry at most $99.99 of keyed-in postage."),
		"the hint how digits fill and the core's limit")

	tapDigits(t, a, "9999")
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenRunMail, a.Screen())
	tap(t, a, IDKeyInPostage)
	assert.Equal(t, "$99.99", a.pinPad.display.Text)
	tapDigits(t, a, "2500")
	assert.Equal(t, "$25.00", a.pinPad.display.Text, "the first key replaces the shown value")
	tap(t, a, Key("delete"))
	assert.Equal(t, "$2.50", a.pinPad.display.Text, "then keys edit what was keyed")
	tapDigits(t, a, "09")
	assert.Equal(t, "$25.00", a.pinPad.display.Text, "no more digits than the core's limit needs")
}

// TestKeyInWeightHasTheCoreLimit: the weight keypad reaches the core's 70 lb and no further; the core
// refuses more and the screen says so in words from the catalogue.
func TestKeyInWeightHasTheCoreLimit(t *testing.T) {
	a, _ := play(t, Scene{Name: "key-in-weight", User: supervisor(), Steps: []Step{do((*App).showRunMail)}})
	a.act(a.closeModal)
	tap(t, a, IDKeyInWeight)
	require.Equal(t, ScreenKeyInWeight, a.Screen())
	assert.Equal(t, "1 oz", a.pinPad.display.Text, "opens at the weight shown")
	assert.True(t, shows(a, txt(CapDigitsFillTenths)+" A piece can weigh at most 1120 oz (70 lb)."), "the core's limit")
	tapDigits(t, a, "11201")
	assert.Equal(t, "11201", a.pinPad.digits, "70 lb needs five digits")
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenKeyInWeight, a.Screen(), "refused by the core")
	assert.Equal(t, meter.Explain(meter.ErrWeightTooHeavy).Text, a.pinPad.note.Text)
	tap(t, a, Key("clear"))
	tapDigits(t, a, "11200")
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenRunMail, a.Screen())
	assert.Equal(t, meter.MaxKeyedWeight, a.job.Weight)
}

// TestEveryKeypadHasOneLayout: PIN, amount and weight keypads share the boxed display right above the
// keys, and the first key replaces the value shown.
func TestEveryKeypadHasOneLayout(t *testing.T) {
	for _, sc := range []Scene{
		{Name: "pin", Steps: []Step{do(func(a *App) { a.showPIN(supervisor(), "") })}},
		{Name: "other", User: supervisor(), Steps: []Step{do((*App).showOtherAmount)}},
		{Name: "weight", User: supervisor(), Steps: []Step{do((*App).keyInWeight)}},
	} {
		t.Run(sc.Name, func(t *testing.T) {
			a, _ := play(t, sc)
			k := a.pinPad
			require.NotNil(t, k)
			var disp, one fyne.CanvasObject = k.display, k.keys["1"]
			d := fyne.CurrentApp().Driver()
			dp, kp := d.AbsolutePositionForObject(disp), d.AbsolutePositionForObject(one)
			assert.Less(t, dp.Y+disp.Size().Height, kp.Y+1, "display above the keys")
			assert.Less(t, kp.Y-(dp.Y+disp.Size().Height), float32(24), "right above them")
			assert.InDelta(t, kp.X, dp.X, 8, "in the same column")
		})
	}
}
