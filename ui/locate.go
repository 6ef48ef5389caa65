package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
)

// This file lets tools outside the package find where things are drawn: the end-to-end test clicks a
// real window at the centres the same screens have in Fyne's test driver, and the benchmarks time taps.
// It needs no import of fyne.io/fyne/v2/test: callers bring their own tap (test.TapCanvas).

// ButtonRect finds the visible button id on top of the meter's screen — in the dialog if
// one is open, else on the screen — and returns its absolute position and size in the window's canvas. ok is
// false if there is no such button or more than one.
func (a *App) ButtonRect(id ID) (pos fyne.Position, size fyne.Size, ok bool) {
	b := a.FindButton(id)
	if b == nil {
		return fyne.Position{}, fyne.Size{}, false
	}
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(b), b.Size(), true
}

// ButtonCentre is the absolute centre of the button ButtonRect finds.
func (a *App) ButtonCentre(id ID) (fyne.Position, bool) {
	pos, size, ok := a.ButtonRect(id)
	if !ok {
		return fyne.Position{}, false
	}
	return pos.Add(fyne.NewPos(size.Width/2, size.Height/2)), true
}

// FindButton walks what is drawn on top of the meter's screen — the dialog if one is open, else the
// screen's body — for the one visible button id; nil if there is none or more than one. The trainer panel beside the screen is not
// searched. The screens and dialogs are built of containers and leaf widgets only, so the walk needs no
// widget renderer.
func (a *App) FindButton(id ID) *Button {
	var root fyne.CanvasObject = a.body
	if a.modal != nil {
		root = a.modal
	}
	var found []*Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *Button:
			if x.ID == id {
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

// MeterScreenMinSize is the smallest the meter's screen (status bar, body and any dialog over it,
// without the trainer panel) can be drawn: the meter's display must be at least this big.
func (a *App) MeterScreenMinSize() fyne.Size { return a.meterScreen.MinSize() }

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

// ErrNoButton is Tap's answer when the button is not on top exactly once, or is disabled.
var ErrNoButton = errors.New("no such button to tap")

// Tap taps the visible button id as a finger would (a disabled button does nothing), then waits until
// the tap's background work is on screen. Scenes, lessons' tests and the benchmarks' planning use it; a
// real window's taps arrive through the driver instead.
func (a *App) Tap(id ID) error {
	a.Relayout()
	b := a.FindButton(id)
	if b == nil || b.Disabled() {
		return fmt.Errorf("%w: %s on %s", ErrNoButton, id, a.ScreenState())
	}
	b.OnTapped() // the button's own handler: the lesson guard, the activity clock, the action
	a.Settle()
	return nil
}

// ScreenState names the screen shown and the dialog over it, if any: "home", "refill-options/no-connection".
func (a *App) ScreenState() string {
	if a.modalID != "" {
		return string(a.screen) + "/" + string(a.modalID)
	}
	return string(a.screen)
}

// Texts is every text the meter's screen shows now, in drawing order: the status bar, the screen and
// the dialog over it (not the trainer panel beside it, which a clerk's meter does not have). The words
// checks read it; the screens are built of containers and leaf widgets, so the walk needs no renderer.
func (a *App) Texts() []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *Button:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		}
	}
	walk(a.meterScreen)
	return out
}

// Captions is a copy of the screens' own words (button captions, titles, prompts), by ID; with
// meter.Catalogue it is every word the meter's screen says.
func Captions() map[meter.MessageID]meter.Entry {
	out := make(map[meter.MessageID]meter.Entry, len(captions))
	for id, e := range captions {
		out[id] = e
	}
	return out
}
