package scene

import (
	"fmt"

	"fyne.io/fyne/v2"

	"postmeter/ui"
)

// TapStep is one tap of a flow played in a window: the button tapped, where, and the screen it led to.
type TapStep struct {
	ID     ui.ID
	Centre fyne.Position // absolute, in canvas units, before the tap
	Before string        // screen (and dialog, after a slash) before the tap
	After  string        // screen (and dialog) once the tap's work has settled
}

// TapThrough taps the buttons ids in order, as a finger would, through tap (the test
// driver's test.TapCanvas, or anything with its meaning), waiting after each until its background work
// has settled, and laying the window out again as a real window would (Relayout). each, if set, runs after every tap (a capture, a timing). It stops at the first label
// not found exactly once on top.
func TapThrough(a *ui.App, ids []ui.ID, tap func(c fyne.Canvas, pos fyne.Position), each func(i int, st TapStep) error) ([]TapStep, error) {
	var steps []TapStep
	for i, id := range ids {
		a.Relayout()
		centre, ok := a.ButtonCentre(id)
		if !ok {
			return steps, fmt.Errorf("step %d: no single visible button %s on %s", i+1, id, a.ScreenState())
		}
		st := TapStep{ID: id, Centre: centre, Before: a.ScreenState()}
		tap(a.Window().Canvas(), centre)
		a.Settle()
		a.Relayout()
		st.After = a.ScreenState()
		steps = append(steps, st)
		if each != nil {
			if err := each(i, st); err != nil {
				return steps, fmt.Errorf("step %d (%s): %w", i+1, id, err)
			}
		}
	}
	return steps, nil
}

// SeedArticleTaps is the help article's refill from the Home screen as a clerk taps it on a fresh
// simulator: sign in as the supervisor, Funds, Add Postage to Meter, Other amount $125.00, Confirm, the
// receipt on tape, Done. The end-to-end test and the benchmarks play it in a real window.
var SeedArticleTaps = []ui.ID{
	ui.User(Supervisor), ui.Key("2"), ui.Key("4"), ui.Key("6"), ui.Key("8"), ui.Key("1"), ui.Key("3"), ui.IDKeypadOK,
	ui.IDFunds, ui.IDAddPostage, ui.IDRefillOther, ui.Key("1"), ui.Key("2"), ui.Key("5"), ui.Key("0"), ui.Key("0"), ui.IDKeypadOK,
	ui.IDConfirm, ui.IDPrintReceipt, ui.IDPrintTape, ui.IDDone,
}
