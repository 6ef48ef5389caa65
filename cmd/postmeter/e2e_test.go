package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/cmd/internal/xwin"
	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/meter/simulator"
	"postmeter/ui"
	"postmeter/ui/scene"
)

// The screens the taps lead to, as the test driver plays them.
var refillScreens = []string{
	"sign-in-pin", "sign-in-pin", "sign-in-pin", "sign-in-pin", "sign-in-pin", "sign-in-pin", "sign-in-pin", "home",
	"funds-meter-funds", "refill-options", "refill-keypad", "refill-keypad", "refill-keypad", "refill-keypad",
	"refill-keypad", "refill-keypad", "refill-confirm",
	"refill-complete", "refill-print-receipt", "refill-print-receipt", "home",
}

const (
	// screenTolerance bounds the fraction of the meter screen's pixels that differ from the test driver's
	// rendering (xwin.PixelDiffers: beyond antialiasing). A run differs in about 0.01–0.1 %; the date in
	// the status bar (the binary runs on the real clock, the test driver on scene.Clock) is about 0.3 %.
	screenTolerance = 0.01
	// changeTolerance bounds the same fraction inside the box where the expected screen changed from the
	// previous step: a screen counts as drawn only when what the tap changed is there.
	changeTolerance = 0.05
	// postageTolerance bounds the same fraction in the status bar's postage figure, which is filled in
	// just after a screen is drawn: a screenshot between the two shows the old figure there. Runs differ
	// there in 0 %.
	postageTolerance = 0.005
	stepTimeout      = 15 * time.Second
	pollEvery        = 50 * time.Millisecond
)

// plannedStep is one tap as the test driver played it: where the button was and the picture after.
type plannedStep struct {
	label  string
	x, y   int // centre of the button, in pixels of the window (scale 1)
	screen string
	want   *image.RGBA
}

// refillPlan is the flow as the test driver played it.
type refillPlan struct {
	window  image.Point     // the window's size
	meter   image.Rectangle // where the meter's screen is in the window (the trainer panel is beside it)
	postage image.Rectangle // where its status bar shows the postage in the meter
	initial *image.RGBA     // the first screen
	steps   []plannedStep
}

// planRefill plays scene.SeedArticleTaps in Fyne's test driver, in the window the binary opens (the meter's screen
// at 1280×800 with the trainer panel beside it, same theme and demo data), and records each button's
// centre before its tap and the rendering after it.
func planRefill(t *testing.T) (p refillPlan) {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, ui.KioskTheme{})
	r, err := scene.Play(scene.Scene{Name: "e2e", Trainer: true}, t.TempDir())
	defer r.Close()
	require.NoError(t, err)
	a, w := r.App, r.Window
	require.Equal(t, "sign-in", a.ScreenState())
	a.Relayout()
	size := w.Canvas().Size()
	p.window = image.Pt(int(size.Width), int(size.Height))
	pos, msize := a.MeterScreenRect()
	p.meter = image.Rect(int(pos.X), int(pos.Y), int(pos.X+msize.Width), int(pos.Y+msize.Height))
	pos, psize := a.StatusPostageRect()
	p.postage = image.Rect(int(pos.X), int(pos.Y), int(pos.X+psize.Width), int(pos.Y+psize.Height))
	p.initial = xwin.ToRGBA(w.Canvas().Capture())
	require.Equal(t, p.window, p.initial.Rect.Size(), "the test driver's capture must be the window at scale 1")
	t.Logf("test driver: window %v, meter's screen at %v", p.window, p.meter)
	played, err := scene.TapThrough(a, scene.SeedArticleTaps, test.TapCanvas, func(i int, st scene.TapStep) error {
		p.steps = append(p.steps, plannedStep{label: string(st.ID), x: int(math.Round(float64(st.Centre.X))),
			y: int(math.Round(float64(st.Centre.Y))), screen: st.After, want: xwin.ToRGBA(w.Canvas().Capture())})
		return nil
	})
	require.NoError(t, err)
	var screens []string
	for _, st := range played {
		screens = append(screens, st.After)
	}
	require.Equal(t, refillScreens, screens, "the flow in the test driver")
	return p
}

// TestEndToEndRefill runs the real binary (GL driver) under Xvfb and refills the meter with real pointer
// clicks from the sign-in screen to Home: where to click and what each screen must look like come from
// the same flow played in the test driver. Then it checks both databases on disk.
func TestEndToEndRefill(t *testing.T) {
	xvfb := xvfbOrSkip(t)
	plan := planRefill(t)
	bin := buildBinary(t)
	began := time.Now()

	// The X screen is the window's size as the test driver lays it out: the trainer's window, the
	// meter's screen (-screen 1280x800) with the trainer panel beside it.
	x, err := xwin.Start(xvfb, plan.window.X, plan.window.Y)
	require.NoError(t, err)
	t.Cleanup(x.Close)
	shots := shotsDir(t, "postmeter-e2e-shots")
	data := t.TempDir()
	d := launchInX(t, x, bin, shots, plan.window,
		"-data", data, "-screen", fmt.Sprintf("%dx%d", int(ui.ScreenSize.Width), int(ui.ScreenSize.Height)))
	d.meter, d.postage = plan.meter, plan.postage
	d.play(plan.initial, plan.steps)
	d.stop()
	t.Logf("end to end: %d clicks in %.1fs after the build (slowest screen %.0f ms, worst difference %.2f%% of the meter's screen)",
		len(plan.steps), time.Since(began).Seconds(), d.slowest.Seconds()*1000, d.worst*100)

	checkDatabases(t, data)
}

// e2eDriver waits for the real window to show what the test driver drew.
type e2eDriver struct {
	t       *testing.T
	x       *xwin.Server
	win     image.Rectangle // the window on the X screen
	meter   image.Rectangle // the meter's screen in the window: what is compared
	postage image.Rectangle // the status bar's postage figure in it: compared closely
	shots   string
	exited  chan struct{}
	exitErr *error
	stop    func() // stops the program: SIGTERM, then SIGKILL after 5 s

	slowest time.Duration
	worst   float64
}

// launchInX starts bin with args on the X server, its output in shots/postmeter.log, waits for its
// window (as large as want) and returns a driver for it; the program is stopped when the test ends.
func launchInX(t *testing.T, x *xwin.Server, bin, shots string, want image.Point, args ...string) *e2eDriver {
	t.Helper()
	return launchInXEnv(t, x, bin, shots, want, nil, args...)
}

// launchInXEnv is launchInX with env ("KEY=value") added to the program's environment.
func launchInXEnv(t *testing.T, x *xwin.Server, bin, shots string, want image.Point, env []string, args ...string) *e2eDriver {
	t.Helper()
	t.Logf("screenshots in %s; X display %s", shots, x.Display())
	logFile, err := os.Create(filepath.Join(shots, "postmeter.log"))
	require.NoError(t, err)
	t.Cleanup(func() { logFile.Close() })
	app := exec.Command(bin, args...)
	app.Env = x.Env(append([]string{"POSTMETER_QUIT_AFTER=120s"}, env...)...) // a safety net; the test stops it itself
	app.Stdout, app.Stderr = logFile, logFile
	require.NoError(t, app.Start())
	d := &e2eDriver{t: t, x: x, shots: shots, exited: make(chan struct{}), exitErr: new(error)}
	go func() { *d.exitErr = app.Wait(); close(d.exited) }()
	d.stop = func() {
		select {
		case <-d.exited:
			return
		default:
		}
		_ = app.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(5 * time.Second):
			_ = app.Process.Kill()
			<-d.exited
		}
	}
	t.Cleanup(d.stop)
	// With no window manager the window sits at 0,0; wherever it is, clicks are offset by its position.
	d.win, err = x.WindowGeometry("postmeter", want, stepTimeout)
	require.NoError(t, err, "the window must be laid out as in the test driver")
	t.Logf("window at %v (xdotool getwindowgeometry)", d.win)
	return d
}

// play waits for the first screen, then clicks each step's button and waits for its screen.
func (d *e2eDriver) play(initial *image.RGBA, steps []plannedStep) {
	d.t.Helper()
	d.await(0, "start", nil, initial)
	prev := initial
	for i, st := range steps {
		require.NoError(d.t, d.x.Click(d.win.Min.X+st.x, d.win.Min.Y+st.y), "step %d: click %q", i+1, st.label)
		d.await(i+1, st.label+" → "+st.screen, prev, st.want)
		prev = st.want
	}
}

// await polls screenshots until the meter's screen in the window matches want — overall within
// screenTolerance, inside the box that changed from prev within changeTolerance, and in the status
// bar's postage figure within postageTolerance — then saves the screenshot of the window.
func (d *e2eDriver) await(n int, what string, prev, want *image.RGBA) {
	t := d.t
	t.Helper()
	var changed image.Rectangle
	if prev != nil {
		changed = xwin.ChangedRect(prev, want).Intersect(d.meter)
	}
	start := time.Now()
	var got *image.RGBA
	var whole, inChange, inPostage float64
	var lastErr error
	for {
		select {
		case <-d.exited:
			t.Fatalf("step %d (%s): postmeter exited: %v (log in %s)", n, what, *d.exitErr, d.shots)
		default:
		}
		shot, err := d.x.Screenshot()
		if err == nil {
			got = xwin.ToRGBA(shot.SubImage(d.win))
			whole = xwin.DiffFraction(got, want, d.meter)
			inChange = xwin.DiffFraction(got, want, changed)
			inPostage = xwin.DiffFraction(got, want, d.postage)
			if whole <= screenTolerance && inChange <= changeTolerance && inPostage <= postageTolerance {
				break
			}
		}
		lastErr = err
		if time.Since(start) > stepTimeout {
			base := filepath.Join(d.shots, fmt.Sprintf("%02d-%s", n, fileName(what)))
			if got != nil {
				_ = xwin.WritePNG(base+".png", got)
				_ = xwin.WritePNG(base+".expected.png", want)
				_ = xwin.WritePNG(base+".diff.png", xwin.DiffImage(got, want))
			}
			t.Fatalf("step %d (%s): the meter's screen did not match the test driver's rendering within %s: %.2f%% of the meter's screen, "+
				"%.2f%% of the changed box %v and %.2f%% of the postage figure differ (screenshot error: %v); see %s.{png,expected.png,diff.png}",
				n, what, stepTimeout, whole*100, inChange*100, changed, inPostage*100, lastErr, base)
		}
		time.Sleep(pollEvery)
	}
	took := time.Since(start)
	d.slowest = max(d.slowest, took)
	d.worst = max(d.worst, whole)
	base := filepath.Join(d.shots, fmt.Sprintf("%02d-%s", n, fileName(what)))
	require.NoError(t, xwin.WritePNG(base+".png", got))
	if os.Getenv("E2E_EXPECTED") != "" { // the test driver's rendering too, for a look side by side
		require.NoError(t, xwin.WritePNG(base+".expected.png", want))
	}
	t.Logf("step %2d %-40q drawn after %4.0f ms; differs from the test driver in %.2f%% of the meter's screen, %.2f%% of the changed box %v",
		n, what, took.Seconds()*1000, whole*100, inChange*100, changed)
}

// checkDatabases opens what the app left on disk: the meter holds $60.00 + $125.00, the account paid
// exactly that, nothing is held at the Data Center, and both databases pass their own checks.
func checkDatabases(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	refill := 125 * funds.Dollar
	keys, err := funds.OpenFileKeys(filepath.Join(data, "keys"))
	require.NoError(t, err)
	v, err := funds.OpenVault(ctx, filepath.Join(data, "meter.db"), funds.VaultOptions{Keys: keys, Serial: simulator.DemoSerial}) // runs Verify
	require.NoError(t, err)
	defer v.Close()
	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, simulator.DemoFirstRefill+refill, regs.Available, "postage in meter")
	assert.Equal(t, simulator.DemoFirstRefill+refill, regs.Control, "control sum")
	assert.Equal(t, funds.Amount(0), regs.Used)
	require.NoError(t, v.Verify(ctx))
	open, err := v.OpenRefills(ctx)
	require.NoError(t, err)
	assert.Empty(t, open, "open refills on the meter")
	refills, err := v.Refills(ctx, 10)
	require.NoError(t, err)
	amounts := make([]funds.Amount, 0, len(refills))
	for _, r := range refills {
		amounts = append(amounts, r.Amount)
	}
	slices.Sort(amounts)
	assert.Equal(t, []funds.Amount{simulator.DemoFirstRefill, refill}, amounts, "refills on the meter")

	store, err := datacenter.OpenSQLite(ctx, filepath.Join(data, "datacenter.db"),
		datacenter.SQLiteOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer store.Close()
	acct, err := store.Account(ctx, simulator.DemoAccount)
	require.NoError(t, err)
	assert.Equal(t, simulator.DemoPrepaid-simulator.DemoFirstRefill-refill, acct.Prepaid, "prepaid")
	assert.Equal(t, funds.Amount(0), acct.Reserved, "reserved")
	assert.Equal(t, simulator.DemoFirstRefill+refill, acct.Posted, "posted")
	assert.Equal(t, funds.Amount(0), acct.CreditUsed, "credit used")
	require.NoError(t, store.CheckInvariants(ctx))
	t.Logf("databases: meter available %s control %s; account %s prepaid %s, reserved %s, posted %s",
		regs.Available, regs.Control, simulator.DemoAccount, acct.Prepaid, acct.Reserved, acct.Posted)
}
