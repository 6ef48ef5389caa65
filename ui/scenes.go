package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// ScreenSize is the meter's screen, 1280×800 as on a SendPro P-class touchscreen.
var ScreenSize = fyne.NewSize(1280, 800)

// SceneClock is the fixed time every scene runs at, so its pictures never change by themselves.
var SceneClock = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

// Scene is one screen in one state: how to set up the simulator and how to bring the touchscreen there.
// The gallery renders every scene to PNG and the UI tests compare every scene with its golden markup.
type Scene struct {
	Name string
	// Options for the simulator; Dir and Clock are filled in by PlayScene.
	Sim simulator.Options
	// User signs in before Drive; "" leaves the sign-in screen up.
	User  string
	Drive func(a *App, sim *simulator.Simulator) error
}

func operator() string   { return simulator.DemoOperator }
func supervisor() string { return simulator.DemoSupervisor }

// Scenes lists every screen and state the gallery and the golden tests cover.
var Scenes = []Scene{
	{Name: "sign-in"},
	{Name: "sign-in-pin", Drive: func(a *App, _ *simulator.Simulator) error {
		a.showPIN(supervisor(), "")
		a.pinPad.press("2")
		a.pinPad.press("4")
		return nil
	}},
	{Name: "home", User: supervisor()},
	{Name: "home-warnings", User: supervisor(), Sim: simulator.Options{FirstRefill: 12 * funds.Dollar},
		Drive: func(a *App, sim *simulator.Simulator) error {
			sim.Clock.Advance(22 * 24 * time.Hour)
			s, err := sim.SignIn(context.Background(), supervisor())
			a.SignInAs(s)
			return err
		}},
	{Name: "run-mail", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error { a.showRunMail(); return nil }},
	{Name: "funds-meter-funds", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error {
		a.getBalance()
		return nil
	}},
	{Name: "funds-meter-funds-locked", User: operator(), Drive: tab(tabMeterFunds)},
	{Name: "funds-lock-explained", User: operator(), Drive: func(a *App, _ *simulator.Simulator) error {
		a.showFunds(tabMeterFunds)
		a.Settle()
		a.fail(a.m.Users().Require(a.session, meter.RightRefill), nil)
		return nil
	}},
	{Name: "funds-refill-settings", User: supervisor(), Drive: tab(tabRefillSettings)},
	{Name: "funds-last-refills", User: supervisor(), Drive: tab(tabLastRefills)},
	{Name: "funds-meter-information", User: supervisor(), Drive: tab(tabMeterInfo)},
	{Name: "refill-options", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error { a.startRefill(); return nil }},
	{Name: "refill-keypad", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error {
		a.showAmountKeypad("refill-keypad", "Other amount", 0, nil, a.startRefill)
		for _, d := range "12500" {
			a.pinPad.press(string(d))
		}
		return nil
	}},
	{Name: "refill-keypad-out-of-limits", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error {
		a.showAmountKeypad("refill-keypad", "Other amount", 0, nil, a.startRefill)
		for _, d := range "600000" {
			a.pinPad.press(string(d))
		}
		a.Settle()
		a.pinPadOK()
		return nil
	}},
	{Name: "refill-confirm", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error {
		a.confirmRefill(125 * funds.Dollar)
		return nil
	}},
	{Name: "refill-progress", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error {
		a.flow.amount = 125 * funds.Dollar
		a.showProgress()
		a.setStage(funds.StageReserving)
		return nil
	}},
	{Name: "refill-complete", User: supervisor(), Drive: refillThen(nil)},
	{Name: "refill-print-receipt", User: supervisor(), Drive: refillThen(func(a *App) { a.showPrintReceipt() })},
	{Name: "refill-print-receipt-document", User: supervisor(), Sim: simulator.Options{Printer: true},
		Drive: refillThen(func(a *App) { a.showPrintReceipt() })},
	{Name: "low-funds-warning", User: supervisor(), Sim: simulator.Options{FirstRefill: 12 * funds.Dollar},
		Drive: func(a *App, _ *simulator.Simulator) error { a.showRunMail(); return nil }},
	{Name: "insufficient-funds-error", User: supervisor(), Sim: simulator.Options{FirstRefill: -1},
		Drive: func(a *App, _ *simulator.Simulator) error {
			a.runMail(false)
			a.Settle()
			a.print(meter.MediumEnvelope)
			return nil
		}},
	{Name: "no-connection-error", User: supervisor(), Drive: func(a *App, sim *simulator.Simulator) error {
		sim.Link.SetUp(false)
		a.flow.amount = 125 * funds.Dollar
		a.runRefill()
		return nil
	}},
	{Name: "refill-pending", User: supervisor(), Drive: func(a *App, sim *simulator.Simulator) error {
		sim.Link.SetUp(false)
		a.flow.amount = 125 * funds.Dollar
		a.runRefill()
		a.Settle()
		a.closeModal()
		return nil
	}},
	{Name: "inspection-required", User: supervisor(), Drive: func(a *App, sim *simulator.Simulator) error {
		sim.Clock.Advance(29 * 24 * time.Hour)
		s, err := sim.SignIn(context.Background(), supervisor())
		a.SignInAs(s)
		a.runMail(false)
		a.Settle()
		a.print(meter.MediumEnvelope)
		return err
	}},
	{Name: "reports", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error { a.showReports(); return nil }},
	{Name: "settings", User: supervisor(), Drive: func(a *App, _ *simulator.Simulator) error { a.showSettings(); return nil }},
}

func tab(t int) func(a *App, _ *simulator.Simulator) error {
	return func(a *App, _ *simulator.Simulator) error { a.showFunds(t); return nil }
}

// refillThen refills $125 through the real flow, then runs next on the completion screen.
func refillThen(next func(a *App)) func(a *App, _ *simulator.Simulator) error {
	return func(a *App, _ *simulator.Simulator) error {
		a.flow.amount = 125 * funds.Dollar
		a.runRefill()
		a.Settle()
		if a.screen != "refill-complete" {
			return fmt.Errorf("refill ended on %s (dialog %q)", a.screen, a.modalID)
		}
		if next != nil {
			next(a)
		}
		return nil
	}
}

// PlayScene starts a fresh simulator in dir, opens the touchscreen in a new window of the current Fyne
// app (the test app for goldens and the gallery) and brings it to the scene's state. The caller closes
// the window, the App and the simulator.
func PlayScene(sc Scene, dir string) (*App, *simulator.Simulator, fyne.Window, error) {
	opts := sc.Sim
	opts.Dir = dir
	opts.Clock = meter.FixedClock(SceneClock)
	sim, err := simulator.Start(context.Background(), opts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("scene %s: %w", sc.Name, err)
	}
	w := fyne.CurrentApp().NewWindow("postmeter")
	w.Resize(ScreenSize)
	a := New(w, sim.Meter, Options{})
	a.Settle()
	if sc.User != "" {
		s, err := sim.SignIn(context.Background(), sc.User)
		if err != nil {
			return a, sim, w, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		a.SignInAs(s)
		a.Settle()
	}
	if sc.Drive != nil {
		if err := sc.Drive(a, sim); err != nil {
			return a, sim, w, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
	}
	a.Settle()
	return a, sim, w, nil
}
