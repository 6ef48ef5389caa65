package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"postmeter/cmd/internal/xwin"
	"postmeter/meter/simulator"
	"postmeter/ui"
	"postmeter/ui/scene"
)

const (
	screenTolerance = 0.01 // fraction of the meter's screen that may differ from the test driver's rendering
	changeTolerance = 0.05 // the same inside the box a tap changed
	// postageTolerance is the same in the status bar's postage figure, filled in just after a screen is
	// drawn (see TestEndToEndRefill).
	postageTolerance = 0.005
	stepTimeout      = 15 * time.Second
	// changePoll is how long waitDrawn waits for the X server to report a change before it takes a
	// screenshot anyway.
	changePoll = 100 * time.Millisecond
	// tapPause is how long the window draws nothing before the next tap of a flow.
	tapPause = 250 * time.Millisecond
)

type plannedStep struct {
	x, y int
	want *image.RGBA
}

// trainerPlan is the trainer window as the test driver draws it: its size, where the meter's screen is,
// the first screen, and the refill flow's taps with the picture after each.
type trainerPlan struct {
	window  image.Point
	meter   image.Rectangle
	postage image.Rectangle
	initial *image.RGBA
	steps   []plannedStep
}

func planTrainer(dir string) (trainerPlan, error) {
	var p trainerPlan
	fyne.CurrentApp().Settings().SetTheme(ui.KioskTheme{})
	r, err := scene.Play(scene.Scene{Name: "bench", Trainer: true}, dir)
	defer r.Close()
	if err != nil {
		return p, err
	}
	a, w := r.App, r.Window
	a.Relayout()
	size := w.Canvas().Size()
	p.window = image.Pt(int(size.Width), int(size.Height))
	pos, msize := a.MeterScreenRect()
	p.meter = image.Rect(int(pos.X), int(pos.Y), int(pos.X+msize.Width), int(pos.Y+msize.Height))
	pos, psize := a.StatusPostageRect()
	p.postage = image.Rect(int(pos.X), int(pos.Y), int(pos.X+psize.Width), int(pos.Y+psize.Height))
	p.initial = xwin.ToRGBA(w.Canvas().Capture())
	_, err = scene.TapThrough(a, scene.SeedArticleTaps, test.TapCanvas, func(i int, st scene.TapStep) error {
		p.steps = append(p.steps, plannedStep{x: int(math.Round(float64(st.Centre.X))), y: int(math.Round(float64(st.Centre.Y))),
			want: xwin.ToRGBA(w.Canvas().Capture())})
		return nil
	})
	if err == nil && a.ScreenState() != "home" {
		err = fmt.Errorf("the refill flow ended on %s in the test driver", a.ScreenState())
	}
	return p, err
}

// bareLabel and bareTheme mirror cmd/benchtable/barewindow.
const bareLabel = "postmeter bare window"

// planBare is the bare window, as large as postmeter's, as the test driver draws it.
func planBare(size image.Point) *image.RGBA {
	fyne.CurrentApp().Settings().SetTheme(bareTheme{})
	defer fyne.CurrentApp().Settings().SetTheme(ui.KioskTheme{})
	w := fyne.CurrentApp().NewWindow("barewindow")
	defer w.Close()
	w.SetContent(widget.NewLabel(bareLabel))
	w.Resize(fyne.NewSize(float32(size.X), float32(size.Y)))
	return xwin.ToRGBA(w.Canvas().Capture())
}

// proc is a program started under the X server.
type proc struct {
	cmd    *exec.Cmd
	start  time.Time
	exited chan struct{}
	err    error
}

func launch(x *xwin.Server, bin string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = x.Env("POSTMETER_QUIT_AFTER=120s") // a safety net; benchtable stops it itself
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	return p, nil
}

func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// waitDrawn waits until the window shows want (within region, inside changed if not empty, and
// closely inside postage if not empty) and returns when, since the program started (see
// waitDrawnSince).
func waitDrawn(x *xwin.Server, p *proc, want *image.RGBA, region, changed, postage image.Rectangle, poll time.Duration) (time.Duration, error) {
	return waitDrawnSince(x, p, p.start, want, region, changed, postage, poll)
}

// waitDrawnSince is waitDrawn timed from since (a click) instead of the program's start. It takes a
// screenshot of the part of the screen it compares each time the X server reports a change
// (x.WatchChanges), and every poll if none is reported. The screen is drawn at a time between the
// later of the last screenshot that did not show it and the change reported after it, and the
// return of the first screenshot that did; the midpoint is returned.
func waitDrawnSince(x *xwin.Server, p *proc, since time.Time, want *image.RGBA, region, changed, postage image.Rectangle, poll time.Duration) (time.Duration, error) {
	grab := region.Union(changed).Union(postage).Intersect(want.Rect)
	lower := since // the screen did not show want before this
	deadline := time.Now().Add(stepTimeout)
	var whole, inChange, inPostage float64
	var last *image.RGBA // the last screenshot compared, which did not match
	for {
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%s exited: %v", filepath.Base(p.cmd.Path), p.err)
		default:
		}
		asked := time.Now()
		got, err := x.ScreenshotRect(grab)
		now := time.Now()
		// Comparing takes some milliseconds of CPU; an unchanged screen is not compared again, so the
		// measurement takes as little as possible from the program beside it.
		if err == nil && (last == nil || !bytes.Equal(got.Pix, last.Pix)) {
			last = got
			whole = xwin.DiffFraction(got, want, region)
			inChange = xwin.DiffFraction(got, want, changed)
			inPostage = xwin.DiffFraction(got, want, postage)
			if whole <= screenTolerance && inChange <= changeTolerance && inPostage <= postageTolerance {
				return lower.Add(now.Sub(lower) / 2).Sub(since), nil
			}
		}
		if now.After(deadline) {
			return 0, fmt.Errorf("%s: the window did not show the expected screen within %s (%.2f%% differ, %.2f%% of the changed box, %.2f%% of the postage figure; %v)",
				filepath.Base(p.cmd.Path), stepTimeout, whole*100, inChange*100, inPostage*100, err)
		}
		lower = asked
		if at, ok := x.NextChange(poll); ok && at.After(lower) {
			lower = at
		}
	}
}

// copyDir copies the regular files of a folder tree.
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o600)
	})
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("benchtable must run inside the postmeter module")
	}
	return filepath.Dir(mod), nil
}

// glTags are the build tags of the programs timed under Xvfb: the Makefile's TAGS, as the meter's
// binary is built (README).
const glTags = "migrated_fynedo,no_animations"

func buildGL(root, pkg, out string) error {
	cmd := exec.Command("go", "build", "-tags", glTags, "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (the GL build needs the packages of `make deps`): %w\n%s", pkg, err, b)
	}
	return nil
}

// benchWindow measures the real binary under Xvfb against the bare window: cold start to the first
// drawn screen (median of starts, alternating the two) and VmRSS, postmeter's after a refill flow.
func benchWindow(dir string, starts int, progress func(string, ...any)) ([]row, error) {
	startFigure := fmt.Sprintf("cold start to the first drawn sign-in screen under Xvfb, median of %d", starts)
	memFigure := "resident memory (VmRSS) after a refill flow under Xvfb, median of 3"
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		return []row{
			{figure: startFigure, value: "skipped: no X server", baseline: "bare Fyne window", ratio: "target ≤ 1.5×", result: "skipped"},
			{figure: memFigure, value: "skipped: no X server", baseline: "bare Fyne window", ratio: "target ≤ 1.3×", result: "skipped"},
		}, nil
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		return nil, errors.New("xdotool is missing: `make deps` installs it")
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "bin")
	postmeter, bare := filepath.Join(bin, "postmeter"), filepath.Join(bin, "barewindow")
	progress("building postmeter and barewindow with the GL driver")
	if err := errors.Join(buildGL(root, "./cmd/postmeter", postmeter), buildGL(root, "./cmd/benchtable/barewindow", bare)); err != nil {
		return nil, err
	}

	plan, err := planTrainer(filepath.Join(dir, "plan"))
	if err != nil {
		return nil, fmt.Errorf("plan in the test driver: %w", err)
	}
	bareWant := planBare(plan.window)
	// Every start of postmeter opens a copy of the same demo data, as a meter opens its own.
	pristine := filepath.Join(dir, "pristine")
	sim, err := simulator.Start(context.Background(), simulator.Options{Dir: pristine, Printer: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	if err := sim.Close(); err != nil {
		return nil, err
	}

	x, err := xwin.Start(xvfb, plan.window.X, plan.window.Y)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	if err := x.WatchChanges(); err != nil {
		return nil, err
	}

	runPostmeter := func(n int) (*proc, time.Duration, error) {
		data := filepath.Join(dir, fmt.Sprintf("run%d", n))
		if err := copyDir(pristine, data); err != nil {
			return nil, 0, err
		}
		x.ForgetChanges()
		p, err := launch(x, postmeter, "-data", data, "-screen", "1280x800")
		if err != nil {
			return nil, 0, err
		}
		d, err := waitDrawn(x, p, plan.initial, plan.meter, image.Rectangle{}, plan.postage, changePoll)
		if err != nil {
			p.stop()
		}
		return p, d, err
	}
	runBare := func() (*proc, time.Duration, error) {
		x.ForgetChanges()
		p, err := launch(x, bare, "-width", strconv.Itoa(plan.window.X), "-height", strconv.Itoa(plan.window.Y))
		if err != nil {
			return nil, 0, err
		}
		d, err := waitDrawn(x, p, bareWant, bareWant.Rect, image.Rectangle{}, image.Rectangle{}, changePoll)
		if err != nil {
			p.stop()
		}
		return p, d, err
	}
	var pmStarts, bareStarts []time.Duration
	for i := range starts {
		for _, first := range []bool{i%2 == 0, i%2 != 0} {
			if first {
				p, d, err := runPostmeter(i)
				if err != nil {
					return nil, err
				}
				p.stop()
				pmStarts = append(pmStarts, d)
			} else {
				p, d, err := runBare()
				if err != nil {
					return nil, err
				}
				p.stop()
				bareStarts = append(bareStarts, d)
			}
		}
	}

	// Resident memory is one reading a process, so it is taken from memoryRuns processes of each kind
	// and the medians compared.
	const memoryRuns = 3
	// The same flows time each tap until the next screen is drawn in the real window.
	progress("refill flow in the real window for its memory and its taps, %d times", memoryRuns)
	taps := make([][]time.Duration, len(plan.steps))
	flowRSS := func(n int) (int64, error) {
		p, _, err := runPostmeter(n)
		if err != nil {
			return 0, err
		}
		defer p.stop()
		prev := plan.initial
		for i, st := range plan.steps {
			// Worked out before the click, so as not to take CPU from the program while it is timed.
			changed := xwin.ChangedRect(prev, st.want).Intersect(plan.meter)
			// A clerk reads the screen before the next tap: the tap is made once the window has drawn
			// nothing for a moment (what the last tap left to do, such as the trainer panel's figures,
			// is done), so that each tap is timed on its own.
			x.WaitStill(tapPause, stepTimeout)
			clicked := time.Now()
			if err := x.Tap(st.x, st.y); err != nil {
				return 0, err
			}
			d, err := waitDrawnSince(x, p, clicked, st.want, plan.meter, changed, plan.postage, changePoll)
			if err != nil {
				return 0, fmt.Errorf("refill flow step %d (%q): %w", i+1, scene.SeedArticleTaps[i], err)
			}
			taps[i] = append(taps[i], d)
			prev = st.want
		}
		return xwin.VMRSS(p.cmd.Process.Pid)
	}
	bareOnce := func() (int64, error) {
		bp, _, err := runBare()
		if err != nil {
			return 0, err
		}
		defer bp.stop()
		return xwin.VMRSS(bp.cmd.Process.Pid)
	}
	var pmRSSs, bareRSSs []int64
	for i := range memoryRuns {
		r, err := flowRSS(starts + i)
		if err != nil {
			return nil, err
		}
		b, err := bareOnce()
		if err != nil {
			return nil, err
		}
		pmRSSs, bareRSSs = append(pmRSSs, r), append(bareRSSs, b)
	}
	slices.Sort(pmRSSs)
	slices.Sort(bareRSSs)
	pmRSS, bareRSS := pmRSSs[memoryRuns/2], bareRSSs[memoryRuns/2]

	tapRows := realWindowTaps(taps)
	ps, bs := median(pmStarts), median(bareStarts)
	startRatio := float64(ps) / float64(bs)
	memRatio := float64(pmRSS) / float64(bareRSS)
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	return []row{
		{figure: startFigure + " (postmeter: trainer window, demo data)", value: fmt.Sprintf("%.0f ms", float64(ps.Microseconds())/1000),
			baseline: fmt.Sprintf("bare Fyne window (one label): %.0f ms", float64(bs.Microseconds())/1000),
			ratio:    fmt.Sprintf("%.2f× (target ≤ 1.5×)", startRatio), result: passFail(startRatio <= 1.5)},
		{figure: memFigure + " (bare window: once drawn)", value: mib(pmRSS), baseline: "bare Fyne window: " + mib(bareRSS),
			ratio: fmt.Sprintf("%.2f× (target ≤ 1.3×)", memRatio), result: passFail(memRatio <= 1.3)},
		tapRows,
	}, nil
}

// realWindowTaps reports the seed article's taps in the real window: for each tap the median over the
// runs of the time from the click to the next screen drawn; the slowest of those and their median. It
// also prints the plain line `real-window: slowest_ms=N median_ms=M`.
func realWindowTaps(taps [][]time.Duration) row {
	per := make([]time.Duration, len(taps))
	slowest := 0
	for i, d := range taps {
		per[i] = median(d)
		if per[i] > per[slowest] {
			slowest = i
		}
	}
	med := median(per)
	for i, d := range taps {
		fmt.Fprintf(os.Stderr, "benchtable: tap %2d %-32s median %6.1f ms of %v\n", i+1,
			scene.SeedArticleTaps[i], float64(per[i].Microseconds())/1000, roundMs(d))
	}
	fmt.Printf("real-window: slowest_ms=%.1f median_ms=%.1f\n", float64(per[slowest].Microseconds())/1000, float64(med.Microseconds())/1000)
	return row{
		figure: fmt.Sprintf("tap → next screen drawn in the real window (Xvfb; taps through XTEST, a screenshot at each change the X server reports): the seed article's %d taps, median of %d runs each",
			len(taps), len(taps[0])),
		value: fmt.Sprintf("slowest %.0f ms (%s), median %.0f ms", float64(per[slowest].Microseconds())/1000,
			scene.SeedArticleTaps[slowest], float64(med.Microseconds())/1000),
		baseline: "target ≤ 100 ms",
		ratio:    fmt.Sprintf("%.2f× the target", float64(per[slowest])/float64(100*time.Millisecond)),
		result:   passFail(per[slowest] <= 100*time.Millisecond),
	}
}

// roundMs is ds in whole milliseconds, for the per-tap lines.
func roundMs(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
