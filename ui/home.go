package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/assets"
	"postmeter/meter"
)

// showHome shows the Home screen: Run Mail, Funds, Reports, Settings, and a banner per warning.
func (a *App) showHome() {
	a.flow = refillFlow{}
	banners := container.NewVBox()
	tiles := container.NewGridWithColumns(2,
		a.tile(IDRunMail, txt("ui.run-mail"), assets.Envelope, a.showRunMail),
		a.tile(IDFunds, txt("ui.funds"), assets.Funds, func() { a.showFunds(tabMeterFunds) }),
		a.tile(IDReports, txt("ui.reports"), theme.DocumentPrintIcon(), a.showReports),
		a.tile(IDSettings, txt("ui.settings"), theme.SettingsIcon(), a.showSettings))
	var corner fyne.CanvasObject
	if a.m.Users().Enabled() {
		corner = minSize(a.button(IDSignOut, txt("ui.sign-out"), theme.LogoutIcon(), func() { a.signOut("") }), 200, 64)
	}
	a.setScreen("home", screen(txt("ui.home"), corner, container.NewBorder(banners, nil, nil, nil, container.NewCenter(tiles)), nil))
	load(a, a.m.Warnings, func(ws []meter.Warning) {
		for _, w := range ws {
			banners.Add(a.warningBanner(w))
		}
		banners.Refresh()
	})
}

// warningBanner turns a warning from the core into a Home-screen banner with its action.
func (a *App) warningBanner(w meter.Warning) fyne.CanvasObject {
	kind := bannerWarning
	var action fyne.CanvasObject
	switch w.Kind {
	case meter.WarnLowFunds:
		action = minSize(a.primary(IDAddPostage, meter.Words(meter.ActionAddPostage), nil, a.startRefill), 0, MinTarget)
	case meter.WarnRefillPending:
		kind = bannerInfo
		action = a.primary(IDOpenFunds, txt("ui.home.open-funds"), nil, func() { a.showFunds(tabMeterFunds) })
	case meter.WarnInspection:
		kind = bannerError
		action = a.button(IDGetBalance, txt("ui.get-balance"), nil, a.getBalance)
	case meter.WarnSuspect:
		kind = bannerError // no action: only service can clear it, at the Data Center
	}
	// The title on its own line: the body is whole sentences that never repeat it.
	return banner(kind, w.Title+"\n"+w.Message, action)
}

// getBalance asks the Data Center for the account (an inspection) and shows Meter Funds with it.
// A dialog with a moving bar shows at once, whatever the Data Center's speed; a failure offers Try
// again (the balance again) and Cancel (back to the screen underneath).
func (a *App) getBalance() {
	sess := a.session // read on the UI goroutine: the work below runs on another, while signOut may replace it
	bar := widget.NewProgressBarInfinite()
	a.popUp("balance-progress", container.NewVBox(title("Get Balance"),
		minSize(text("Asking the Data Center for your postage account's balance. Please wait."), dialogWidth, 0), bar))
	a.background(func(ctx context.Context) error {
		_, err := a.m.GetBalance(ctx, sess)
		return err
	}, func(err error) {
		bar.Stop()
		a.closeModal()
		if err != nil {
			a.fail(err, map[meter.MessageID]func(){meter.ActionTryAgain: a.getBalance, meter.ActionCancel: func() {}})
			return
		}
		a.showFunds(tabMeterFunds)
	})
}
