package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
)

// dialogWidth keeps dialogs readable on the 1280-wide meter screen.
const dialogWidth = 720

// showDialog puts a modal message over the screen with one button per action. A handler missing from
// handlers just closes the dialog.
func (a *App) showDialog(id DialogID, msg meter.Message, handlers map[meter.MessageID]func()) {
	a.closeModal()
	var buttons []fyne.CanvasObject
	for i, act := range msg.Actions {
		act := act
		tapped := func() {
			a.closeModal()
			if h := handlers[act]; h != nil {
				h()
			}
		}
		var b *Button
		if i == 0 {
			b = a.primary(dialogAction(act), meter.Words(act), nil, tapped)
		} else {
			b = a.button(dialogAction(act), meter.Words(act), nil, tapped)
		}
		buttons = append(buttons, b)
	}
	body := text(msg.Text)
	content := container.NewVBox(title(msg.Title), minSize(body, dialogWidth, 0), widget.NewSeparator(), actions(buttons...))
	a.popUp(id, content)
}

// popUp shows content as a dialog over the meter's screen. A blocker under it takes every tap that
// misses the dialog, so the screen behind cannot be used until the dialog is answered.
func (a *App) popUp(id DialogID, content fyne.CanvasObject) {
	a.closeModal()
	box := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	box.CornerRadius = 8
	box.StrokeColor = theme.Color(theme.ColorNameSeparator)
	box.StrokeWidth = 1
	a.modal = container.NewStack(box, container.NewPadded(container.NewPadded(content)))
	a.modalID = id
	a.dialogs.Objects = []fyne.CanvasObject{newBlocker(), container.NewCenter(a.modal)}
	a.dialogs.Refresh()
	a.changed()
}

// closeModal removes the dialog, if any.
func (a *App) closeModal() {
	if a.modal != nil {
		a.modal = nil
		a.modalID = ""
		a.dialogs.Objects = nil
		a.dialogs.Refresh()
	}
}

// blocker dims the screen behind a dialog and swallows taps on it.
type blocker struct{ widget.BaseWidget }

func newBlocker() *blocker {
	b := &blocker{}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped does nothing: a tap beside the dialog must not reach the screen behind it.
func (b *blocker) Tapped(*fyne.PointEvent) {}

// CreateRenderer draws the dimming.
func (b *blocker) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(theme.Color(theme.ColorNameShadow)))
}

// fail shows an error from the core as the message a clerk reads, with its ways out. Handlers not
// given get sensible defaults: Refill My Meter and Add Postage to Meter open the refill, Sign in signs
// out, Try again and Cancel act on a pending refill.
func (a *App) fail(err error, handlers map[meter.MessageID]func()) {
	a.log.Info("shown to the clerk", "err", err)
	a.status.refresh()
	msg := meter.Explain(err)
	h := map[meter.MessageID]func(){
		meter.ActionRefillMyMeter: a.startRefill,
		meter.ActionAddPostage:    a.startRefill,
		meter.ActionSignIn:        func() { a.signOut(txt("ui.sign-in.need-right")) },
	}
	// Try again and Cancel act on the waiting refill only when the failure is about one; otherwise
	// they close the dialog, back on the screen the clerk was using.
	var pending *funds.PendingRefillError
	if errors.As(err, &pending) || errors.Is(err, funds.ErrRefillPending) {
		h[meter.ActionTryAgain] = a.retryPending
		h[meter.ActionCancel] = a.cancelPending
	}
	for k, v := range handlers {
		h[k] = v
	}
	a.showDialog(MessageDialog(msg.ID), msg, h)
}

// showWarning shows a warning from the core as a dialog with its action and Continue.
func (a *App) showWarning(w meter.Warning) {
	msg := meter.Message{Title: w.Title, Text: w.Message}
	if w.Action != "" {
		msg.Actions = append(msg.Actions, w.Action)
	}
	msg.Actions = append(msg.Actions, meter.ActionContinue)
	a.showDialog(WarningDialog(w.Kind), msg, map[meter.MessageID]func(){
		meter.ActionAddPostage:    a.startRefill,
		meter.ActionRefillMyMeter: a.startRefill,
	})
}
