package ui

import (
	"context"
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

// Funds tabs, as on the meter.
const (
	tabMeterFunds = iota
	tabRefillSettings
	tabLastRefills
	tabMeterInfo
)

var tabNames = []string{txt("ui.funds.tab-meter-funds"), txt("ui.funds.tab-refill-settings"), txt("ui.funds.tab-last-refills"), txt("ui.funds.tab-meter-info")}
var tabIDs = []ID{IDTabMeterFunds, IDTabRefillSettings, IDTabLastRefills, IDTabMeterInfo}

// guarded is a button for an action that needs a right. Without the right it carries the lock symbol,
// and tapping it explains why and offers sign-in as someone who has it; the core refuses either way.
func (a *App) guarded(id ID, label string, right meter.Right, tapped func()) *Button {
	if err := a.m.Users().Require(a.session, right); err != nil {
		b := a.button(id, label, iconLock, func() {
			// Sign in as someone with the right, then carry on with what was tapped, from here.
			a.fail(err, map[meter.MessageID]func(){meter.ActionSignIn: func() { a.signInThen(tapped) }})
		})
		return b
	}
	return a.button(id, label, nil, tapped)
}

// showFunds shows the Funds screen on a tab.
func (a *App) showFunds(tab int) { a.showFundsThen(tab, nil) }

// showFundsThen shows the Funds screen on a tab, then runs shown (a message over it) once it is drawn.
func (a *App) showFundsThen(tab int, shown func()) {
	sess := a.session // read on the UI goroutine: the work below runs on another, while signOut may replace it
	bar := container.NewGridWithColumns(len(tabNames))
	for i, n := range tabNames {
		i := i
		b := a.button(tabIDs[i], n, nil, func() { a.showFunds(i) })
		if i == tab {
			b.Importance = widget.HighImportance
		}
		bar.Add(b)
	}
	// Funds opened from Run Mail ("Postage in meter") leads back there; moving between tabs keeps it.
	if a.screen == ScreenRunMail {
		a.nav.fundsBack = func() { a.runMail(false, nil) }
	} else if !a.screen.isFundsTab() {
		a.nav.fundsBack = nil
	}
	corner := a.homeButton()
	if a.nav.fundsBack != nil {
		corner = container.NewHBox(minSize(a.button(IDBackToMail, txt("ui.run-mail"), theme.NavigateBackIcon(), a.nav.fundsBack), 200, 64), corner)
	}
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt("ui.funds"), corner, container.NewBorder(bar, nil, nil, nil, body), nil)
	}
	// Never a blank body while the figures are read (a dialog may sit over it meanwhile).
	waiting := func() fyne.CanvasObject { return text(txt("ui.funds.reading")) }
	// Each tab reads its own figures; what it reads is built into the tab on the UI goroutine.
	type tabBody = func() fyne.CanvasObject
	var read func(ctx context.Context) (tabBody, error)
	switch tab {
	case tabMeterFunds:
		read = func(ctx context.Context) (tabBody, error) {
			v, err := a.m.Funds(ctx, sess)
			return func() fyne.CanvasObject { return a.meterFundsTab(v) }, err
		}
	case tabRefillSettings:
		read = func(ctx context.Context) (tabBody, error) {
			s, err := a.m.Settings(ctx)
			if err != nil {
				return nil, err
			}
			auto, err := a.m.AutoRefillSettings(ctx)
			return func() fyne.CanvasObject { return a.refillSettingsTab(s, auto) }, err
		}
	case tabLastRefills:
		read = func(ctx context.Context) (tabBody, error) {
			l, err := a.m.LastRefills(ctx, 5)
			return func() fyne.CanvasObject { return lastRefillsTab(l) }, err
		}
	default:
		read = func(ctx context.Context) (tabBody, error) {
			i, err := a.m.Info(ctx)
			return func() fyne.CanvasObject { return a.meterInfoTab(i) }, err
		}
	}
	openScreen(a, tabScreens[tab], frame, waiting, read, func(b tabBody) fyne.CanvasObject { return b() }, shown)
}

func (a *App) meterFundsTab(v meter.FundsView) fyne.CanvasObject {
	sess := a.session // for the work off the UI goroutine
	r := v.Registers
	inMeter := container.NewVBox(subtitle(txt("ui.funds.in-the-meter")), rows(
		[2]string{txt("ui.funds.in-meter"), r.Available.String()},
		[2]string{txt("ui.funds.used"), r.Used.String()},
		[2]string{txt("ui.funds.control"), r.Control.String()},
		[2]string{txt("ui.funds.pieces"), strconv.FormatInt(r.Pieces, 10)}))
	account := container.NewVBox(subtitle(txt("ui.funds.account", a.m.Identity().AccountNumber)))
	if v.Account != nil {
		account.Add(rows(
			[2]string{txt("ui.funds.prepaid"), funds.Amount(v.Account.PrepaidMills).String()},
			[2]string{txt("ui.funds.credit"), funds.Amount(v.Account.CreditAvailableMills).String()}))
		account.Add(caption(txt("ui.funds.as-of", when.DateTime(v.AccountAt))))
	} else {
		account.Add(text(txt("ui.funds.get-balance-hint")))
	}
	body := container.NewVBox(container.NewGridWithColumns(2, inMeter, account))
	if v.Pending != nil {
		body.Add(banner(bannerInfo, txt("ui.funds.pending", v.Pending.Amount),
			container.NewHBox(a.primary(IDTryAgain, meter.Words(meter.ActionTryAgain), nil, a.retryPending),
				a.button(IDCancelRefill, txt("ui.funds.cancel-refill"), nil, a.cancelPending))))
	}
	// Add Postage to Meter is the screen's one main action (the help article's); the others are plain.
	// While a refill waits, finishing it (Try again on its banner) is the main action instead.
	add := a.guarded(IDAddPostage, meter.Words(meter.ActionAddPostage), meter.RightRefill, a.startRefill)
	if v.Pending == nil {
		add.Importance = widget.HighImportance
	}
	buttons := actions(
		add,
		a.guarded(IDGetBalance, txt("ui.get-balance"), meter.RightBalanceInquiry, a.getBalance),
		a.guarded(IDPrintFundsReport, txt("ui.funds.print-report"), meter.RightFundsReport, func() {
			a.showPrint(ScreenFundsReportPrint, txt("ui.funds.print-report"), func(ctx context.Context, d meter.Destination) error {
				return a.m.PrintFundsReport(ctx, sess, d)
			}, func() { a.showFunds(tabMeterFunds) })
		}))
	return container.NewBorder(nil, buttons, nil, nil, body)
}

func (a *App) refillSettingsTab(s meter.Settings, auto meter.AutoRefillSettings) fyne.CanvasObject {
	sess := a.session // for the work off the UI goroutine
	change := func(setting, label string, current funds.Amount, save func(ctx context.Context, v funds.Amount) error) fyne.CanvasObject {
		b := a.guarded(ChangeSetting(setting), txt("ui.change"), meter.RightRefillSettings, func() {
			a.showAmountKeypad(ScreenRefillSettingKeypad, label, current, save, func() { a.showFunds(tabRefillSettings) })
		})
		v := amountLabel(current.String())
		return container.NewBorder(nil, nil, nil, minSize(b, 180, 72), container.NewVBox(widget.NewLabel(label), v))
	}
	return container.NewVBox(
		change("low-funds-warning", txt("ui.funds.warn-below"), s.LowFundsWarning, func(ctx context.Context, v funds.Amount) error {
			return a.m.SetLowFundsWarning(ctx, sess, v)
		}),
		widget.NewSeparator(),
		change("default-refill", txt("ui.funds.default"), s.DefaultRefill, func(ctx context.Context, v funds.Amount) error {
			return a.m.SetDefaultRefill(ctx, sess, v)
		}),
		// No separator above: the tab must fit a 1024x600 screen, and the summary reads as its own line.
		container.NewBorder(nil, nil, nil,
			container.NewCenter(minSize(a.guarded(IDAutoRefillSettings, txt("ui.auto.open"), meter.RightRefillSettings, a.showAutoRefill), 180, MinTarget)),
			text(autoRefillSummary(auto))))
}

func lastRefillsTab(lines []meter.RefillLine) fyne.CanvasObject {
	if len(lines) == 0 {
		return text(txt("ui.funds.no-refills"))
	}
	grid := container.New(layout.NewGridLayoutWithColumns(4))
	for _, h := range []string{txt("ui.funds.date"), txt("ui.funds.time"), txt("ui.funds.amount"), txt("ui.funds.user")} {
		l := widget.NewLabel(h)
		l.TextStyle = fyne.TextStyle{Bold: true}
		grid.Add(l)
	}
	for _, l := range lines {
		grid.Add(widget.NewLabel(when.Date(l.At)))
		grid.Add(widget.NewLabel(when.Time(l.At)))
		grid.Add(widget.NewLabel(l.Amount.String()))
		grid.Add(widget.NewLabel(l.User))
	}
	// A table from the top of the tab, not rows stretched over its height.
	return container.NewVBox(grid, widget.NewSeparator())
}

// weighing names the model's weighing methods; flags that are assumptions say so.
func weighing(m meter.Model) string {
	id := "ui.meter-info.keyed"
	switch {
	case !m.AttachedScale:
	case m.WeighOnTheWay && m.DifferentialWeighing:
		id = "ui.meter-info.scale-wow-diff"
	case m.WeighOnTheWay:
		id = "ui.meter-info.scale-wow"
	case m.DifferentialWeighing:
		id = "ui.meter-info.scale-diff"
	default:
		id = "ui.meter-info.scale"
	}
	return assumed(m, "weigh_on_the_way", txt(meter.MessageID(id)))
}

// assumed marks a model's figure whose data-file field is an assumption (models.json "assumed").
func assumed(m meter.Model, field, s string) string {
	if slices.Contains(m.Assumed, field) {
		return txt("ui.meter-info.assumed", s)
	}
	return s
}

func (a *App) meterInfoTab(i meter.MeterInfo) fyne.CanvasObject {
	sess := a.session // for the work off the UI goroutine
	limits := txt("ui.info.limits-unknown")
	if i.Limits.Known {
		limits = txt("ui.info.limits", i.Limits.Min, i.Limits.Max)
	}
	info := rows(
		[2]string{txt("ui.funds.meter-number"), i.Identity.Serial},
		[2]string{txt("ui.funds.indicia-number"), i.Identity.IndiciaNumber},
		[2]string{txt("ui.funds.account-number"), i.Identity.AccountNumber},
		[2]string{txt("ui.funds.model"), i.Model.Name},
		[2]string{txt("ui.meter-info.speed"), assumed(i.Model, "speed_lpm", txt("ui.meter-info.lpm", i.Model.SpeedLPM))},
		[2]string{txt("ui.meter-info.weighing"), weighing(i.Model)},
		[2]string{txt("ui.funds.limits"), limits})
	upload := a.button(IDUploadPostalInfo, txt("ui.settings.upload"), theme.UploadIcon(), func() {
		a.background(func(ctx context.Context) error { return a.m.UploadPostalInfo(ctx, sess) }, func(err error) {
			if err != nil {
				a.fail(err, nil)
				return
			}
			a.showDialog(DialogUploadComplete, meter.Message{Title: txt("ui.upload.done.title"),
				Text: txt("ui.upload.done"), Actions: []meter.MessageID{meter.ActionOK}}, nil)
		})
	})
	return container.NewBorder(nil, upload, nil, nil, info)
}
