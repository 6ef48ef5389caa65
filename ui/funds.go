package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

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

var tabNames = []string{"Meter Funds", "Refill settings", "Last 5 refills", "Meter information"}
var tabIDs = []ID{IDTabMeterFunds, IDTabRefillSettings, IDTabLastRefills, IDTabMeterInfo}
var tabScreens = []string{"funds-meter-funds", "funds-refill-settings", "funds-last-refills", "funds-meter-information"}

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
func (a *App) showFunds(tab int) {
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
	// Never a blank body while the figures are read (a dialog may sit over it meanwhile).
	content := container.NewStack(text("Reading the meter's funds…"))
	// Funds opened from Run Mail ("Postage in meter") leads back there; moving between tabs keeps it.
	if a.screen == "run-mail" {
		a.fundsBack = func() { a.runMail(false, nil) }
	} else if !strings.HasPrefix(a.screen, "funds-") {
		a.fundsBack = nil
	}
	corner := a.homeButton()
	if a.fundsBack != nil {
		corner = container.NewHBox(minSize(a.button(IDBackToMail, txt("ui.run-mail"), theme.NavigateBackIcon(), a.fundsBack), 200, 64), corner)
	}
	a.setScreen(tabScreens[tab], screen("Funds", corner,
		container.NewBorder(bar, nil, nil, nil, content), nil))
	set := func(o fyne.CanvasObject) {
		content.Objects = []fyne.CanvasObject{o}
		content.Refresh()
	}
	switch tab {
	case tabMeterFunds:
		load(a, func(ctx context.Context) (meter.FundsView, error) { return a.m.Funds(ctx, sess) },
			func(v meter.FundsView) { set(a.meterFundsTab(v)) })
	case tabRefillSettings:
		load(a, a.m.Settings, func(s meter.Settings) { set(a.refillSettingsTab(s)) })
	case tabLastRefills:
		load(a, func(ctx context.Context) ([]meter.RefillLine, error) { return a.m.LastRefills(ctx, 5) },
			func(l []meter.RefillLine) { set(lastRefillsTab(l)) })
	case tabMeterInfo:
		load(a, a.m.Info, func(i meter.MeterInfo) { set(a.meterInfoTab(i)) })
	}
}

func (a *App) meterFundsTab(v meter.FundsView) fyne.CanvasObject {
	sess := a.session // for the work off the UI goroutine
	r := v.Registers
	inMeter := container.NewVBox(subtitle("In the meter"), rows(
		[2]string{"Postage in meter", r.Available.String()},
		[2]string{"Postage used", r.Used.String()},
		[2]string{"Control sum", r.Control.String()},
		[2]string{"Pieces", strconv.FormatInt(r.Pieces, 10)}))
	account := container.NewVBox(subtitle("Postage account " + a.m.Identity().AccountNumber))
	if v.Account != nil {
		account.Add(rows(
			[2]string{"Prepaid balance", funds.Amount(v.Account.PrepaidMills).String()},
			[2]string{"Credit available", funds.Amount(v.Account.CreditAvailableMills).String()}))
		account.Add(caption("As of " + when.DateTime(v.AccountAt)))
	} else {
		account.Add(text("Select Get Balance to see the prepaid balance and the credit available."))
	}
	body := container.NewVBox(container.NewGridWithColumns(2, inMeter, account))
	if v.Pending != nil {
		body.Add(banner(bannerInfo, fmt.Sprintf("A refill of %s is waiting for the Data Center.", v.Pending.Amount),
			container.NewHBox(a.primary(IDTryAgain, meter.Words(meter.ActionTryAgain), nil, a.retryPending),
				a.button(IDCancelRefill, "Cancel refill", nil, a.cancelPending))))
	}
	// Add Postage to Meter is the screen's one main action (the help article's); the others are plain.
	add := a.guarded(IDAddPostage, meter.Words(meter.ActionAddPostage), meter.RightRefill, a.startRefill)
	add.Importance = widget.HighImportance
	buttons := actions(
		add,
		a.guarded(IDGetBalance, txt("ui.get-balance"), meter.RightBalanceInquiry, a.getBalance),
		a.guarded(IDPrintFundsReport, "Print funds report", meter.RightFundsReport, func() {
			a.showPrint("funds-report-print", "Print funds report", func(ctx context.Context, d meter.Destination) error {
				return a.m.PrintFundsReport(ctx, sess, d)
			}, func() { a.showFunds(tabMeterFunds) })
		}))
	return container.NewBorder(nil, buttons, nil, nil, body)
}

func (a *App) refillSettingsTab(s meter.Settings) fyne.CanvasObject {
	sess := a.session // for the work off the UI goroutine
	change := func(setting, label string, current funds.Amount, save func(ctx context.Context, v funds.Amount) error) fyne.CanvasObject {
		b := a.guarded(ChangeSetting(setting), "Change", meter.RightRefillSettings, func() {
			a.showAmountKeypad("refill-settings-keypad", label, current, save, func() { a.showFunds(tabRefillSettings) })
		})
		v := amountLabel(current.String())
		return container.NewBorder(nil, nil, nil, minSize(b, 180, 72), container.NewVBox(widget.NewLabel(label), v))
	}
	return container.NewVBox(
		change("low-funds-warning", "Warn when postage in meter is below", s.LowFundsWarning, func(ctx context.Context, v funds.Amount) error {
			return a.m.SetLowFundsWarning(ctx, sess, v)
		}),
		widget.NewSeparator(),
		change("default-refill", "Default refill amount", s.DefaultRefill, func(ctx context.Context, v funds.Amount) error {
			return a.m.SetDefaultRefill(ctx, sess, v)
		}))
}

func lastRefillsTab(lines []meter.RefillLine) fyne.CanvasObject {
	if len(lines) == 0 {
		return text("No refills yet.")
	}
	grid := container.New(layout.NewGridLayoutWithColumns(4))
	for _, h := range []string{"Date", "Time", "Amount", "User"} {
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
	limits := "known after the first Data Center contact"
	if i.Limits.Known {
		limits = i.Limits.Min.String() + " to " + i.Limits.Max.String()
	}
	info := rows(
		[2]string{"Meter number", i.Identity.Serial},
		[2]string{"Indicia number", i.Identity.IndiciaNumber},
		[2]string{"Account number", i.Identity.AccountNumber},
		[2]string{"Model", i.Model.Name},
		[2]string{txt("ui.meter-info.speed"), assumed(i.Model, "speed_lpm", txt("ui.meter-info.lpm", i.Model.SpeedLPM))},
		[2]string{txt("ui.meter-info.weighing"), weighing(i.Model)},
		[2]string{"Refill limits", limits})
	upload := a.button(IDUploadPostalInfo, "Upload postal information now", theme.UploadIcon(), func() {
		a.background(func(ctx context.Context) error { return a.m.UploadPostalInfo(ctx, sess) }, func(err error) {
			if err != nil {
				a.fail(err, nil)
				return
			}
			a.showDialog("upload-complete", meter.Message{Title: "Upload complete",
				Text: "The postal information was uploaded to the Data Center.", Actions: []meter.MessageID{meter.ActionOK}}, nil)
		})
	})
	return container.NewBorder(nil, upload, nil, nil, info)
}
