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
	// User signs in before the steps; "" leaves the sign-in screen up.
	User string
	// Steps run one after the other, each as a tap would, with background work settled in between.
	Steps []Step
	// Trainer shows the trainer panel beside the meter screen (the desktop simulator).
	Trainer bool
}

// Step is one thing done to the touchscreen or the simulator.
type Step func(a *App, sim *simulator.Simulator) error

func operator() string   { return simulator.DemoOperator }
func supervisor() string { return simulator.DemoSupervisor }

// do makes a step of an action on the touchscreen, taken in turn with background results as a tap is.
func do(f func(a *App)) Step {
	return func(a *App, _ *simulator.Simulator) error { a.act(func() { f(a) }); return nil }
}

// later moves the simulator's clock on by days and signs the supervisor in again (sessions idle that
// long have ended).
func later(days int) Step {
	return func(a *App, sim *simulator.Simulator) error {
		sim.Clock.Advance(time.Duration(days) * 24 * time.Hour)
		s, err := sim.SignIn(context.Background(), supervisor())
		if err == nil {
			a.act(func() { a.SignInAs(s) })
		}
		return err
	}
}

// A supervisor whose PIN was chosen by someone else (as the kiosk's first one is): it must be changed at
// the first sign-in.
const (
	firstSignInUser = "Kim"
	firstSignInPIN  = "135792"
)

// addFirstSignInUser adds firstSignInUser, who must change the PIN at the first sign-in.
func addFirstSignInUser(sim *simulator.Simulator) error {
	ctx := context.Background()
	sup, err := sim.SignIn(ctx, supervisor())
	if err != nil {
		return err
	}
	return sim.Users.AddUser(ctx, sup, meter.NewUser{Name: firstSignInUser, Role: meter.RoleSupervisor,
		PIN: firstSignInPIN, MustChangePIN: true})
}

// firstSignIn signs firstSignInUser in, which brings up the screen to choose a new PIN.
func firstSignIn(a *App, sim *simulator.Simulator) error {
	if err := addFirstSignInUser(sim); err != nil {
		return err
	}
	s, err := sim.Users.SignIn(context.Background(), firstSignInUser, firstSignInPIN)
	if err != nil {
		return err
	}
	a.act(func() {
		a.session = s
		a.showChoosePIN(firstSignInUser, firstSignInPIN, "", "")
	})
	return nil
}

func linkDown(_ *App, sim *simulator.Simulator) error { sim.Link.SetUp(false); return nil }

func keys(digits string) Step {
	return do(func(a *App) {
		for _, d := range digits {
			a.pinPad.press(string(d))
		}
	})
}

func refill125(a *App) {
	a.flow.amount = 125 * funds.Dollar
	a.runRefill()
}

// completed checks the refill reached its completion screen.
func completed(a *App, _ *simulator.Simulator) error {
	if a.screen != "refill-complete" {
		return fmt.Errorf("refill ended on %s (dialog %q)", a.screen, a.modalID)
	}
	return nil
}

func tab(t int) Step { return do(func(a *App) { a.showFunds(t) }) }

// Scenes lists every screen and state the gallery and the golden tests cover.
var Scenes = []Scene{
	{Name: "sign-in"},
	{Name: "sign-in-pin", Steps: []Step{do(func(a *App) { a.showPIN(supervisor(), "") }), keys("24")}},
	{Name: "choose-pin", Steps: []Step{firstSignIn, keys("86")}},
	{Name: "choose-pin-confirm", Steps: []Step{firstSignIn, keys("864213"), do(func(a *App) { a.pinPadOK() }), keys("86")}},
	{Name: "home", User: supervisor()},
	{Name: "home-warnings", User: supervisor(), Sim: simulator.Options{FirstRefill: 12 * funds.Dollar}, Steps: []Step{later(22)}},
	{Name: "run-mail", User: supervisor(), Steps: []Step{do((*App).showRunMail)}},
	{Name: "funds-meter-funds", User: supervisor(), Steps: []Step{do((*App).getBalance)}},
	{Name: "funds-meter-funds-locked", User: operator(), Steps: []Step{tab(tabMeterFunds)}},
	{Name: "funds-lock-explained", User: operator(), Steps: []Step{tab(tabMeterFunds),
		do(func(a *App) { a.fail(a.m.Users().Require(a.session, meter.RightRefill), nil) })}},
	{Name: "funds-refill-settings", User: supervisor(), Steps: []Step{tab(tabRefillSettings)}},
	{Name: "funds-last-refills", User: supervisor(), Steps: []Step{tab(tabLastRefills)}},
	{Name: "funds-meter-information", User: supervisor(), Steps: []Step{tab(tabMeterInfo)}},
	{Name: "refill-options", User: supervisor(), Steps: []Step{do((*App).startRefill)}},
	{Name: "refill-keypad", User: supervisor(), Steps: []Step{
		do((*App).showOtherAmount), keys("12500")}},
	{Name: "refill-keypad-out-of-limits", User: supervisor(), Steps: []Step{
		do((*App).showOtherAmount), keys("600000"),
		do(func(a *App) { a.pinPadOK() })}},
	{Name: "refill-confirm", User: supervisor(), Steps: []Step{do(func(a *App) { a.confirmRefill(125 * funds.Dollar) })}},
	{Name: "refill-progress", User: supervisor(), Steps: []Step{do(func(a *App) {
		a.flow.amount = 125 * funds.Dollar
		a.showProgress()
		a.setStage(funds.StageReserving)
	})}},
	{Name: "refill-complete", User: supervisor(), Steps: []Step{do(refill125), completed}},
	{Name: "refill-print-receipt", User: supervisor(), Steps: []Step{do(refill125), completed, do((*App).showPrintReceipt)}},
	{Name: "refill-print-receipt-document", User: supervisor(), Sim: simulator.Options{Printer: true},
		Steps: []Step{do(refill125), completed, do((*App).showPrintReceipt)}},
	{Name: "low-funds-warning", User: supervisor(), Sim: simulator.Options{FirstRefill: 12 * funds.Dollar},
		Steps: []Step{do((*App).showRunMail)}},
	{Name: "insufficient-funds-error", User: supervisor(), Sim: simulator.Options{FirstRefill: -1},
		Steps: []Step{do(func(a *App) { a.runMail(false, nil) }), do(func(a *App) { a.print(meter.MediumEnvelope) })}},
	{Name: "no-connection-error", User: supervisor(), Steps: []Step{linkDown, do(refill125)}},
	{Name: "refill-pending", User: supervisor(), Steps: []Step{linkDown, do(refill125), do((*App).closeModal)}},
	{Name: "inspection-required", User: supervisor(), Steps: []Step{later(29),
		do(func(a *App) { a.runMail(false, nil) }), do(func(a *App) { a.print(meter.MediumEnvelope) })}},
	{Name: "reports", User: supervisor(), Steps: []Step{do((*App).showReports)}},
	{Name: "trainer-panel", User: supervisor(), Trainer: true},
	{Name: "output-tray", User: supervisor(), Trainer: true, Steps: []Step{do(refill125), completed,
		do((*App).showPrintReceipt), do(func(a *App) { a.printReceiptOn(meter.OnTape) }),
		do(func(a *App) { a.printReceiptOn(meter.OnEnvelope) }),
		do(func(a *App) { a.showRunMail() }), do(func(a *App) { a.print(meter.MediumEnvelope) }),
		do(func(a *App) { a.trainer.showTab("tray") })}},
	{Name: "lesson-step", Trainer: true, Steps: []Step{
		func(a *App, _ *simulator.Simulator) error { return a.trainer.StartLesson("refill-from-home") },
		do(func(a *App) { a.trainer.lessonTap("Funds"); a.showFunds(tabMeterFunds) }),
		do(func(a *App) { a.trainer.lessonTap("Reports") })}},
	{Name: "settings", User: supervisor(), Steps: []Step{do((*App).showSettings)}},
}

// PlayScene starts a fresh simulator in dir, opens the touchscreen in a new window of the current Fyne
// app (the test app for goldens and the gallery) and brings it to the scene's state. The caller closes
// the window, the App and the simulator.
func PlayScene(sc Scene, dir string) (*App, *simulator.Simulator, fyne.Window, error) {
	clock := meter.FixedClock(SceneClock)
	w := fyne.CurrentApp().NewWindow("postmeter")
	var a *App
	var sim *simulator.Simulator
	if sc.Trainer {
		w.Resize(TrainerSize)
		t, err := NewTrainer(w, TrainerOptions{Dir: dir, Clock: clock})
		if err != nil {
			return nil, nil, w, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		a, sim = t.App(), t.Sim()
	} else {
		opts := sc.Sim
		opts.Dir, opts.Clock = dir, clock
		var err error
		if sim, err = simulator.Start(context.Background(), opts); err != nil {
			return nil, nil, w, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		w.Resize(ScreenSize)
		a = New(w, sim.Meter, Options{})
	}
	a.Settle()
	if sc.User != "" {
		s, err := sim.SignIn(context.Background(), sc.User)
		if err != nil {
			return a, sim, w, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		a.act(func() { a.SignInAs(s) })
		a.Settle()
	}
	for i, step := range sc.Steps {
		if a.trainer != nil {
			sim = a.trainer.sim // a lesson or a reset starts a new simulator
		}
		if err := step(a, sim); err != nil {
			return a, sim, w, fmt.Errorf("scene %s step %d: %w", sc.Name, i+1, err)
		}
		a.Settle()
	}
	return a, sim, w, nil
}
