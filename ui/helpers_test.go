package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"postmeter/internal/uitest"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// Scene is a test's starting point: a fresh simulator, a user signed in ("" for none), and steps
// that reach the state under test (package scene has the gallery's scenes; these tests need the screens'
// insides).
type Scene struct {
	Name  string
	Sim   simulator.Options
	User  string
	Steps []Step
}

// Step is one thing done to the touchscreen.
type Step func(a *App, sim *simulator.Simulator) error

func operator() string   { return simulator.DemoOperator }
func supervisor() string { return simulator.DemoSupervisor }

// do makes a step of an action on the touchscreen, taken in turn with background results as a tap is.
func do(f func(a *App)) Step {
	return func(a *App, _ *simulator.Simulator) error { a.act(func() { f(a) }); return nil }
}

// testClock is the fixed time every test runs at.
var testClock = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

// play starts a fresh test app with the kiosk theme, one window of the meter's screen size, and the
// scene; everything is closed when the test ends.
func play(t *testing.T, sc Scene) (*App, *simulator.Simulator) {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, KioskTheme{})
	opts := sc.Sim
	opts.Dir, opts.Clock = t.TempDir(), meter.FixedClock(testClock)
	sim, err := simulator.Start(context.Background(), opts)
	require.NoError(t, err)
	w := fyne.CurrentApp().NewWindow("postmeter")
	w.Resize(ScreenSize)
	a := New(w, sim.Meter, Options{})
	t.Cleanup(func() {
		a.Close()
		w.Close()
		sim.Close()
	})
	a.Settle()
	if sc.User != "" {
		s, err := sim.SignIn(context.Background(), sc.User)
		require.NoError(t, err)
		a.act(func() { a.SignInAs(s) })
		a.Settle()
	}
	for i, step := range sc.Steps {
		require.NoError(t, step(a, sim), "step %d", i+1)
		a.Settle()
	}
	return a, sim
}

// visibleUnder lists the visible objects in the trees of roots.
func visibleUnder(roots ...fyne.CanvasObject) []fyne.CanvasObject {
	return uitest.VisibleUnder(roots...)
}

// button finds the visible button id on top: in the dialog if one is open, else on the screen. It
// fails the test if there is none or more than one.
func button(t *testing.T, a *App, id ID) *Button {
	t.Helper()
	var found []*Button
	objs := visibleUnder(a.meterScreen) // the meter's screen, not the trainer panel beside it
	if a.modal != nil {
		objs = visibleUnder(a.modal)
	}
	for _, o := range objs {
		if b, ok := o.(*Button); ok && b.ID == id {
			found = append(found, b)
		}
	}
	require.Len(t, found, 1, "buttons %s on %s (dialog %q)", id, a.screen, a.modalID)
	return found[0]
}

// tap taps the button id at its centre through the canvas, as a finger would: whatever is
// drawn on top there gets the tap. Then it waits for the work the tap started.
func tap(t *testing.T, a *App, id ID) {
	t.Helper()
	b := button(t, a, id)
	require.False(t, b.Disabled(), "button %s is disabled", id)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	centre := pos.Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2))
	test.TapCanvas(a.win.Canvas(), centre)
	a.Settle()
}

// tapDigits keys digits on the keypad on screen.
func tapDigits(t *testing.T, a *App, digits string) {
	t.Helper()
	for _, d := range digits {
		tap(t, a, Key(string(d)))
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

// consistent checks the meter and the Data Center agree and hold no open refill.
func consistent(t *testing.T, sim *simulator.Simulator) {
	t.Helper()
	require.NoError(t, sim.CheckSettled(context.Background()))
}
