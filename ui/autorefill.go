package ui

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
)

// The auto-refill settings screen, reached from Funds' Refill settings: on or off, the value below
// which the meter refills, the amount, and the day's limits. Amounts are keyed on the amount keypad;
// the figures are a draft until Save, which hands them all to the core at once (it checks the right
// and the figures, and stores them in one transaction).

// autoRefillSummary is the line on the Refill settings tab that says what auto-refill does now.
func autoRefillSummary(s meter.AutoRefillSettings) string {
	if !s.On {
		return txt("ui.auto.summary-off")
	}
	return txt("ui.auto.summary-on", s.Threshold, s.Amount, s.MaxPerDay, s.MaxPerDayAmount)
}

// showAutoRefill reads the settings and shows them to be changed.
func (a *App) showAutoRefill() {
	load(a, a.m.AutoRefillSettings, func(s meter.AutoRefillSettings) { a.autoRefillScreen(&s) })
}

// autoRefillScreen shows the draft d; the keypads and the buttons change d, Save stores it.
func (a *App) autoRefillScreen(d *meter.AutoRefillSettings) {
	sess := a.session // for the work off the UI goroutine
	again := func() { a.autoRefillScreen(d) }
	on := a.button(IDAutoRefillOn, txt("ui.auto.on"), nil, func() { d.On = true; again() })
	off := a.button(IDAutoRefillOff, txt("ui.auto.off"), nil, func() { d.On = false; again() })
	if d.On {
		on.Importance = widget.HighImportance
	} else {
		off.Importance = widget.HighImportance
	}
	state := container.NewBorder(nil, nil, widget.NewLabel(txt("ui.auto.state")), nil,
		container.NewGridWithColumns(2, minSize(on, 0, MinTarget), minSize(off, 0, MinTarget)))

	amount := func(setting, label string, field *funds.Amount) fyne.CanvasObject {
		b := a.button(ChangeSetting(setting), txt("ui.change"), nil, func() {
			var picked *funds.Amount // set by OK (off the UI goroutine, before back runs on it); nil on Cancel
			a.showAmountKeypad(ScreenAutoRefillKeypad, label, *field, func(_ context.Context, v funds.Amount) error {
				picked = &v
				return nil
			}, func() {
				if picked != nil {
					*field = *picked
				}
				again()
			})
		})
		return setting2(label, field.String(), minSize(b, 120, MinTarget))
	}
	step := func(delta int) func() {
		return func() {
			d.MaxPerDay = min(max(d.MaxPerDay+delta, 1), meter.MaxAutoRefillsPerDay)
			again()
		}
	}
	perDay := container.NewGridWithColumns(2,
		minSize(a.button(IDAutoRefillFewer, "", theme.ContentRemoveIcon(), step(-1)), MinTarget, MinTarget),
		minSize(a.button(IDAutoRefillMore, "", theme.ContentAddIcon(), step(1)), MinTarget, MinTarget))
	grid := container.NewGridWithColumns(2,
		amount("auto-threshold", txt("ui.auto.below"), &d.Threshold),
		amount("auto-amount", txt("ui.auto.amount"), &d.Amount),
		setting2(txt("ui.auto.per-day"), strconv.Itoa(d.MaxPerDay), perDay),
		amount("auto-per-day-amount", txt("ui.auto.per-day-amount"), &d.MaxPerDayAmount))
	body := container.NewVBox(text(txt("ui.auto.intro")+" "+txt("ui.auto.shared")), state, widget.NewSeparator(), grid)

	back := func() { a.showFunds(tabRefillSettings) }
	save := a.primary(IDAutoRefillSave, txt("ui.auto.save"), theme.DocumentSaveIcon(), func() {
		s := *d
		a.background(func(ctx context.Context) error { return a.m.SetAutoRefill(ctx, sess, s) }, func(err error) {
			if err != nil {
				a.fail(err, nil) // the draft stays on screen to be put right
				return
			}
			back()
		})
	})
	cancel := a.button(IDAutoRefillCancel, txt(CapCancel), theme.CancelIcon(), back)
	a.setScreen(ScreenAutoRefill, screen(txt("ui.auto.title"), a.homeButton(), body,
		actions(minSize(cancel, 0, MinTarget), minSize(save, 0, MinTarget))))
}

// setting2 is one setting in the grid: its name, its value in bold, and the control at the right, on
// one line, so the screen fits 1024x600.
func setting2(label, value string, control fyne.CanvasObject) fyne.CanvasObject {
	v := widget.NewLabel(value)
	v.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewBorder(nil, nil, nil, container.NewHBox(v, control), widget.NewLabel(label))
}

// watchAutoRefill redraws what shows the postage (Home, the status bar) when an auto-refill ends.
func (a *App) watchAutoRefill() {
	a.m.OnAutoRefill(func() {
		if a.ctx.Err() == nil {
			a.onUI(a.Refresh)
		}
	})
}
