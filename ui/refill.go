package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
)

// refillFlow is where the clerk is in a refill.
type refillFlow struct {
	amount     funds.Amount
	completion meter.Completion
	cancel     context.CancelFunc // cancels the refill in progress
	stageNow   funds.Stage        // the stage the refill in progress has reached
	progress   *widget.ProgressBar
	percent    *widget.Label
	stage      *widget.Label
	note       *widget.Label
	cancelBtn  fyne.CanvasObject
}

// startRefill opens the refill options (from Meter Funds, a warning or an error).
func (a *App) startRefill() {
	if !a.screen.isRefill() {
		a.nav.refillBack = a.nav.here // Cancel returns where the refill was started from
	}
	sess := a.session // read on the UI goroutine: the work below runs on another, while signOut may replace it
	load(a, func(ctx context.Context) (meter.RefillOptions, error) { return a.m.RefillOptions(ctx, sess) },
		a.showRefillOptions)
}

// showRefillOptions offers Last refill amount, Default refill amount and Other amount.
func (a *App) showRefillOptions(o meter.RefillOptions) {
	a.flow = refillFlow{}
	option := func(id ID, label string, amount funds.Amount, ok bool) fyne.CanvasObject {
		caption := txt("ui.refill.option", label, amount)
		if !ok {
			caption = txt("ui.refill.option-none", label)
		}
		b := a.button(id, caption, nil, func() { a.confirmRefill(amount) })
		if !ok {
			b.Disable()
		}
		return minSize(b, 0, 110)
	}
	other := minSize(a.button(IDRefillOther, txt("ui.refill.other"), nil, func() {
		a.showOtherAmount()
	}), 0, 110)
	limits := meter.Words(meter.MsgRefillLimitsUnknown)
	if o.Limits.Known {
		limits = meter.Words(meter.MsgRefillLimits, o.Limits.Min, o.Limits.Max)
	}
	body := container.NewVBox(text(txt("ui.refill.select")),
		container.NewGridWithColumns(3, option(IDRefillLast, txt("ui.funds.last"), o.Last, o.HasLast),
			option(IDRefillDefault, txt("ui.funds.default"), o.Default, true), other),
		text(limits))
	if o.Pending != nil {
		body.Add(banner(bannerInfo, txt("ui.refill.pending", o.Pending.Amount),
			container.NewHBox(a.primary(IDTryAgain, meter.Words(meter.ActionTryAgain), nil, a.retryPending),
				a.button(IDCancelRefill, txt("ui.funds.cancel-refill"), nil, a.cancelPending))))
	}
	back := a.nav.refillBack
	if back == nil {
		back = func() { a.showFunds(tabMeterFunds) }
	}
	cancel := minSize(a.button(IDCancel, txt(CapCancel), theme.CancelIcon(), back), 220, 0)
	a.setScreen(ScreenRefillOptions, screen(meter.Words(meter.ActionAddPostage), nil, body, container.NewHBox(cancel)))
}

// showAmountKeypad asks for a setting's amount ATM-style (Refill settings); OK saves it through the
// core, which checks it, and returns with back.
func (a *App) showAmountKeypad(name ScreenID, label string, current funds.Amount, save func(ctx context.Context, v funds.Amount) error, back func()) {
	a.showAmountEntry(name, label, current, funds.MaxKeypadDigits, "", func(ctx context.Context, digits string) error {
		v, err := funds.ParseKeypad(digits)
		if err != nil {
			return err
		}
		return save(ctx, v)
	}, back)
}

// showAmountEntry asks for an amount ATM-style. With save nil it is the refill's Other amount and OK
// goes on to Confirm; otherwise OK saves the digits through the core and returns with back. The first
// digit keyed replaces current; maxDigits and limits come from the core, which refuses past them too.
func (a *App) showAmountEntry(name ScreenID, label string, current funds.Amount, maxDigits int, limits string,
	save func(ctx context.Context, digits string) error, back func()) {
	k := a.newKeypad(current.KeypadDigits(), maxDigits, func(d string) string {
		v, err := funds.ParseKeypad(d)
		if err != nil {
			return d
		}
		return v.String()
	})
	ok := func() {
		digits := k.digits
		var c meter.Confirmation
		sess := a.session // for the work off the UI goroutine
		a.background(func(ctx context.Context) error {
			if save == nil {
				v, err := funds.ParseKeypad(digits)
				if err != nil {
					return err
				}
				c, err = a.m.ConfirmRefill(ctx, sess, v)
				return err
			}
			return save(ctx, digits)
		}, func(err error) {
			var nr *meter.NoRightsError
			switch {
			case errors.As(err, &nr), errors.Is(err, meter.ErrSessionExpired):
				a.fail(err, nil)
			case err != nil:
				k.say(meter.Explain(err).Text) // out of limits and the like: fix the entry
			case save == nil:
				// The confirmation just read is shown: reading it again cost another trip off the UI
				// goroutine and back, and a frame, before the screen could change.
				a.showConfirm(c)
			default:
				back()
			}
		})
	}
	prompt := txt(CapKeypadNewAmount)
	if save == nil {
		prompt = txt(CapKeypadRefillAmount)
	}
	// How digits fill and the limits share one paragraph, so the keys stay on a full screen.
	hint := text(txt(CapDigitsFillCents) + " " + limits)
	a.showKeypad(k, keypadScreen{name: name, heading: label, prompt: prompt, limits: hint, ok: ok, back: back})
}

// showOtherAmount is the refill's Other amount: cents filled from the right, the meter's refill
// limits (read first, so the screen is drawn once) shown; the core checks them at OK.
func (a *App) showOtherAmount() {
	load(a, a.m.Limits, func(l meter.Limits) {
		limits := meter.Words(meter.MsgRefillLimitsUnknown)
		if l.Known {
			limits = meter.Words(meter.MsgRefillLimits, l.Min, l.Max)
		}
		a.showAmountEntry(ScreenRefillKeypad, txt(CapOtherAmount), 0, funds.MaxKeypadDigits, limits, nil, a.startRefill)
	})
}

// confirmRefill shows amount, account, before and after, as the core computes them.
func (a *App) confirmRefill(amount funds.Amount) {
	sess := a.session // for the work off the UI goroutine
	load(a, func(ctx context.Context) (meter.Confirmation, error) {
		return a.m.ConfirmRefill(ctx, sess, amount)
	}, a.showConfirm)
}

// showConfirm is the confirm screen of c.
func (a *App) showConfirm(c meter.Confirmation) {
	a.flow.amount = c.Amount
	body := container.NewVBox(text(txt("ui.refill.confirm-hint")),
		rows([2]string{txt("ui.refill.amount"), c.Amount.String()},
			[2]string{txt("ui.refill.from"), c.AccountNumber},
			[2]string{txt("ui.refill.now"), c.Before.String()},
			[2]string{txt("ui.refill.after"), c.After.String()}))
	bottom := actions(minSize(a.primary(IDConfirm, txt("ui.confirm"), theme.ConfirmIcon(), a.runRefill), 0, 72),
		minSize(a.button(IDCancel, txt(CapCancel), theme.CancelIcon(), a.startRefill), 0, 72))
	a.setScreen(ScreenRefillConfirm, screen(txt("ui.refill.confirm-title"), nil, body, bottom))
}

// runRefill runs the refill off the UI goroutine, with its progress screen unless it ends quickly.
func (a *App) runRefill() {
	sess := a.session // for the work off the UI goroutine
	amount := a.flow.amount
	a.driveRefill(func(ctx context.Context, progress func(funds.Stage)) (meter.Completion, error) {
		return a.m.Refill(ctx, sess, amount, progress)
	})
}

// retryPending drives the pending refill on (the clerk chose Try again).
func (a *App) retryPending() {
	sess := a.session // for the work off the UI goroutine
	a.driveRefill(func(ctx context.Context, progress func(funds.Stage)) (meter.Completion, error) {
		return a.m.CompletePending(ctx, sess, progress)
	})
}

// driveRefill runs a refill's exchange with the Data Center off the UI goroutine. Its progress screen
// shows once the exchange has taken quickWork (a quick one goes straight to its outcome, drawn once),
// at the stage reached by then.
func (a *App) driveRefill(run func(ctx context.Context, progress func(funds.Stage)) (meter.Completion, error)) {
	ctx, cancel := context.WithCancel(a.ctx)
	a.flow.cancel = cancel
	a.flow.stageNow = funds.StageConnecting
	finished := a.unlessQuick(a.showProgress)
	var c meter.Completion
	a.background(func(context.Context) error {
		var err error
		c, err = run(ctx, func(s funds.Stage) { a.onUI(func() { a.setStage(s) }) })
		return err
	}, func(err error) {
		finished()
		a.refillDone(ctx, c, err)
	})
}

// cancelPending abandons the pending refill: nothing is added; the hold is released now or later.
func (a *App) cancelPending() {
	sess := a.session // for the work off the UI goroutine
	a.background(func(ctx context.Context) error { return a.m.AbandonPending(ctx, sess) }, func(err error) {
		if err != nil {
			a.fail(err, map[meter.MessageID]func(){meter.ActionOK: func() { a.showFunds(tabMeterFunds) }})
			return
		}
		a.showDialog(DialogRefillCancelled, meter.Message{Title: txt("ui.refill.cancelled.title"),
			Text: txt("ui.refill.cancelled"), Actions: []meter.MessageID{meter.ActionOK}},
			map[meter.MessageID]func(){meter.ActionOK: a.showHome})
	})
}

func (a *App) showProgress() {
	st := meter.RefillStage(a.flow.stageNow)
	a.flow.progress = widget.NewProgressBar()
	// The bar's own percentage is white on the light part of the bar; it is shown beside it instead.
	a.flow.progress.TextFormatter = func() string { return "" }
	a.flow.percent = widget.NewLabel("")
	a.flow.percent.TextStyle = fyne.TextStyle{Bold: true}
	a.flow.stage = widget.NewLabel(st.Text)
	a.flow.stage.Alignment = fyne.TextAlignCenter
	a.flow.note = text(st.Note)
	a.flow.cancelBtn = minSize(a.button(IDCancel, txt(CapCancel), theme.CancelIcon(), func() {
		if a.flow.cancel != nil {
			a.flow.cancel()
		}
	}), 220, 72)
	body := container.NewVBox(layoutGap(), a.flow.stage,
		container.NewBorder(nil, nil, nil, minSize(a.flow.percent, 72, 0), a.flow.progress), layoutGap(), a.flow.note)
	a.setScreen(ScreenRefillProgress, screen(txt("ui.refill.adding"), nil, body, container.NewHBox(a.flow.cancelBtn)))
	a.setStage(a.flow.stageNow)
}

// setStage notes the stage the refill reached and shows it on the progress screen, if it is shown.
func (a *App) setStage(s funds.Stage) {
	a.flow.stageNow = s
	if a.screen != ScreenRefillProgress {
		return
	}
	st := meter.RefillStage(s)
	a.flow.stage.SetText(st.Text)
	a.flow.note.SetText(st.Note)
	a.flow.progress.SetValue(st.Done)
	a.flow.percent.SetText(st.Percent())
	if !st.CanCancel {
		a.flow.cancelBtn.Hide() // the credit is being applied: nothing can be cancelled any more
	}
}

// refillDone shows the completion, or the failure with its ways out. A refill cancelled by the clerk
// is abandoned, so nothing is left half-done.
func (a *App) refillDone(ctx context.Context, c meter.Completion, err error) {
	if a.flow.cancel != nil {
		a.flow.cancel()
	}
	switch {
	case err == nil:
		a.showComplete(c)
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		a.cancelPending()
	case errors.Is(err, meter.ErrNoRefillPending):
		a.showFundsThen(tabMeterFunds, func() {
			a.fail(err, map[meter.MessageID]func(){meter.ActionOK: func() { a.showFunds(tabMeterFunds) }})
		})
	default:
		// Meter Funds underneath shows a pending refill; the dialog says what happened and what to do.
		a.showFundsThen(tabMeterFunds, func() { a.fail(err, nil) })
	}
}

// showComplete is the completion notice: before, added, after.
func (a *App) showComplete(c meter.Completion) {
	a.flow.completion = c
	// The status bar shows the postage the refill left in the meter in the same frame as the notice,
	// not one trip off the UI goroutine and one frame later; setScreen reads the registers again anyway.
	a.status.showAvailable(c.After)
	body := container.NewVBox(banner(bannerSuccess, c.Note(), nil), rows(
		[2]string{txt("ui.refill.before"), c.Before.String()},
		[2]string{txt("ui.refill.added"), c.Added.String()},
		[2]string{txt("ui.refill.now"), c.After.String()}))
	bottom := actions(
		minSize(a.guarded(IDPrintReceipt, txt("ui.print.receipt"), meter.RightRefillReceipts, a.showPrintReceipt), 0, 72),
		minSize(a.primary(IDDone, txt("ui.done"), theme.HomeIcon(), a.showHome), 0, 72))
	a.setScreen(ScreenRefillComplete, screen(txt("ui.refill.complete"), nil, body, bottom))
}

// printReceiptOn prints the last refill's receipt at d, as the print screen's buttons do.
func (a *App) printReceiptOn(d meter.Destination) {
	sess := a.session // for the work off the UI goroutine
	a.background(func(ctx context.Context) error { return a.m.PrintRefillReceipt(ctx, sess, d) }, func(err error) {
		if err != nil {
			a.fail(err, nil)
		}
	})
}

func (a *App) showPrintReceipt() {
	sess := a.session // for the work off the UI goroutine
	a.showPrint(ScreenRefillPrintReceipt, txt("ui.print.receipt"), func(ctx context.Context, d meter.Destination) error {
		return a.m.PrintRefillReceipt(ctx, sess, d)
	}, a.showHome)
}

// showPrint offers the places to print a document: an envelope on the feed deck (then Start), tape,
// and the attached printer when there is one. done is the Done button.
func (a *App) showPrint(name ScreenID, heading string, print func(ctx context.Context, d meter.Destination) error, done func()) {
	a.showPrintOrExport(name, heading, print, nil, done)
}

// showPrintOrExport is showPrint with, when export is given, a row that saves the report as CSV on
// the USB stick.
func (a *App) showPrintOrExport(name ScreenID, heading string, print func(ctx context.Context, d meter.Destination) error,
	export func(ctx context.Context) (string, error), done func()) {
	status := text("")
	do := func(d meter.Destination, done meter.MessageID) func() {
		return func() {
			finished := a.unlessQuick(func() { status.SetText(txt("ui.print.printing")) })
			a.background(func(ctx context.Context) error { return print(ctx, d) }, func(err error) {
				finished()
				if err != nil {
					status.SetText("")
					a.fail(err, nil)
					return
				}
				status.SetText(txt(done))
			})
		}
	}
	// A row: what the choice prints on, vertically centred against its button.
	choice := func(words string, b fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(nil, nil, nil, b, container.NewVBox(layout.NewSpacer(), text(words), layout.NewSpacer()))
	}
	// Start is the screen's one main action; Tape, the printer and Done are plain. With the stick's
	// row too, the rows are lower, so four choices still fit a 1024×600 screen.
	rowH := float32(72)
	if export != nil {
		rowH = 56
	}
	choices := container.NewVBox(
		choice(txt("ui.print.envelope"),
			minSize(a.primary(IDPrintEnvelope, txt("ui.start"), theme.MediaPlayIcon(), do(meter.OnEnvelope, "ui.print.done-envelope")), printChoiceWidth, rowH)),
		widget.NewSeparator(),
		choice(txt("ui.print.tape"), minSize(a.button(IDPrintTape, txt("ui.tape"), nil, do(meter.OnTape, "ui.print.done-tape")), printChoiceWidth, rowH)))
	if a.m.HasAttachedPrinter() {
		choices.Add(widget.NewSeparator())
		choices.Add(choice(txt("ui.print.document"), minSize(a.button(IDPrintDocument, txt("ui.print.on-document"), theme.DocumentPrintIcon(),
			do(meter.OnDocument, "ui.print.done-document")), printChoiceWidth, rowH)))
	}
	if export != nil {
		choices.Add(widget.NewSeparator())
		choices.Add(choice(txt(CapPrintExport), minSize(a.button(IDReportExport, txt(CapReportExport), theme.DownloadIcon(),
			func() { a.exportReport(export) }), printChoiceWidth, rowH)))
	}
	choices.Add(status)
	bottom := container.NewHBox(minSize(a.button(IDDone, txt("ui.done"), theme.HomeIcon(), done), 220, 72))
	a.setScreen(name, screen(heading, nil, choices, bottom))
}

// printChoiceWidth fits the widest of the print screen's buttons ("Print on document"), so the three
// line up as one column.
const printChoiceWidth = 300

func layoutGap() fyne.CanvasObject { return minSize(widget.NewLabel(""), 0, 24) }

// ShowRefillProgress draws the progress screen of a refill of amount at stage s, as the refill flow
// does while it waits for the Data Center; the gallery shows the screen held at one stage.
func (a *App) ShowRefillProgress(amount funds.Amount, s funds.Stage) {
	a.flow.amount = amount
	a.showProgress()
	a.setStage(s)
}
