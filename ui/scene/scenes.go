// Package scene brings the touchscreen to each of its screens and states on a fresh simulator, by the
// taps a clerk would make (buttons found by their IDs, never their captions). The gallery renders every
// scene to PNG, the golden tests compare every scene with its markup, and the benchmarks plan their taps
// with it. The kiosk never links this package: it needs the simulator.
package scene

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/ui"
	"postmeter/ui/trainer"
)

// Clock is the fixed time every scene runs at, so its pictures never change by themselves.
var Clock = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

// Scene is one screen in one state: how to set up the simulator and how to bring the touchscreen there.
type Scene struct {
	Name string
	// Options for the simulator; Dir and Clock are filled in by Play.
	Sim simulator.Options
	// User signs in before the steps; "" leaves the sign-in screen up.
	User string
	// Steps run one after the other, each as a tap would, with background work settled in between.
	Steps []Step
	// Trainer shows the trainer panel beside the meter screen (the desktop simulator).
	Trainer bool
}

// Run is a scene being played: the touchscreen, the simulator behind it (the trainer's, which a lesson
// or a reset replaces, when there is one) and the trainer.
type Run struct {
	App     *ui.App
	Trainer *trainer.Trainer
	sim     *simulator.Simulator
	Window  fyne.Window
}

// Sim is the simulator the touchscreen shows now.
func (r *Run) Sim() *simulator.Simulator {
	if r.Trainer != nil {
		return r.Trainer.Sim()
	}
	return r.sim
}

// Close stops the touchscreen, the simulator and the window.
func (r *Run) Close() {
	if r.Trainer != nil {
		r.Trainer.Close()
	} else if r.App != nil {
		r.App.Close()
		if r.sim != nil {
			r.sim.Close()
		}
	}
	if r.Window != nil {
		r.Window.Close()
	}
}

// Step is one thing done to the touchscreen or the simulator.
type Step func(r *Run) error

// Tap taps the buttons ids in turn.
func Tap(ids ...ui.ID) Step {
	return func(r *Run) error {
		for _, id := range ids {
			if err := r.App.Tap(id); err != nil {
				return err
			}
		}
		return nil
	}
}

// Keys taps digits on the keypad shown.
func Keys(digits string) Step {
	return func(r *Run) error {
		for _, d := range digits {
			if err := r.App.Tap(ui.Key(string(d))); err != nil {
				return err
			}
		}
		return nil
	}
}

// Operator and Supervisor are the demo users.
const (
	Operator   = simulator.DemoOperator
	Supervisor = simulator.DemoSupervisor
)

// stackOnScale puts a 10 oz stack of mail on the simulated scale, for differential weighing.
func stackOnScale(r *Run) error {
	r.Sim().Scale.Set(100, true)
	return nil
}

// Later moves the simulator's clock on by days and signs the supervisor in again (sessions idle that
// long have ended).
func Later(days int) Step {
	return func(r *Run) error {
		r.Sim().Clock.Advance(time.Duration(days) * 24 * time.Hour)
		s, err := r.Sim().SignIn(context.Background(), Supervisor)
		if err == nil {
			r.App.Act(func() { r.App.SignInAs(s) })
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

// firstSignIn adds firstSignInUser and signs in as Kim on the keypad, which brings up the screen to
// choose a new PIN.
func firstSignIn(r *Run) error {
	ctx := context.Background()
	sup, err := r.Sim().SignIn(ctx, Supervisor)
	if err != nil {
		return err
	}
	err = r.Sim().Users.AddUser(ctx, sup, meter.NewUser{Name: firstSignInUser, Role: meter.RoleSupervisor,
		PIN: firstSignInPIN, MustChangePIN: true})
	if err != nil {
		return err
	}
	r.App.Act(func() { r.App.SignOut() })
	r.App.Settle()
	return sequence(Tap(ui.User(firstSignInUser)), Keys(firstSignInPIN), Tap(ui.IDKeypadOK))(r)
}

func sequence(steps ...Step) Step {
	return func(r *Run) error {
		for _, s := range steps {
			if err := s(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func linkDown(r *Run) error { r.Sim().Link.SetUp(false); return nil }

// refill125 adds $125.00 through Funds, Add Postage to Meter and Other amount, as the help article does.
var refill125 = sequence(Tap(ui.IDFunds, ui.IDAddPostage, ui.IDRefillOther), Keys("12500"), Tap(ui.IDKeypadOK, ui.IDConfirm))

// screenIs checks the touchscreen shows want, with no dialog over it.
func screenIs(want ui.ScreenID) Step {
	return func(r *Run) error {
		if r.App.Screen() != want || r.App.Modal() != "" {
			return fmt.Errorf("on %s, want %s", r.App.ScreenState(), want)
		}
		return nil
	}
}

// All lists every screen and state the gallery and the golden tests cover.
var All = []Scene{
	{Name: "sign-in"},
	{Name: "sign-in-pin", Steps: []Step{Tap(ui.User(Supervisor)), Keys("24")}},
	{Name: "choose-pin", Steps: []Step{firstSignIn, Keys("86")}},
	{Name: "choose-pin-confirm", Steps: []Step{firstSignIn, Keys("864213"), Tap(ui.IDKeypadOK), Keys("86")}},
	{Name: "home", User: Supervisor},
	{Name: "home-warnings", User: Supervisor, Sim: simulator.Options{FirstRefill: 12 * funds.Dollar}, Steps: []Step{Later(2)}}, // us-imi: warned after 24 h, locked at 72 h
	{Name: "run-mail", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail)}},
	{Name: "run-mail-weighing", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail, ui.IDWeighingMethod)}},
	{Name: "run-mail-differential", User: Supervisor, Steps: []Step{stackOnScale, Tap(ui.IDRunMail, ui.IDWeighingMethod, ui.WeighingMethod(meter.WeighDifferential))}},
	{Name: "funds-meter-funds", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDGetBalance)}},
	{Name: "funds-meter-funds-locked", User: Operator, Steps: []Step{Tap(ui.IDFunds)}},
	{Name: "funds-lock-explained", User: Operator, Steps: []Step{Tap(ui.IDFunds, ui.IDAddPostage)}},
	{Name: "funds-refill-settings", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDTabRefillSettings)}},
	{Name: "funds-last-refills", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDTabLastRefills)}},
	{Name: "funds-meter-information", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDTabMeterInfo)}},
	{Name: "refill-options", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDAddPostage)}},
	{Name: "refill-keypad", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDAddPostage, ui.IDRefillOther), Keys("12500")}},
	{Name: "refill-keypad-out-of-limits", User: Supervisor, Steps: []Step{
		Tap(ui.IDFunds, ui.IDAddPostage, ui.IDRefillOther), Keys("600000"), Tap(ui.IDKeypadOK)}},
	{Name: "refill-confirm", User: Supervisor, Steps: []Step{
		Tap(ui.IDFunds, ui.IDAddPostage, ui.IDRefillOther), Keys("12500"), Tap(ui.IDKeypadOK)}},
	{Name: "refill-progress", User: Supervisor, Steps: []Step{func(r *Run) error {
		r.App.Act(func() { r.App.ShowRefillProgress(125*funds.Dollar, funds.StageReserving) })
		return nil
	}}},
	{Name: "refill-complete", User: Supervisor, Steps: []Step{refill125, screenIs(ui.ScreenRefillComplete)}},
	{Name: "refill-print-receipt", User: Supervisor, Steps: []Step{refill125, Tap(ui.IDPrintReceipt)}},
	{Name: "refill-print-receipt-document", User: Supervisor, Sim: simulator.Options{Printer: true},
		Steps: []Step{refill125, Tap(ui.IDPrintReceipt)}},
	{Name: "low-funds-warning", User: Supervisor, Sim: simulator.Options{FirstRefill: 12 * funds.Dollar},
		Steps: []Step{Tap(ui.IDRunMail)}},
	{Name: "insufficient-funds-error", User: Supervisor, Sim: simulator.Options{FirstRefill: -1},
		Steps: []Step{Tap(ui.IDRunMail, ui.IDContinue, ui.IDStart)}},
	{Name: "no-connection-error", User: Supervisor, Steps: []Step{linkDown, refill125}},
	// The meter restarted (a power cut) while the refill waited for the Data Center: Funds shows it.
	{Name: "refill-pending", User: Supervisor, Steps: []Step{linkDown, refill125, Later(0), Tap(ui.IDFunds)}},
	{Name: "inspection-required", User: Supervisor, Steps: []Step{Later(29), Tap(ui.IDRunMail, ui.IDContinue, ui.IDStart)}},
	{Name: "reports", User: Supervisor, Steps: []Step{Tap(ui.IDReports)}},
	{Name: "trainer-panel", User: Supervisor, Trainer: true},
	{Name: "output-tray", User: Supervisor, Trainer: true, Steps: []Step{refill125,
		Tap(ui.IDPrintReceipt, ui.IDPrintTape, ui.IDPrintEnvelope, ui.IDDone, ui.IDRunMail, ui.IDStart),
		func(r *Run) error { r.App.Act(func() { r.Trainer.ShowTab(trainer.TabTray) }); return nil }}},
	{Name: "lesson-step", Trainer: true, Steps: []Step{
		func(r *Run) error { return r.Trainer.StartLesson("refill-from-home") },
		Tap(ui.IDFunds), // the lesson's first step
		Tap(ui.IDHome),  // a wrong touch: refused, and the panel says what to do
	}},
	{Name: "settings", User: Supervisor, Steps: []Step{Tap(ui.IDSettings)}},
	// The trainer unplugged the scale and jammed the engine after it had run out of ink: Settings →
	// Devices shows both and the ink as the engine's last problem, the status bar the scale.
	{Name: "settings-devices", User: Supervisor, Sim: simulator.Options{Printer: true}, Steps: []Step{
		func(r *Run) error {
			r.Sim().Scale.SetUnplugged(true)
			// The ink ran out during a receipt earlier; now the engine is jammed.
			r.Sim().Engine.Update(func(s *meter.EngineStatus) { s.Ink = meter.InkOut })
			if err := r.Sim().Engine.PrintDocument(context.Background(), meter.Document{Title: "Funds Report"}, meter.MediumTape); err == nil {
				return fmt.Errorf("the engine printed without ink")
			}
			r.Sim().Engine.Update(func(s *meter.EngineStatus) { s.Ink, s.Jammed = meter.InkOK, true })
			return nil
		},
		Tap(ui.IDSettings, ui.IDDevices)}},
	{Name: "rates", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDRates)}},
	// Account codes: a new code's name on the on-screen keyboard; the list with a code that has a PIN
	// and one disabled; the users' own codes; Run Mail's choice of code.
	{Name: "keyboard", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDAccounts, ui.IDAccountAdd),
		Tap(ui.KeyboardKey("m"), ui.KeyboardKey("a"), ui.KeyboardKey("i"), ui.KeyboardKey("l"), ui.KeyboardKey("space"),
			ui.KeyboardKey("r"), ui.KeyboardKey("o"), ui.KeyboardKey("o"))}},
	{Name: "account-codes", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDAccounts, ui.AccountPIN("Legal")),
		Keys("8642"), Tap(ui.IDKeypadOK, ui.AccountToggle("Marketing"))}},
	{Name: "account-defaults", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDAccounts, ui.IDAccountDefaults,
		ui.DefaultAccount(Operator), ui.AccountCode("Sales"))}},
	{Name: "run-mail-account-codes", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail, ui.IDAccount)}},
	// The account report after pieces to two codes and one to none.
	{Name: "report-accounts", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail,
		ui.IDAccount, ui.AccountCode("Sales"), ui.IDStart, ui.IDStart,
		ui.IDAccount, ui.AccountCode("Legal"), ui.IDStart,
		ui.IDAccount, ui.IDNoAccount, ui.IDStart,
		ui.IDHome, ui.IDReports, ui.IDReportAccounts)}},
	// End batch asks first, saying what the batch holds and what ending it does.
	{Name: "end-batch", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail, ui.IDAccount, ui.AccountCode("Sales"), ui.IDStart,
		ui.IDStart, ui.IDHome, ui.IDSettings, ui.IDEndBatch)}},
	{Name: "sync", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDSync)}},
	// Issue 17's archive.
	{Name: "sync-archive-ask", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDSync, ui.IDSyncArchive)}},
}

// ScreenSize is the meter's screen the scenes are drawn on unless the caller picks another.
var ScreenSize = ui.ScreenSize

// Play starts a fresh simulator in dir, opens the touchscreen in a new window of the current Fyne app
// (the test app for goldens and the gallery) of the meter's screen size, and brings it to the scene's
// state. The caller closes the Run.
func Play(sc Scene, dir string) (*Run, error) { return PlayAt(sc, dir, ScreenSize) }

// PlayAt is Play on a meter's screen of size (the trainer's panel is added beside it).
func PlayAt(sc Scene, dir string, size fyne.Size) (*Run, error) {
	clock := meter.FixedClock(Clock)
	r := &Run{Window: fyne.CurrentApp().NewWindow("postmeter")}
	if sc.Trainer {
		r.Window.Resize(trainer.WindowSize(size))
		t, err := trainer.New(r.Window, trainer.Options{Dir: dir, Clock: clock})
		if err != nil {
			return r, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		r.Trainer, r.App = t, t.App()
	} else {
		opts := sc.Sim
		opts.Dir, opts.Clock = dir, clock
		sim, err := simulator.Start(context.Background(), opts)
		if err != nil {
			return r, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		r.sim = sim
		r.Window.Resize(size)
		r.App = ui.New(r.Window, sim.Meter, ui.Options{})
	}
	r.App.Settle()
	if sc.User != "" {
		s, err := r.Sim().SignIn(context.Background(), sc.User)
		if err != nil {
			return r, fmt.Errorf("scene %s: %w", sc.Name, err)
		}
		r.App.Act(func() { r.App.SignInAs(s) })
		r.App.Settle()
	}
	for i, step := range sc.Steps {
		if err := step(r); err != nil {
			return r, fmt.Errorf("scene %s step %d: %w", sc.Name, i+1, err)
		}
		r.App.Settle()
	}
	return r, nil
}
