package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"postmeter/meter"
	"postmeter/printer/when"
)

// showReports lists what can be printed; each report needs its right.
func (a *App) showReports() {
	sess := a.session // read on the UI goroutine: the work below runs on another, while signOut may replace it
	printer := func(name ScreenID, heading string, print func(ctx context.Context, d meter.Destination) error) func() {
		return func() { a.showPrint(name, heading, print, a.showReports) }
	}
	// The funds report and the refill history are saved as CSV too.
	exporter := func(name ScreenID, heading string, print func(ctx context.Context, d meter.Destination) error,
		export func(ctx context.Context) (string, error)) func() {
		return func() { a.showPrintOrExport(name, heading, print, export, a.showReports) }
	}
	body := container.NewGridWithColumns(2, // two columns: five reports in a column do not fit a 600-high screen
		minSize(a.guarded(IDReportFunds, txt("ui.reports.funds"), meter.RightFundsReport, exporter(ScreenReportFunds, txt("ui.funds.print-report"),
			func(ctx context.Context, d meter.Destination) error { return a.m.PrintFundsReport(ctx, sess, d) },
			func(ctx context.Context) (string, error) { return a.m.ExportFundsReport(ctx, sess) })), 0, 80),
		minSize(a.guarded(IDReportReceipt, txt("ui.reports.receipt"), meter.RightRefillReceipts, printer(ScreenReportReceipt, txt("ui.reports.print-receipt"),
			func(ctx context.Context, d meter.Destination) error { return a.m.PrintRefillReceipt(ctx, sess, d) })), 0, 80),
		minSize(a.guarded(IDReportLastRefills, txt("ui.funds.tab-last-refills"), meter.RightRefillReceipts, exporter(ScreenReportLastRefills, txt("ui.reports.print-last-refills"),
			func(ctx context.Context, d meter.Destination) error { return a.m.PrintLastRefills(ctx, sess, d) },
			func(ctx context.Context) (string, error) { return a.m.ExportRefillHistory(ctx, sess) })), 0, 80),
		minSize(a.guarded(IDReportAccounts, txt(CapAccountReport), meter.RightFundsReport, func() { a.showAccountReport(rangeToday) }), 0, 80),
		minSize(a.button(IDRefundLedger, txt(meter.MsgActionRefundLedger), nil, a.ShowRefundLedger), 0, 80)) // refunds.go
	a.setScreen(ScreenReports, screen(txt("ui.reports"), a.homeButton(), container.NewVBox(body), nil))
}

// showSettings gathers the settings a clerk or supervisor reaches from Home.
func (a *App) showSettings() {
	body := container.NewGridWithColumns(2,
		minSize(a.button(IDTabRefillSettings, txt("ui.funds.tab-refill-settings"), nil, func() { a.showFunds(tabRefillSettings) }), 0, 80),
		minSize(a.button(IDTabMeterInfo, txt("ui.funds.tab-meter-info"), nil, func() { a.showFunds(tabMeterInfo) }), 0, 80),
		minSize(a.button(IDEndBatch, txt(CapEndBatch), nil, a.endBatch), 0, 80),
		minSize(a.button(IDDevices, txt(CapDevices), nil, a.showDevices), 0, 80),
		minSize(a.button(IDRates, txt("ui.settings.rates"), nil, a.showRates), 0, 80),
		minSize(a.guarded(IDAccounts, txt("ui.settings.accounts"), meter.RightManageAccounts, a.showAccounts), 0, 80),
		minSize(a.button(IDSync, txt("ui.settings.sync"), nil, a.showSync), 0, 80),
		minSize(a.button(IDSignOut, txt("ui.sign-out"), theme.LogoutIcon(), func() { a.signOut("") }), 0, 80))
	a.setScreen(ScreenSettings, screen(txt("ui.settings"), a.homeButton(), container.NewVBox(body), nil))
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
	a.setScreen(ScreenRates, screen(txt("ui.rates.title"), a.button(IDSettings, txt("ui.settings"), nil, a.showSettings), body, nil))
}

// endBatch asks before ending the batch (its count and value start again from zero, its summary
// prints on tape), then says what the batch held.
func (a *App) endBatch() {
	sess := a.session
	readThen(a, func(ctx context.Context) (meter.BatchSummary, error) { return a.m.Batch(ctx, sess) }, func(b meter.BatchSummary, err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		end := func() {
			var sum meter.BatchSummary
			a.background(func(ctx context.Context) error {
				var err error
				sum, err = a.m.EndBatch(ctx, sess, meter.OnTape)
				return err
			}, func(err error) {
				if err != nil {
					a.fail(err, nil)
					return
				}
				a.showDialog(DialogBatchEnded, meter.Message{Title: txt(CapBatchEndedTitle),
					Text: txt(CapBatchEnded, sum.Count, sum.Value.String()), Actions: []meter.MessageID{meter.ActionOK}}, nil)
			})
		}
		ask := []string{txt(CapEndBatchAsk, b.Count, b.Value.String())}
		for _, t := range b.ByAccount { // each code's batch counter
			switch name := b.Names[t.AccountCode]; {
			case t.AccountCode == "":
				ask = append(ask, txt(CapEndBatchNoCode, t.Pieces, t.Postage.String()))
			case name == "":
				ask = append(ask, txt(CapEndBatchCode, t.AccountCode, t.Pieces, t.Postage.String()))
			default:
				ask = append(ask, txt(CapEndBatchCode, name, t.Pieces, t.Postage.String()))
			}
		}
		a.showDialog(DialogEndBatch, meter.Message{Title: txt(CapEndBatch),
			Text:    strings.Join(ask, " "),
			Actions: []meter.MessageID{meter.ActionEndBatch, meter.ActionCancel}},
			map[meter.MessageID]func(){meter.ActionEndBatch: end})
	})
}
