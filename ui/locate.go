package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
	"postmeter/meter/simulator"
)

// This file lets tools outside the package find where things are drawn: the end-to-end test clicks a
// real window at the centres the same screens have in Fyne's test driver, and the benchmarks time taps.
// It needs no import of fyne.io/fyne/v2/test: callers bring their own tap (test.TapCanvas).

// ButtonRect finds the visible button labelled label on top of the meter's screen — in the dialog if
// one is open, else on the screen — and returns its absolute position and size in the window's canvas. ok is
// false if there is no such button or more than one.
func (a *App) ButtonRect(label string) (pos fyne.Position, size fyne.Size, ok bool) {
	b := a.findButton(label)
	if b == nil {
		return fyne.Position{}, fyne.Size{}, false
	}
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(b), b.Size(), true
}

// ButtonCentre is the absolute centre of the button ButtonRect finds.
func (a *App) ButtonCentre(label string) (fyne.Position, bool) {
	pos, size, ok := a.ButtonRect(label)
	if !ok {
		return fyne.Position{}, false
	}
	return pos.Add(fyne.NewPos(size.Width/2, size.Height/2)), true
}

// findButton walks what is drawn on top of the meter's screen — the dialog if one is open, else the
// screen's body — for the one visible button labelled label. The trainer panel beside the screen is not
// searched. The screens and dialogs are built of containers and leaf widgets only, so the walk needs no
// widget renderer.
func (a *App) findButton(label string) *widget.Button {
	var root fyne.CanvasObject = a.body
	if a.modal != nil {
		root = a.modal
	}
	var found []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == label {
				found = append(found, x)
			}
		case *widget.PopUp:
			walk(x.Content)
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		}
	}
	walk(root)
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// MeterScreenRect is where the meter's screen (status bar and body, without the trainer panel) is drawn
// in the window's canvas.
func (a *App) MeterScreenRect() (fyne.Position, fyne.Size) {
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(a.status.box)
	body := d.AbsolutePositionForObject(a.body)
	end := body.Add(a.body.Size())
	end.X = max(end.X, top.X+a.status.box.Size().Width)
	return top, fyne.NewSize(end.X-top.X, end.Y-top.Y)
}

// StatusPostageRect is where the status bar shows the postage in the meter, in the window's canvas. It
// is the figure the status bar reads again after each screen is drawn (off the UI goroutine), so a
// screenshot can show the new screen with the old figure for a moment; checks of real windows look
// here too, closely.
func (a *App) StatusPostageRect() (fyne.Position, fyne.Size) {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(a.status.postage), a.status.postage.Size()
}

// Relayout lays the window's content out again, as a real (GL) window does on its next frame when a
// part's minimum size has grown: Fyne's test canvas lays its root out only when it is resized, so without
// this a part that grew (the trainer panel once its tab is filled) keeps its first width there.
func (a *App) Relayout() {
	a.uiMu.Lock()
	defer a.uiMu.Unlock()
	if c := a.win.Content(); c != nil {
		c.Refresh()
	}
}

// TapStep is one tap of a flow played in a window: the button tapped, where, and the screen it led to.
type TapStep struct {
	Label  string
	Centre fyne.Position // absolute, in canvas units, before the tap
	Before string        // screen (and dialog, after a slash) before the tap
	After  string        // screen (and dialog) once the tap's work has settled
}

// ScreenState names the screen shown and the dialog over it, if any: "home", "refill-options/no-connection".
func (a *App) ScreenState() string {
	if a.modalID != "" {
		return a.screen + "/" + a.modalID
	}
	return a.screen
}

// TapThrough taps the buttons labelled labels in order, as a finger would, through tap (the test
// driver's test.TapCanvas, or anything with its meaning), waiting after each until its background work
// has settled, and laying the window out again as a real window would (Relayout). each, if set, runs after every tap (a capture, a timing). It stops at the first label
// not found exactly once on top.
func (a *App) TapThrough(labels []string, tap func(c fyne.Canvas, pos fyne.Position), each func(i int, st TapStep) error) ([]TapStep, error) {
	var steps []TapStep
	for i, label := range labels {
		a.Relayout()
		centre, ok := a.ButtonCentre(label)
		if !ok {
			return steps, fmt.Errorf("step %d: no single visible button %q on %s", i+1, label, a.ScreenState())
		}
		st := TapStep{Label: label, Centre: centre, Before: a.ScreenState()}
		tap(a.win.Canvas(), centre)
		a.Settle()
		a.Relayout()
		st.After = a.ScreenState()
		steps = append(steps, st)
		if each != nil {
			if err := each(i, st); err != nil {
				return steps, fmt.Errorf("step %d (%s): %w", i+1, label, err)
			}
		}
	}
	return steps, nil
}

// SeedArticleTaps is the help article's refill from the Home screen as a clerk taps it on a fresh
// simulator: sign in as the supervisor, Funds, Add Postage to Meter, Other amount $125.00, Confirm, the
// receipt on tape, Done. The end-to-end test and the benchmarks play it in a real window.
var SeedArticleTaps = []string{
	simulator.DemoSupervisor + " (Supervisor)", "2", "4", "6", "8", "1", "3", "Sign in",
	"Funds", meter.ActionAddPostage, "Other amount\nenter on the keypad", "1", "2", "5", "0", "0", "OK",
	"Confirm", "Print receipt", "Tape", "Done",
}
