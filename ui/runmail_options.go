package ui

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
	"postmeter/printer/when"
)

// Run Mail → Options: job presets, a test print and a date correction. A preset sets up the job with one
// tap (the core keeps it and checks it); the test print and the date correction print with no postage
// value. Every rule is the core's; these screens ask and show.

// Screens, dialogs and controls of Run Mail's options.
const (
	ScreenPresets        ScreenID = "run-mail-presets"
	ScreenPresetName     ScreenID = "run-mail-preset-name"
	ScreenDateCorrection ScreenID = "run-mail-date-correction"

	DialogRunMailOptions  DialogID = "run-mail-options"
	DialogPrintOn         DialogID = "print-on" // envelope or tape, for a zero-value print
	DialogZeroValueDone   DialogID = "zero-value-printed"
	IDRunMailOptions      ID       = "run-mail.options"
	IDPresets             ID       = "run-mail.presets"
	IDTestPrint           ID       = "run-mail.test-print"
	IDDateCorrection      ID       = "run-mail.date-correction"
	IDPresetSave          ID       = "presets.save"
	IDPrintOnEnvelope     ID       = "print-on.envelope"
	IDPrintOnTape         ID       = "print-on.tape"
	IDPrintOnCancel       ID       = "print-on.cancel"
	IDRunMailOptionsClose ID       = "run-mail-options.close"
)

// PresetUse, PresetDefault and PresetDelete are a preset's buttons on the presets screen.
func PresetUse(id string) ID     { return ID("presets.use." + id) }
func PresetDefault(id string) ID { return ID("presets.default." + id) }
func PresetDelete(id string) ID  { return ID("presets.delete." + id) }

// Caption IDs of these screens.
const (
	CapOptions              meter.MessageID = "ui.run-mail.options"
	CapPresets              meter.MessageID = "ui.presets"
	CapPresetsIntro         meter.MessageID = "ui.presets.intro"
	CapPresetsNone          meter.MessageID = "ui.presets.none"
	CapPresetsReading       meter.MessageID = "ui.presets.reading"
	CapPresetSave           meter.MessageID = "ui.presets.save"
	CapPresetNamePrompt     meter.MessageID = "ui.presets.name-prompt"
	CapPresetUse            meter.MessageID = "ui.presets.use"
	CapPresetMakeDefault    meter.MessageID = "ui.presets.make-default"
	CapPresetKeyed          meter.MessageID = "ui.presets.keyed"
	CapPresetOnTape         meter.MessageID = "ui.presets.on-tape"
	CapPresetOnEnvelope     meter.MessageID = "ui.presets.on-envelope"
	CapPresetInUse          meter.MessageID = "ui.presets.in-use"
	CapTestPrint            meter.MessageID = "ui.test-print"
	CapTestPrintAsk         meter.MessageID = "ui.test-print.ask"
	CapTestPrinted          meter.MessageID = "ui.test-print.done"
	CapDateCorrection       meter.MessageID = "ui.date-correction"
	CapDateCorrectionPrompt meter.MessageID = "ui.date-correction.prompt"
	CapDateCorrectionAsk    meter.MessageID = "ui.date-correction.ask"
	CapDateCorrected        meter.MessageID = "ui.date-correction.done"
	CapPrintOnEnvelope      meter.MessageID = "ui.print-on.envelope"
	CapPrintOnTape          meter.MessageID = "ui.print-on.tape"
	CapClose                meter.MessageID = "ui.close"
	CapCodeBatch            meter.MessageID = "ui.run-mail.code-batch"
	CapEndBatchCode         meter.MessageID = "ui.end-batch.code"
	CapEndBatchNoCode       meter.MessageID = "ui.end-batch.no-code"
	CapPrintExport          meter.MessageID = "ui.print.export"
	CapReportColWeight      meter.MessageID = "ui.report.col-weight"
	CapReportUpTo           meter.MessageID = "ui.report.up-to"
)

var presetCaptions = map[meter.MessageID]meter.Entry{
	CapOptions:              {Kind: meter.KindCaption, Text: "Options"},
	CapPresets:              {Kind: meter.KindTitle, Text: "Job presets"},
	CapPresetsIntro:         {Kind: meter.KindBody, Text: "A preset sets the class, weighing, account code and envelope or tape with one tap. Prices come from the rate table in force. Run Mail starts with the default preset, shown in green."},
	CapPresetsNone:          {Kind: meter.KindBody, Text: "There are no presets yet. Set up Run Mail, then save it as a preset."},
	CapPresetsReading:       {Kind: meter.KindBody, Text: "Reading the presets. Please wait."},
	CapPresetSave:           {Kind: meter.KindCaption, Text: "Save this job as a preset"},
	CapPresetNamePrompt:     {Kind: meter.KindCaption, Text: "Type the preset's name"},
	CapPresetUse:            {Kind: meter.KindCaption, Text: "Use"},
	CapPresetMakeDefault:    {Kind: meter.KindCaption, Text: "Default"},
	CapPresetKeyed:          {Kind: meter.KindCaption, Text: "Keyed-in %s"},
	CapPresetOnTape:         {Kind: meter.KindCaption, Text: "Tape"},
	CapPresetOnEnvelope:     {Kind: meter.KindCaption, Text: "Envelope"},
	CapPresetInUse:          {Kind: meter.KindCaption, Text: "Preset: %s"},
	CapTestPrint:            {Kind: meter.KindTitle, Text: "Test print"},
	CapTestPrintAsk:         {Kind: meter.KindBody, Text: "A test print checks the print quality. It is marked TEST — NO POSTAGE VALUE and nothing is charged. Choose where to print it."},
	CapTestPrinted:          {Kind: meter.KindBody, Text: "The test print is done and nothing was charged. Check that every line and the barcode are sharp."},
	CapDateCorrection:       {Kind: meter.KindTitle, Text: "Date correction"},
	CapDateCorrectionPrompt: {Kind: meter.KindBody, Text: "Key in the piece number printed in the piece's indicium (PIECE), then select OK."},
	CapDateCorrectionAsk:    {Kind: meter.KindBody, Text: "Piece %d is dated %s. Print a date correction with today's date, %s, to put beside its indicium? Nothing is charged, and a piece's date is corrected once."},
	CapDateCorrected:        {Kind: meter.KindBody, Text: "The date correction for piece %d is printed with %s. Put it beside the piece's indicium and send the piece today."},
	CapPrintOnEnvelope:      {Kind: meter.KindCaption, Text: "Envelope"},
	CapPrintOnTape:          {Kind: meter.KindCaption, Text: "Tape"},
	CapClose:                {Kind: meter.KindCaption, Text: "Close"},
	CapCodeBatch:            {Kind: meter.KindCaption, Text: "%s: %d in this batch"},
	CapEndBatchCode:         {Kind: meter.KindBody, Text: "%s: %d pieces, %s."},
	CapEndBatchNoCode:       {Kind: meter.KindBody, Text: "No account code: %d pieces, %s."},
	CapPrintExport:          {Kind: meter.KindBody, Text: "USB stick: save the report as a CSV file."},
	CapReportColWeight:      {Kind: meter.KindCaption, Text: "Weight"},
	CapReportUpTo:           {Kind: meter.KindCaption, Text: "Up to %d oz"},
}

func init() {
	for id, e := range presetCaptions {
		if _, dup := captions[id]; dup {
			panic("ui: caption " + string(id) + " twice")
		}
		captions[id] = e
	}
}

// showRunMailOptions opens the dialog of Run Mail's less frequent work.
func (a *App) showRunMailOptions() {
	item := func(id ID, label string, do func()) fyne.CanvasObject {
		return minSize(a.button(id, label, nil, func() { a.closeModal(); do() }), 0, 64)
	}
	content := container.NewVBox(title(txt(CapOptions)), container.NewGridWithColumns(3,
		item(IDPresets, txt(CapPresets), a.showPresets),
		item(IDTestPrint, txt(CapTestPrint), a.testPrint),
		item(IDDateCorrection, txt(CapDateCorrection), a.dateCorrection)),
		widget.NewSeparator(), actions(a.button(IDRunMailOptionsClose, txt(CapClose), nil, a.closeModal)))
	a.closeModal()
	a.popUp(DialogRunMailOptions, minSize(content, dialogWidth, 0))
}

// presetsData is what the presets screen shows.
type presetsData struct {
	presets  meter.Presets
	accounts meter.Accounts
}

func (a *App) showPresets() {
	back := minSize(a.button(IDRunMail, txt("ui.back"), nil, func() { a.runMail(false, nil) }), 160, 64)
	frame := func(body fyne.CanvasObject) fyne.CanvasObject { return screen(txt(CapPresets), back, body, nil) }
	openScreen(a, ScreenPresets, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapPresetsReading)) },
		func(ctx context.Context) (presetsData, error) {
			var d presetsData
			var err error
			if d.presets, err = a.m.Presets(ctx); err != nil {
				return d, err
			}
			d.accounts, err = a.m.Accounts(ctx)
			return d, err
		}, a.presetsBody, nil)
}

func (a *App) presetsBody(d presetsData) fyne.CanvasObject {
	list := container.NewVBox(text(txt(CapPresetsIntro)))
	if len(d.presets.List) == 0 {
		list.Add(text(txt(CapPresetsNone)))
	}
	for _, p := range d.presets.List {
		list.Add(a.presetRow(p, d))
	}
	save := minSize(a.guarded(IDPresetSave, txt(CapPresetSave), meter.RightManagePresets, a.savePreset), 0, 64)
	return container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), container.NewHBox(layout.NewSpacer(), save)),
		nil, nil, list)
}

// presetSummary says what a preset sets, a label each (the class or keyed-in postage, the weighing,
// the code, envelope or tape) with dots between: "First-Class letter · Sales · Tape".
func presetSummary(p meter.Preset, acc meter.Accounts) fyne.CanvasObject {
	parts := []string{p.Class.Label()}
	if p.KeyedPostage > 0 {
		parts[0] = txt(CapPresetKeyed, p.KeyedPostage)
	}
	if p.Weighing != "" && p.Weighing != meter.WeighKeyed {
		parts = append(parts, weighingCaption(p.Weighing))
	}
	if c, ok := acc.Find(p.AccountCode); ok {
		parts = append(parts, c.Name)
	}
	medium := CapPresetOnEnvelope
	if p.Medium == meter.MediumTape {
		medium = CapPresetOnTape
	}
	parts = append(parts, txt(medium))
	box := container.New(layout.NewCustomPaddedHBoxLayout(0))
	for i, part := range parts {
		if i > 0 {
			box.Add(lowLabel("·"))
		}
		box.Add(lowLabel(part))
	}
	return box
}

func lowLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Importance = widget.LowImportance
	return l
}

func (a *App) presetRow(p meter.Preset, d presetsData) fyne.CanvasObject {
	name := widget.NewLabel(p.Name)
	name.TextStyle = fyne.TextStyle{Bold: true}
	use := a.primary(PresetUse(p.ID), txt(CapPresetUse), nil, func() { a.usePreset(p.ID) })
	def := a.guarded(PresetDefault(p.ID), txt(CapPresetMakeDefault), meter.RightManagePresets, func() {
		a.presetChange(func(ctx context.Context, s *meter.Session) error { return a.m.SetDefaultPreset(ctx, s, p.ID) })
	})
	if d.presets.Default == p.ID { // the default preset's button is green: Run Mail starts with it
		def.Importance = widget.SuccessImportance
	}
	del := a.guarded(PresetDelete(p.ID), txt(CapDelete), meter.RightManagePresets, func() {
		a.presetChange(func(ctx context.Context, s *meter.Session) error { return a.m.DeletePreset(ctx, s, p.ID) })
	})
	buttons := container.NewGridWithColumns(3, use, def, del)
	left := container.NewVBox(layout.NewSpacer(), container.NewHBox(name, presetSummary(p, d.accounts)), layout.NewSpacer())
	return container.NewBorder(nil, nil, nil, minSize(buttons, 360, 64), left)
}

// presetChange runs a change in the core, then shows the presets again, or what the core refused.
func (a *App) presetChange(change func(ctx context.Context, s *meter.Session) error) {
	sess := a.session
	a.background(func(ctx context.Context) error { return change(ctx, sess) }, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.showPresets()
	})
}

// usePreset sets Run Mail's job up as the preset says; the core checks the preset still holds.
func (a *App) usePreset(id string) {
	sess, job := a.session, a.job.Job
	var out meter.Job
	var medium meter.Medium
	a.background(func(ctx context.Context) error {
		var err error
		out, medium, err = a.m.ApplyPreset(ctx, sess, id, job)
		return err
	}, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.job.Job, a.job.medium, a.job.preset, a.job.codeChosen = out, medium, id, true
		a.runMail(false, nil)
	})
}

// savePreset asks the name on the keyboard and saves Run Mail's job as a new preset.
func (a *App) savePreset() {
	job := a.job
	k := a.newKeyboard("", txt(CapPresetNamePrompt), meter.PresetNameMaxLength)
	a.showKeyboard(k, keyboardScreen{name: ScreenPresetName, heading: txt(CapPresetSave), back: a.showPresets,
		ok: func(name string) {
			p := meter.Preset{Name: name, Class: job.Class, Weighing: job.Weighing, AccountCode: job.AccountCode,
				Medium: job.mediumOrEnvelope(), KeyedPostage: job.KeyedPostage}
			a.presetChange(func(ctx context.Context, s *meter.Session) error {
				_, err := a.m.SavePreset(ctx, s, p)
				return err
			})
		}})
}

// printOn asks where a zero-value impression goes (tape only where the model has it), then runs do.
func (a *App) printOn(heading, ask string, do func(meter.Medium)) {
	pick := func(id ID, label string, m meter.Medium) fyne.CanvasObject {
		return minSize(a.button(id, label, nil, func() { a.closeModal(); do(m) }), 0, 64)
	}
	choices := []fyne.CanvasObject{pick(IDPrintOnEnvelope, txt(CapPrintOnEnvelope), meter.MediumEnvelope)}
	if a.m.HasTape() {
		choices = append(choices, pick(IDPrintOnTape, txt(CapPrintOnTape), meter.MediumTape))
	}
	choices = append(choices, minSize(a.button(IDPrintOnCancel, txt(CapCancel), nil, a.closeModal), 0, 64))
	content := container.NewVBox(title(heading), minSize(text(ask), dialogWidth, 0), widget.NewSeparator(),
		container.NewGridWithColumns(len(choices), choices...))
	a.closeModal()
	a.popUp(DialogPrintOn, content)
}

// done says a zero-value print came out.
func (a *App) zeroValueDone(heading, msg string) {
	a.showDialog(DialogZeroValueDone, meter.Message{Title: heading, Text: msg, Actions: []meter.MessageID{meter.ActionOK}}, nil)
}

func (a *App) testPrint() {
	sess := a.session
	a.printOn(txt(CapTestPrint), txt(CapTestPrintAsk), func(m meter.Medium) {
		a.background(func(ctx context.Context) error { return a.m.PrintTest(ctx, sess, m) }, func(err error) {
			if err != nil {
				a.fail(err, nil)
				return
			}
			a.zeroValueDone(txt(CapTestPrint), txt(CapTestPrinted))
		})
	})
}

// dateCorrection asks the piece's number on the keypad, shows the core's answer (the piece's date and
// today's, or why not), then prints where the clerk chooses.
func (a *App) dateCorrection() {
	sess := a.session
	k := a.newKeypad("", 9, func(d string) string { return d })
	a.showKeypad(k, keypadScreen{name: ScreenDateCorrection, heading: txt(CapDateCorrection),
		prompt: txt(CapDateCorrectionPrompt), back: func() { a.runMail(false, nil) }, ok: func() {
			seq, err := strconv.ParseInt(k.digits, 10, 64)
			if err != nil || seq <= 0 {
				k.say(meter.Words(meter.MsgPieceNotFound, 0))
				return
			}
			var dc meter.DateCorrection
			a.background(func(ctx context.Context) error {
				dc, err = a.m.DateCorrectionFor(ctx, sess, seq)
				return err
			}, func(err error) {
				if err != nil {
					k.clear()
					k.say(meter.Explain(err).Text)
					return
				}
				ask := txt(CapDateCorrectionAsk, seq, when.Date(dc.PrintedDate), when.Date(dc.NewDate))
				a.printOn(txt(CapDateCorrection), ask, func(m meter.Medium) { a.printDateCorrection(seq, m) })
			})
		}})
}

func (a *App) printDateCorrection(seq int64, m meter.Medium) {
	sess := a.session
	var dc meter.DateCorrection
	a.background(func(ctx context.Context) error {
		var err error
		dc, err = a.m.PrintDateCorrection(ctx, sess, seq, m)
		return err
	}, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.runMail(false, func() {
			a.zeroValueDone(txt(CapDateCorrection), txt(CapDateCorrected, seq, when.Date(dc.NewDate)))
		})
	})
}

// presetName is the name of the preset the job was set up from while the job still is what it set.
func presetName(job runMailJob, list meter.Presets) string {
	p, ok := list.Find(job.preset)
	if !ok || p.Class != job.Class || p.KeyedPostage != job.KeyedPostage || p.AccountCode != job.AccountCode ||
		p.Weighing != job.Weighing || p.Medium != job.mediumOrEnvelope() {
		return ""
	}
	return p.Name
}
