package ui

import (
	"context"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"postmeter/meter"
	"postmeter/printer/when"
)

// showReports lists what can be printed; each report needs its right.
func (a *App) showReports() {
	sess := a.session // read on the UI goroutine: the work below runs on another, while signOut may replace it
	printer := func(name, heading string, print func(ctx context.Context, d meter.Destination) error) func() {
		return func() { a.showPrint(name, heading, print, a.showReports) }
	}
	body := container.NewGridWithColumns(1,
		minSize(a.guarded(IDReportFunds, "Funds report", meter.RightFundsReport, printer("reports-funds", "Print funds report",
			func(ctx context.Context, d meter.Destination) error { return a.m.PrintFundsReport(ctx, sess, d) })), 0, 80),
		minSize(a.guarded(IDReportReceipt, "Refill receipt (last refill)", meter.RightRefillReceipts, printer("reports-receipt", "Print refill receipt",
			func(ctx context.Context, d meter.Destination) error { return a.m.PrintRefillReceipt(ctx, sess, d) })), 0, 80),
		minSize(a.guarded(IDReportLastRefills, "Last 5 refills", meter.RightRefillReceipts, printer("reports-last-refills", "Print last 5 refills",
			func(ctx context.Context, d meter.Destination) error { return a.m.PrintLastRefills(ctx, sess, d) })), 0, 80))
	a.setScreen("reports", screen("Reports", a.homeButton(), container.NewVBox(body), nil))
}

// showSettings gathers the settings a clerk or supervisor reaches from Home.
func (a *App) showSettings() {
	sess := a.session // for the work off the UI goroutine
	body := container.NewGridWithColumns(2,
		minSize(a.button(IDTabRefillSettings, "Refill settings", nil, func() { a.showFunds(tabRefillSettings) }), 0, 80),
		minSize(a.button(IDTabMeterInfo, "Meter information", nil, func() { a.showFunds(tabMeterInfo) }), 0, 80),
		minSize(a.button(IDResetBatch, "Reset batch counter", nil, func() {
			a.background(func(ctx context.Context) error { return a.m.ResetBatch(ctx, sess) }, func(err error) {
				if err != nil {
					a.fail(err, nil)
					return
				}
				a.showDialog("batch-reset", meter.Message{Title: "Batch counter reset",
					Text: "The batch count and value start again from zero.", Actions: []meter.MessageID{meter.ActionOK}}, nil)
			})
		}), 0, 80),
		minSize(a.button(IDRates, txt("ui.settings.rates"), nil, a.showRates), 0, 80),
		minSize(a.button(IDSignOut, "Sign out", theme.LogoutIcon(), func() { a.signOut("") }), 0, 80))
	a.setScreen("settings", screen("Settings", a.homeButton(), container.NewVBox(body), nil))
}

// showRates lists the rate tables the meter prices from, newest first: the date each takes effect,
// which is in force today and which is next, where it came from and whether it is verified.
func (a *App) showRates() {
	views := a.m.RatesView() // in memory: no disk or network
	var pairs [][2]string
	unverified := false
	for _, v := range views {
		from := "ui.rates.from"
		switch {
		case v.InForce:
			from = "ui.rates.from-now"
		case v.Next:
			from = "ui.rates.from-next"
		}
		origin := "ui.rates.built-in"
		if v.Origin == meter.OriginDataCenter {
			origin = "ui.rates.data-center"
		}
		if v.Unverified {
			origin += "-unverified"
			unverified = true
		}
		pairs = append(pairs, [2]string{txt(meter.MessageID(from), when.Date(v.Effective)), txt(meter.MessageID(origin))})
	}
	body := container.NewVBox(text(txt("ui.rates.intro")))
	if len(pairs) == 0 {
		body.Add(text(txt("ui.rates.none")))
	} else {
		body.Add(rows(pairs...))
	}
	if unverified {
		body.Add(text(txt("ui.rates.unverified-note")))
	}
	a.setScreen("rates", screen(txt("ui.rates.title"), a.button(IDSettings, txt("ui.settings"), nil, a.showSettings), body, nil))
}
