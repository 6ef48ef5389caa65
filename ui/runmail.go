package ui

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer/when"
)

// runMailJob is the job being set up on the Run Mail screen; the core prices and prints it.
type runMailJob struct {
	meter.Job
	shown funds.Amount // the postage on screen, where Key in Postage opens
	// codeChosen: the clerk chose the account code (or none); until then Run Mail starts with the
	// default preset, or the user's own code.
	codeChosen bool
	medium     meter.Medium // where the preset prints: its button is Run Mail's main one ("" envelope)
	preset     string       // the ID of the preset the job was set up from, "" for none
	user       string       // whose job it is: another user's Run Mail starts afresh
}

func (j runMailJob) mediumOrEnvelope() meter.Medium {
	if j.medium == "" {
		return meter.MediumEnvelope
	}
	return j.medium
}

func newRunMailJob() runMailJob {
	return runMailJob{Job: meter.Job{Class: meter.ClassLetter, Weight: meter.Ounce}}
}

// runMailData is what the Run Mail screen shows, read off the UI goroutine.
type runMailData struct {
	view     meter.RunMailView
	postage  funds.Amount
	priceErr error
	date     string
	accounts meter.Accounts
	classes  []meter.MailClass
	// unverified: the rate table in force on the mailing date is marked unverified (the core decides
	// whether it prices from it; the screen says so either way).
	unverified bool
	methods    []meter.WeighingMethod // the model's weighing methods
	presets    meter.Presets
	batch      meter.BatchSummary // the batch so far, by account code
	// preset: the job as the default preset set it up, when Run Mail starts afresh with one.
	preset *runMailJob
}

// showRunMail opens Run Mail; the warnings of entering (low funds) come up as dialogs.
func (a *App) showRunMail() { a.runMail(true, nil) }

// runMail draws Run Mail with fresh figures, then runs after (a dialog to show over it), if any.
func (a *App) runMail(entering bool, after func()) {
	sess := a.session // read on the UI goroutine: the work below runs on another, while signOut may replace it
	if sess != nil && a.job.user != sess.User().Name {
		a.job = newRunMailJob() // the last clerk's class, code and preset are not this one's
		a.job.user = sess.User().Name
	}
	job, fresh := a.job.Job, !a.job.codeChosen
	load(a, func(ctx context.Context) (runMailData, error) {
		var d runMailData
		var err error
		if d.view, err = a.m.EnterRunMail(ctx, sess); err != nil {
			return d, err
		}
		if d.presets, err = a.m.Presets(ctx); err != nil {
			return d, err
		}
		if fresh && d.presets.Default != "" {
			// A default preset that no longer holds (a disabled code) is not applied: Run Mail starts plain.
			if j, m, err := a.m.ApplyPreset(ctx, sess, d.presets.Default, job); err == nil {
				job = j
				d.preset = &runMailJob{Job: j, medium: m, preset: d.presets.Default, codeChosen: j.AccountCode != "",
					user: sess.User().Name}
			}
		}
		if !perPiece(job) { // weighed at each piece: priced then
			d.postage, d.priceErr = a.m.Postage(ctx, job)
		}
		// The chosen code's batch counter sums the batch's pieces: read only when a code may be shown
		// (one is chosen, or Run Mail starts afresh with the user's own code), not at every redraw.
		if job.AccountCode != "" || fresh {
			if d.batch, err = a.m.Batch(ctx, sess); err != nil {
				return d, err
			}
		}
		d.methods = a.m.WeighingMethods()
		date, err := a.m.MailingDate(ctx, job)
		if err != nil {
			return d, err
		}
		d.date = when.Date(date)
		if d.accounts, err = a.m.Accounts(ctx); err != nil {
			return d, err
		}
		d.classes = a.m.Classes()
		if t, err := a.m.RateTableOn(ctx, job); err == nil {
			d.unverified = t.Unverified
		}
		return d, nil
	}, func(d runMailData) {
		if !a.job.codeChosen && d.preset != nil {
			a.job = *d.preset
		}
		if !a.job.codeChosen && sess != nil {
			a.job.codeChosen = true
			if c, ok := d.accounts.Find(d.accounts.Defaults[sess.User().Name]); ok && !c.Disabled {
				a.job.AccountCode = c.ID
			}
		}
		a.drawRunMail(d)
		if after != nil {
			after()
			return
		}
		if entering {
			for _, w := range d.view.Warnings {
				if w.Kind == meter.WarnLowFunds || w.Kind == meter.WarnInspection {
					a.showWarning(w)
					break
				}
			}
		}
	})
}

// batchLine counts the batch in words: "Batch: 1 piece, $0.78".
func batchLine(count int64, value funds.Amount) string {
	if count == 1 {
		return txt(CapBatchOne, value)
	}
	return txt(CapBatch, count, value)
}

// runMailButtonWidth is the width of the column of buttons at the right of Run Mail's rows: every
// row's buttons fill it, in equal widths, so they line up.
const runMailButtonWidth = 340

func (a *App) drawRunMail(d runMailData) {
	job := &a.job
	classes := container.NewGridWithColumns(len(d.classes))
	for _, c := range d.classes {
		c := c
		b := a.button(Class(c), c.Label(), nil, func() { job.Class, job.KeyedPostage = c, 0; a.runMail(false, nil) })
		if job.KeyedPostage == 0 && job.Class == c {
			b.Importance = widget.HighImportance
		}
		classes.Add(b)
	}
	// A row: what is set at the left, the buttons that change it in the right-hand column. The column is
	// as wide as its widest row ("Key in weight" beside "Weigh"), so the buttons' edges line up.
	colWidth := float32(runMailButtonWidth)
	row := func(what fyne.CanvasObject, buttons ...fyne.CanvasObject) fyne.CanvasObject {
		col := container.New(shareLayout{}, buttons...)
		colWidth = max(colWidth, col.MinSize().Width)
		return container.NewBorder(nil, nil, nil, container.New(&colLayout{width: &colWidth}, col),
			container.NewVBox(layout.NewSpacer(), what, layout.NewSpacer()))
	}
	weightButtons := []fyne.CanvasObject{a.button(IDKeyInWeight, txt(CapKeyInWeight), nil, a.keyInWeight)}
	if slices.Contains(d.methods, meter.WeighScale) { // the model's, with a scale attached
		weightButtons = append(weightButtons, a.button(IDWeigh, txt("ui.weigh"), nil, a.weigh))
	}
	if extraWeighing(d.methods) {
		weightButtons = append(weightButtons, a.button(IDWeighingMethod, txt("ui.weighing-method"), nil, a.chooseWeighing))
	}
	postage := d.postage.String()
	job.shown = d.postage
	switch {
	case perPiece(job.Job):
		postage = txt("ui.run-mail.per-piece")
	case d.priceErr != nil:
		postage = "—"
	}
	code := txt("ui.run-mail.no-code")
	if c, ok := d.accounts.Find(job.AccountCode); ok {
		code = txt("ui.run-mail.account-code", c.Name)
	} else if d.accounts.Required {
		code = txt("ui.run-mail.code-required")
	}
	left := container.NewVBox(
		row(widget.NewLabel(weightLine(job.Job)), weightButtons...),
		row(container.NewHBox(container.NewVBox(layout.NewSpacer(), widget.NewLabel(txt("ui.run-mail.postage")), layout.NewSpacer()), amountLabel(postage)),
			a.button(IDKeyInPostage, txt(CapKeyInPostage), nil, a.keyInPostage)),
		row(widget.NewLabel(code), a.button(IDAccount, txt("ui.account"), nil, func() { a.chooseAccount(d.accounts) })),
		row(widget.NewLabel(txt("ui.run-mail.date", d.date)),
			a.button(IDDateEarlier, "", theme.ContentRemoveIcon(), func() { a.advanceDate(-1) }),
			a.button(IDDateLater, "", theme.ContentAddIcon(), func() { a.advanceDate(+1) })),
		a.batchRow(d))
	if d.priceErr != nil {
		e := text(meter.Explain(d.priceErr).Text)
		e.Importance = widget.DangerImportance
		left.Add(e)
	}
	// Start and Tape: the same size, sharing the height beside the rows.
	// The preset's medium is the main button: a tape preset makes Tape the one to press.
	start := a.primary(IDStart, txt("ui.start"), iconEnvelope, func() { a.print(meter.MediumEnvelope) })
	media := []fyne.CanvasObject{start}
	if a.m.HasTape() { // a model without a tape dispenser offers none (and the core refuses tape)
		tape := a.button(IDTape, txt("ui.tape"), nil, func() { a.print(meter.MediumTape) })
		if job.mediumOrEnvelope() == meter.MediumTape {
			tape.Importance, start.Importance = widget.HighImportance, widget.MediumImportance
		}
		media = append(media, tape)
	}
	right := minSize(container.NewGridWithColumns(1, media...), 220, 2*110)
	inMeter := a.button(IDPostageInMeter, txt("ui.run-mail.postage-in-meter", d.view.PostageInMeter), iconFunds, func() { a.showFunds(tabMeterFunds) })
	corner := container.NewHBox(a.button(IDRunMailOptions, txt(CapOptions), nil, a.showRunMailOptions), inMeter, a.homeButton())
	// The classes across the whole width, then the rows with Start and Tape beside them.
	classRow := container.NewBorder(nil, nil, widget.NewLabel(txt("ui.run-mail.class")), nil, classes)
	a.setScreen(ScreenRunMail, screen(txt("ui.run-mail"), corner,
		container.NewBorder(classRow, nil, nil, container.NewVBox(right), left), nil))
}

// batchRow is the batch count, and beside it "Unverified rates" when the table in force on the mailing
// date is marked unverified: on the same line, so Run Mail still fits a 1024×600 screen.
func (a *App) batchRow(d runMailData) fyne.CanvasObject {
	line := batchLine(d.view.BatchCount, d.view.BatchValue)
	if name, ok := d.batch.Names[a.job.AccountCode]; ok { // the chosen code's own batch counter
		n, _ := d.batch.Of(a.job.AccountCode)
		line += " · " + txt(CapCodeBatch, name, n)
	}
	if name := presetName(a.job, d.presets); name != "" {
		line += " · " + txt(CapPresetInUse, name)
	}
	batch := widget.NewLabel(line)
	if !d.unverified || errors.Is(d.priceErr, meter.ErrUnverifiedRates) { // that error says it already
		return batch
	}
	u := widget.NewLabel(meter.Words(meter.MsgUnverifiedRates))
	u.Importance = widget.WarningImportance
	u.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewHBox(batch, u)
}

// print prints one piece of the job; the core checks everything and debits before the engine prints.
func (a *App) print(m meter.Medium) {
	sess := a.session // for the work off the UI goroutine
	job := a.job.Job
	var res meter.PrintResult
	a.background(func(ctx context.Context) error {
		var err error
		res, err = a.m.PrintPiece(ctx, sess, job, m)
		return err
	}, func(err error) {
		a.runMail(false, func() {
			switch {
			case err != nil:
				a.fail(err, nil)
			case len(res.Warnings) > 0:
				a.showWarning(res.Warnings[0])
			}
		})
	})
}

func (a *App) advanceDate(delta int) {
	next := a.job.DateAdvance + delta
	if next < 0 {
		return // the core refuses backdating too; the button simply does nothing
	}
	job := a.job.Job
	job.DateAdvance = next
	a.background(func(ctx context.Context) error { _, err := a.m.MailingDate(ctx, job); return err }, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.job.DateAdvance = next
		a.runMail(false, nil)
	})
}

// keyInPostage opens the keypad at the postage shown, which the first digit keyed replaces; the core
// owns the most a piece may carry and refuses more.
func (a *App) keyInPostage() {
	job := a.job.Job // read on the UI goroutine: the check below runs on another
	a.showAmountEntry(ScreenKeyInPostage, txt(CapKeyInPostage), a.job.shown,
		meter.AmountDigits(meter.MaxKeyedPostage), meter.Words(meter.MsgKeyedPostageLimit, meter.MaxKeyedPostage),
		func(ctx context.Context, digits string) error {
			v, err := meter.KeyedPostageFromDigits(digits)
			if err != nil {
				return err
			}
			job := job
			job.KeyedPostage = v
			if _, err = a.m.Postage(ctx, job); err == nil {
				// This runs off the UI goroutine, and the job belongs to it. Queued now, the change
				// reaches the job before the keypad's own result (Run Mail drawn again) does.
				a.onUI(func() { a.job.KeyedPostage = v })
			}
			return err
		}, func() { a.runMail(false, nil) })
}

// keyInWeight opens the keypad at the weight shown; the core reads the digits as tenths of an ounce
// and refuses more than it allows, which the screen shows.
func (a *App) keyInWeight() {
	k := a.newKeypad(strconv.Itoa(int(a.job.Weight)), meter.WeightDigits(meter.MaxKeyedWeight), func(d string) string {
		if d == "" {
			return meter.Weight(0).String()
		}
		w, err := meter.WeightFromTenths(d)
		if err != nil {
			return d
		}
		return w.String()
	})
	ok := func() {
		w, err := meter.WeightFromTenths(k.digits)
		if err != nil {
			k.say(meter.Explain(err).Text)
			return
		}
		a.job.Weight, a.job.KeyedPostage, a.job.Weighing = w, 0, ""
		a.runMail(false, nil)
	}
	a.showKeypad(k, keypadScreen{name: ScreenKeyInWeight, heading: txt(CapKeyInWeight),
		prompt: txt(CapKeypadWeight),
		limits: text(txt(CapDigitsFillTenths) + " " +
			meter.Words(meter.MsgWeightLimit, meter.MaxKeyedWeight, meter.MaxKeyedWeight/(16*meter.Ounce))),
		ok: ok, back: func() { a.runMail(false, nil) }})
}

func (a *App) weigh() {
	var w meter.Weight
	a.background(func(ctx context.Context) error {
		var err error
		w, err = a.m.Weigh(ctx)
		return err
	}, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.job.Weight, a.job.KeyedPostage, a.job.Weighing = w, 0, meter.WeighScale
		a.runMail(false, nil)
	})
}

// chooseAccount lists the codes a piece may be charged to; a code with its own PIN asks it first.
func (a *App) chooseAccount(acc meter.Accounts) {
	pick := func(id string) func() {
		return func() {
			a.closeModal()
			if c, ok := acc.Find(id); ok && c.HasPIN {
				a.unlockAccount(c)
				return
			}
			a.job.AccountCode, a.job.codeChosen = id, true
			a.runMail(false, nil)
		}
	}
	a.accountPicker(txt("ui.run-mail.account-code-title"), acc.Enabled(), pick)
}

// unlockAccount asks a code's PIN on the keypad; the core checks it, and the session may then charge
// the code.
func (a *App) unlockAccount(c meter.Account) {
	k := a.newPINKeypad(txt("ui.pin.enter"))
	sess := a.session
	a.showKeypad(k, keypadScreen{name: ScreenAccountUnlock, heading: txt(CapAccountUnlockTitle, c.Name),
		prompt: txt(CapAccountUnlockPrompt), back: func() { a.runMail(false, nil) }, ok: func() {
			pin := k.digits
			a.background(func(ctx context.Context) error { return a.m.UnlockAccount(ctx, sess, c.ID, pin) }, func(err error) {
				if err != nil {
					k.clear()
					k.say(meter.Explain(err).Text)
					return
				}
				a.job.AccountCode, a.job.codeChosen = c.ID, true
				a.runMail(false, nil)
			})
		}})
}

// colLayout gives its one object the width the Run Mail rows share (the widest row's buttons).
type colLayout struct{ width *float32 }

func (l *colLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(*l.width, objs[0].MinSize().Height)
}

func (l *colLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// shareLayout puts a row's buttons side by side, each at least its own width, the space left shared
// equally: three buttons of different captions ("Key in weight", "Weigh", "Method") then need only
// their captions' room, not three times the widest, and Run Mail still fits a 1024×600 screen.
type shareLayout struct{}

func (shareLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for _, o := range objs {
		m := o.MinSize()
		w += m.Width
		h = max(h, m.Height)
	}
	return fyne.NewSize(w+theme.Padding()*float32(max(len(objs)-1, 0)), h)
}

func (l shareLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	extra := (size.Width - l.MinSize(objs).Width) / float32(len(objs))
	x := float32(0)
	for _, o := range objs {
		w := o.MinSize().Width + extra
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + theme.Padding()
	}
}
