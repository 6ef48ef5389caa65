// Package scene brings the touchscreen to each of its screens and states on a fresh simulator, by the
// taps a clerk would make (buttons found by their IDs, never their captions). The gallery renders every
// scene to PNG, the golden tests compare every scene with its markup, and the benchmarks plan their taps
// with it. The kiosk never links this package: it needs the simulator.
package scene

import (
	"context"
	"fmt"
	"strconv"
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

// autoRefilled turns auto-refill on (below $60.00 add $100.00) through the screens and prints one piece
// from Run Mail, which takes the demo meter's $60.00 below the value: the meter adds $100.00 by itself.
var autoRefilled = sequence(
	Tap(ui.IDFunds, ui.IDTabRefillSettings, ui.IDAutoRefillSettings, ui.IDAutoRefillOn, ui.ChangeSetting("auto-threshold")),
	Keys("6000"), Tap(ui.IDKeypadOK, ui.IDAutoRefillSave, ui.IDHome, ui.IDRunMail, ui.IDStart),
	func(r *Run) error {
		r.Sim().Meter.WaitAutoRefill()
		return nil
	})

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
	// The funds report's print screen with every choice: envelope, tape, the attached printer, the stick.
	{Name: "report-funds-print", User: Supervisor, Sim: simulator.Options{Printer: true}, Steps: []Step{Tap(ui.IDReports, ui.IDReportFunds)}},
	// Run Mail's options; the job presets (the default one first); a date correction asked for a piece
	// printed the day before.
	{Name: "run-mail-options", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail, ui.IDRunMailOptions)}},
	{Name: "presets", User: Supervisor, Steps: []Step{savePresets, Tap(ui.IDRunMail, ui.IDRunMailOptions, ui.IDPresets)}},
	{Name: "date-correction", User: Supervisor, Steps: []Step{Tap(ui.IDRunMail, ui.IDStart), nextMorning,
		Tap(ui.IDRunMail, ui.IDRunMailOptions, ui.IDDateCorrection), keyLastPiece, Tap(ui.IDKeypadOK)}},

	// Auto-refill (issue 14): its settings by touch, Home after it added postage, Last refills marking it.
	{Name: "auto-refill-settings", User: Supervisor, Steps: []Step{Tap(ui.IDFunds, ui.IDTabRefillSettings,
		ui.IDAutoRefillSettings, ui.IDAutoRefillOn, ui.IDAutoRefillMore)}},
	{Name: "home-auto-refill", User: Supervisor, Steps: []Step{autoRefilled, Tap(ui.IDHome)}},
	{Name: "funds-last-refills-auto", User: Supervisor, Steps: []Step{autoRefilled, Tap(ui.IDHome, ui.IDFunds, ui.IDTabLastRefills)}},
	{Name: "home-auto-refill-waiting", User: Supervisor, Steps: []Step{linkDown, autoRefilled, Tap(ui.IDHome)}},
	// The refund ledger (ui/refunds.go): pieces 1 and 2 jammed, 3 marked misprinted, 1 in claim 1.
	{Name: "refund-ledger", User: Supervisor, Steps: []Step{spoiledMail, claimOf(1),
		Tap(ui.IDReports, ui.IDRefundLedger, ui.RefundPiece(3))}},
	{Name: "refund-claim", User: Supervisor, Steps: []Step{spoiledMail, claimOf(1, 2, 3),
		Tap(ui.IDReports, ui.IDRefundLedger, ui.IDRefundClaims, ui.RefundClaim(1))}},
	{Name: "refund-claims", User: Supervisor, Steps: []Step{spoiledMail, claimOf(1), claimOf(2),
		Tap(ui.IDReports, ui.IDRefundLedger, ui.IDRefundClaims)}},
	{Name: "refund-mark", User: Supervisor, Steps: []Step{spoiledMail,
		Tap(ui.IDReports, ui.IDRefundLedger, ui.IDRefundMark, ui.RefundMisprinted(4))}},
	{Name: "home-refund-warning", User: Supervisor, Steps: []Step{spoiledMail, passDays(53)}},
	// A full page of the ledger, the second page waiting (the smallest screen must fit five rows).
	{Name: "refund-ledger-pages", User: Supervisor, Steps: []Step{spoiledMail, spoiledMail, Tap(ui.IDReports, ui.IDRefundLedger)}},
	// Issue 17's archive.
	{Name: "sync-archive-ask", User: Supervisor, Steps: []Step{Tap(ui.IDSettings, ui.IDSync, ui.IDSyncArchive)}},
}

// savePresets saves two presets as a supervisor would: sales letters on envelopes (the default) and
// parcels with keyed-in postage on tape.
func savePresets(r *Run) error {
	ctx := context.Background()
	s, err := r.Sim().SignIn(ctx, Supervisor)
	if err != nil {
		return err
	}
	m := r.Sim().Meter
	id, err := m.SavePreset(ctx, s, meter.Preset{Name: "Sales letters", Class: meter.ClassLetter, AccountCode: "Sales",
		Medium: meter.MediumEnvelope})
	if err == nil {
		_, err = m.SavePreset(ctx, s, meter.Preset{Name: "Parcels", KeyedPostage: 512 * funds.Cent, Medium: meter.MediumTape})
	}
	if err == nil {
		err = m.SetDefaultPreset(ctx, s, id)
	}
	return err
}

// nextMorning moves the clock to 00:30 the next day (within the contact rule) and signs in again.
func nextMorning(r *Run) error {
	now := r.Sim().Clock.Now()
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 30, 0, 0, now.Location())
	r.Sim().Clock.Advance(next.Sub(now))
	s, err := r.Sim().SignIn(context.Background(), Supervisor)
	if err == nil {
		r.App.Act(func() { r.App.SignInAs(s) })
	}
	return err
}

// keyLastPiece keys in the number of the last piece printed.
func keyLastPiece(r *Run) error {
	regs, err := r.Sim().Meter.Registers(context.Background())
	if err != nil {
		return err
	}
	return Keys(strconv.FormatInt(regs.Pieces, 10))(r)

}

// spoiledMail has the operator print four letters: the first two jam, the third is marked misprinted,
// the fourth prints (pieces 1–4 on a fresh meter).
func spoiledMail(r *Run) error {
	ctx := context.Background()
	s, err := r.Sim().SignIn(ctx, Operator)
	if err != nil {
		return err
	}
	var third int64
	for i := range 4 {
		if i < 2 {
			r.Sim().Engine.FailNextPrint(meter.ErrJam)
		}
		res, err := r.Sim().Meter.PrintPiece(ctx, s, meter.Job{Class: meter.ClassLetter, Weight: 10}, meter.MediumTape)
		r.Sim().Engine.Update(func(st *meter.EngineStatus) { st.Jammed = false })
		if i >= 2 && err != nil {
			return err
		}
		if i == 2 {
			third = res.Piece.Seq
		}
	}
	return r.Sim().Meter.MarkMisprinted(ctx, s, third, meter.ReasonIllegible)
}

// claimOf has the supervisor name the applicant and claim the pieces seqs.
func claimOf(seqs ...int64) Step {
	return func(r *Run) error {
		ctx := context.Background()
		s, err := r.Sim().SignIn(ctx, Supervisor)
		if err != nil {
			return err
		}
		if err := r.Sim().Meter.SetRefundApplicant(ctx, s, "Acme Widgets Inc."); err != nil {
			return err
		}
		_, err = r.Sim().Meter.CreateClaim(ctx, s, seqs)
		return err
	}
}

// passDays lives days on the simulator's clock with the link up (contacts made as due), then signs the
// supervisor in again on Home.
func passDays(days int) Step {
	return func(r *Run) error {
		r.Sim().PassTime(context.Background(), time.Duration(days)*24*time.Hour)
		s, err := r.Sim().SignIn(context.Background(), Supervisor)
		if err == nil {
			r.App.Act(func() { r.App.SignInAs(s) })
		}
		return err
	}
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
