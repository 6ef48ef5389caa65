package ui

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
)

// homeData is what Home shows beside its tiles, read off the UI goroutine: the core's warnings and
// the postage in the meter.
type homeData struct {
	warnings []meter.Warning
	regs     funds.Registers
}

// showHome shows the Home screen: a banner per warning across the top, the postage card (its colour
// says the core found the funds low) and large tiles for Run Mail, Funds, Reports and Settings.
func (a *App) showHome() {
	a.flow = refillFlow{}
	openScreen(a, ScreenHome, a.homeFrame(), func() fyne.CanvasObject { return a.homeBody(nil) },
		a.readHome, func(d homeData) fyne.CanvasObject { return a.homeBody(&d) }, nil)
}

// showHomeWith shows Home with figures already read (a sign-in reads them with the PIN check).
func (a *App) showHomeWith(d homeData) {
	a.flow = refillFlow{}
	a.setScreen(ScreenHome, a.homeFrame()(a.homeBody(&d)))
}

// homeFrame is Home's title, with Sign out when users sign in.
func (a *App) homeFrame() func(body fyne.CanvasObject) fyne.CanvasObject {
	var corner fyne.CanvasObject
	if a.m.Users().Enabled() {
		corner = minSize(a.button(IDSignOut, txt("ui.sign-out"), theme.LogoutIcon(), func() { a.signOut("") }), 200, 64)
	}
	return func(body fyne.CanvasObject) fyne.CanvasObject { return screen(txt("ui.home"), corner, body, nil) }
}

// readHome reads what Home shows beside its tiles (off the UI goroutine).
func (a *App) readHome(ctx context.Context) (homeData, error) {
	var d homeData
	var err error
	if d.warnings, err = a.m.Warnings(ctx); err != nil {
		return d, err
	}
	d.regs, err = a.m.Registers(ctx)
	return d, err
}

// homeBody is Home under its title: the banners, the postage card and the tiles; with d nil, while
// the core's warnings and registers are read.
func (a *App) homeBody(d *homeData) fyne.CanvasObject {
	banners := container.NewVBox()
	tiles := container.New(tilesLayout{min: fyne.NewSize(150, 110)},
		a.tile(IDRunMail, txt("ui.run-mail"), iconEnvelope, a.showRunMail),
		a.tile(IDFunds, txt("ui.funds"), iconFunds, func() { a.showFunds(tabMeterFunds) }),
		a.tile(IDReports, txt("ui.reports"), theme.DocumentPrintIcon(), a.showReports),
		a.tile(IDSettings, txt("ui.settings"), theme.SettingsIcon(), a.showSettings))
	card := newPostageCard()
	if d != nil {
		low := false
		for _, w := range d.warnings {
			banners.Add(a.warningBanner(w))
			low = low || w.Kind == meter.WarnLowFunds
		}
		card.show(d.regs.Available, low)
		a.status.showPostage(d.regs)
	}
	return container.NewBorder(banners, nil, card.object(), nil, tiles)
}

// postageCard shows the postage in the meter, large, on Home; its colour and its heading say when the
// core warned that the funds are low.
type postageCard struct {
	bg     *canvas.Rectangle
	head   *widget.Label
	amount *widget.Label
	box    fyne.CanvasObject
}

var (
	cardTint    = color.NRGBA{0xdd, 0xeb, 0xfa, 0xff} // bannerInfo's
	cardTintLow = color.NRGBA{0xff, 0xd8, 0x94, 0xff}
)

func newPostageCard() *postageCard {
	c := &postageCard{bg: canvas.NewRectangle(cardTint), head: widget.NewLabel(txt("ui.funds.in-meter")), amount: amountLabel("—")}
	c.bg.CornerRadius = 8
	c.amount.Alignment = fyne.TextAlignCenter
	c.head.Alignment = fyne.TextAlignCenter
	c.head.Wrapping = fyne.TextWrapWord
	c.box = minSize(container.NewStack(c.bg, container.NewVBox(layout.NewSpacer(), c.head, c.amount, layout.NewSpacer())), 280, 0)
	return c
}

func (c *postageCard) object() fyne.CanvasObject { return c.box }

func (c *postageCard) show(available funds.Amount, low bool) {
	c.amount.SetText(available.String())
	c.bg.FillColor = cardTint
	c.head.SetText(txt("ui.funds.in-meter"))
	c.head.TextStyle = fyne.TextStyle{}
	if low {
		c.bg.FillColor = cardTintLow
		c.head.SetText(txt("ui.home.funds-low"))
		c.head.TextStyle = fyne.TextStyle{Bold: true}
	}
	c.bg.Refresh()
	c.head.Refresh()
}

// tilesLayout puts Home's four tiles in two rows of two when the screen has the height, and in one row
// of four when warnings have taken it (a 600-high screen with two banners).
type tilesLayout struct{ min fyne.Size }

func (l tilesLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	p := theme.Padding()
	n := float32(len(objs))
	return fyne.NewSize(n*l.min.Width+(n-1)*p, l.min.Height)
}

func (l tilesLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	p := theme.Padding()
	cols := len(objs)
	if size.Height >= 2*l.min.Height+p {
		cols = (len(objs) + 1) / 2
	}
	rows := (len(objs) + cols - 1) / cols
	w := (size.Width - float32(cols-1)*p) / float32(cols)
	h := (size.Height - float32(rows-1)*p) / float32(rows)
	for i, o := range objs {
		o.Move(fyne.NewPos(float32(i%cols)*(w+p), float32(i/cols)*(h+p)))
		o.Resize(fyne.NewSize(w, h))
	}
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
	case meter.WarnAutoRefill:
		kind = bannerInfo // what the meter did by itself: nothing to do
	case meter.WarnAutoRefillFailed:
		// No button of its own: the funds are low, so the low-funds banner's Add Postage is there.
	case meter.WarnRefundDeadline:
		action = a.button(IDOpenRefundLedger, meter.Words(meter.ActionRefundLedger), nil, a.ShowRefundLedger)
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
	a.popUp(DialogBalanceProgress, container.NewVBox(title(txt("ui.get-balance")),
		minSize(text(txt("ui.balance.asking")), dialogWidth, 0), bar))
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
