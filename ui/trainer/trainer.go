package trainer

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"postmeter/devices"
	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/ui"
)

// PanelWidth is the trainer panel's width beside the meter screen.
const PanelWidth = 480

// Size is the trainer's window at the meter's default screen: the meter screen and the panel beside it.
var Size = WindowSize(ui.ScreenSize)

// WindowSize is the trainer's window for a meter's screen of size.
func WindowSize(screen fyne.Size) fyne.Size {
	return fyne.NewSize(screen.Width+PanelWidth, screen.Height)
}

// The panel's tabs.
const (
	TabControls = "controls"
	TabTray     = "tray"
	TabLessons  = "lessons"
)

// Options configures the trainer simulator.
type Options struct {
	Dir   string // data folder; Reset empties it
	Model string // meter model
	// ContactProfile is the contact clock's jurisdiction (simulator.Options.ContactProfile: us-imi if
	// empty); a lesson's set-up may name another.
	ContactProfile string
	Clock          *meter.SimClock // nil: real time, movable from the panel
	Log            *slog.Logger
	// IdleCheck is passed to the meter screen (ui.Options.IdleCheck).
	IdleCheck time.Duration
}

// Trainer is the desktop simulator: the meter screen, and beside it a panel that makes things go wrong
// on purpose, shows what was printed and runs guided lessons. Every control acts through the same
// device and Data Center interfaces the kiosk uses.
type Trainer struct {
	opts    Options
	sim     *simulator.Simulator
	app     *ui.App
	lessons []Lesson
	run     *lessonRun
	last    *LessonSummary

	tab     string // "controls", "tray", "lessons"
	panel   *fyne.Container
	content *fyne.Container
	tray    *trayView
	printed atomic.Bool // something was printed since the tray was last read

	resetMu    sync.Mutex     // one reset at a time
	resets     sync.WaitGroup // resets and lesson set-ups started by panel buttons (offUI)
	onReset    func()         // tests: called as a reset begins
	figures    panelFigures   // the account and inspection figures the controls show
	figuresFor ui.ScreenID    // the screen shown when they were last read
	// shownControls describes the controls tab shown (describePanel), "" when another tab is shown.
	shownControls string
}

// New starts the simulator in opts.Dir and shows the meter screen with the trainer panel in win.
func New(win fyne.Window, opts Options) (*Trainer, error) {
	t, err := Build(win, opts)
	if err != nil {
		return nil, err
	}
	t.app.Attach()
	return t, nil
}

// Build is New without putting the screens into win (see ui.Build): the program starts the simulator
// and builds the screens while the window is being created, and calls App().Attach once both are done.
func Build(win fyne.Window, opts Options) (*Trainer, error) {
	lessons, err := LoadLessons()
	if err != nil {
		return nil, err
	}
	t := &Trainer{opts: opts, lessons: lessons, tab: "controls"}
	if t.sim, err = t.startSim(simulator.Options{Printer: true}); err != nil {
		return nil, err
	}
	// Read once before the window is up; afterwards refreshFigures reads them off the UI goroutine.
	if t.figures, err = readFigures(context.Background(), t.sim); err != nil {
		return nil, err
	}
	t.content = container.NewStack()
	t.panel = container.NewStack()
	bg := canvas.NewRectangle(panelColour)
	t.panel.Objects = []fyne.CanvasObject{bg, container.NewPadded(t.content)}
	side := container.New(fixedWidthLayout{PanelWidth}, t.panel)
	t.app = ui.Build(win, t.sim.Meter, ui.Options{Side: side, IdleCheck: opts.IdleCheck, Log: opts.Log,
		Pending: t.resets.Wait})
	t.app.Act(func() {
		t.app.SetOnChange(t.changed)
		t.showTab(t.tab)
	})
	return t, nil
}

func (t *Trainer) startSim(o simulator.Options) (*simulator.Simulator, error) {
	o.Dir, o.Model, o.Log, o.Printer = t.opts.Dir, t.opts.Model, t.opts.Log, true
	if o.ContactProfile == "" {
		o.ContactProfile = t.opts.ContactProfile
	}
	o.Clock = t.opts.Clock
	if o.Clock == nil {
		o.Clock = meter.NewSimClock(nil)
		t.opts.Clock = o.Clock
	}
	sim, err := simulator.Start(context.Background(), o)
	if errors.Is(err, funds.ErrOldVault) {
		// Demo data from a postmeter before the keyed vault: keep it aside and start afresh.
		aside := t.opts.Dir + ".old-" + time.Now().UTC().Format("20060102T150405")
		if rerr := os.Rename(t.opts.Dir, aside); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		if o.Log != nil {
			o.Log.Warn("the demo data was made by an older postmeter: moved aside, fresh demo data made", "old", aside)
		}
		sim, err = simulator.Start(context.Background(), o)
	}
	if err != nil {
		return nil, err
	}
	// Note each print, so the output tray reloads only when there is something new to show.
	for _, onPrint := range []*func(devices.Impression) error{&sim.Engine.OnPrint, &sim.Printer.OnPrint} {
		next := *onPrint
		*onPrint = func(imp devices.Impression) error {
			err := next(imp)
			t.printed.Store(true)
			return err
		}
	}
	return sim, nil
}

// App is the meter screen.
func (t *Trainer) App() *ui.App { return t.app }

// Sim is the simulated meter and Data Center behind it.
func (t *Trainer) Sim() *simulator.Simulator { return t.sim }

// Close stops the screen and the simulator.
func (t *Trainer) Close() {
	t.app.Close() // waits for resets under way too: a reset opens a simulator
	if err := t.sim.Close(); err != nil {
		slog.Warn("close simulator", "err", err)
	}
}

// ShowTab shows one of the panel's tabs (TabControls, TabTray, TabLessons). Call it in turn (App().Act).
func (t *Trainer) ShowTab(tab string) { t.showTab(tab) }

var (
	panelColour          = color.NRGBA{0xe6, 0xea, 0xf0, 0xff}
	panelThumbBackground = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// Reset replaces everything with fresh demo data set up as o says, and signs user in ("" for none). It
// closes and opens databases and hashes a PIN, so it never runs on the UI goroutine: the panel's
// buttons run it through offUI; tests call it from their own goroutine.
func (t *Trainer) Reset(o simulator.Options, user string) error {
	t.resetMu.Lock()
	defer t.resetMu.Unlock()
	if t.onReset != nil {
		t.onReset()
	}
	t.app.WaitBackground() // work under way on the old simulator ends first (Settle would wait for this reset too)
	var old *simulator.Simulator
	t.app.Act(func() { old = t.sim })
	if err := old.Close(); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	entries, err := os.ReadDir(t.opts.Dir)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(t.opts.Dir, e.Name())); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	t.opts.Clock = t.opts.Clock.Fresh()
	sim, err := t.startSim(o)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	var s *meter.Session
	if user != "" {
		if s, err = sim.SignIn(context.Background(), user); err != nil {
			sim.Close()
			return fmt.Errorf("reset: sign in %s: %w", user, err)
		}
	}
	// The screens and the panel read t.sim on the UI goroutine, so it changes there.
	t.app.Act(func() {
		t.sim = sim
		t.app.Rebind(sim.Meter)
		if s != nil {
			t.app.SignInAs(s)
		}
		t.showTab(t.tab)
		t.refreshFigures()
	})
	return nil
}

// offUI runs a reset or a lesson's set-up for a panel button, on a goroutine of its own (see Reset),
// and shows a failure on the meter's screen. Settle waits for it.
func (t *Trainer) offUI(f func() error) {
	t.resets.Add(1)
	go func() {
		defer t.resets.Done()
		if err := f(); err != nil {
			t.app.Later(func() { t.app.Fail(err) })
		}
	}()
}

// changed follows the meter screen: the lesson's target is lit again, the panel's figures refreshed.
func (t *Trainer) changed() {
	if t.run != nil {
		t.highlight()
	}
	if t.tab == "tray" && t.printed.Swap(false) {
		t.tray.reload()
	}
	// A new screen may follow a refill or a balance inquiry: the account figures are read again then,
	// not on every redraw.
	if t.tab == "controls" && t.app.Screen() != t.figuresFor {
		t.figuresFor = t.app.Screen()
		t.refreshFigures()
	}
}

// showTab shows one of the panel's tabs.
func (t *Trainer) showTab(tab string) {
	t.tab = tab
	if t.tray != nil && t.tray.large != nil { // the old tray's large view goes with it
		t.tray.large.Hide()
		t.tray.large = nil
	}
	bar := container.New(panelRowLayout{})
	for _, x := range []struct {
		id     string
		button ui.ID
		label  string
	}{{"controls", PanelTabControls, "Controls"}, {"tray", PanelTabTray, "Output tray"}, {"lessons", PanelTabLessons, "Lessons"}} {
		x := x
		bar.Add(toggle(x.button, x.label, x.id == tab, func() { t.app.Act(func() { t.showTab(x.id) }) }))
	}
	var body fyne.CanvasObject
	switch tab {
	case "tray":
		t.tray = newTrayView(t)
		body = t.tray.object()
	case "lessons":
		body = t.lessonsTab()
	default:
		body = t.controlsTab()
	}
	t.shownControls = ""
	if tab == "controls" {
		t.shownControls = describePanel(body)
	}
	heading := panelText("Trainer", panelTextSize, true)
	// The tab scrolls when the window is lower than it (a 600-high screen): the trainer is a desktop
	// tool, used with a mouse, and the window never grows past the meter's screen height.
	t.content.Objects = []fyne.CanvasObject{container.NewBorder(panelVBox(heading, bar), nil, nil, nil, container.NewVScroll(body))}
	t.content.Refresh()
}

// control runs a panel action against the simulator off the UI goroutine (some write a database or
// check a PIN), then shows a failure if there was one and refreshes the panel and the meter screen.
func (t *Trainer) control(f func(ctx context.Context) error) func() { return t.controlThen(f, nil) }

// controlThen is control with a step on the UI goroutine after the action succeeded.
func (t *Trainer) controlThen(f func(ctx context.Context) error, then func()) func() {
	return func() {
		t.app.Background(f, func(err error) {
			if err != nil {
				t.app.Fail(err)
			} else if then != nil {
				then()
			}
			t.app.Refresh()
			t.showTab(t.tab)
			t.refreshFigures()
		})
	}
}

// toggle is a panel button lit while on is true.
func toggle(id ui.ID, label string, on bool, tapped func()) fyne.CanvasObject {
	b := newPanelButton(id, label, tapped)
	if on {
		b.Importance = widget.HighImportance
	}
	return b
}

// row is a named group of panel buttons on one line.
func row(label string, objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.New(panelRowLayout{lead: 100}, append([]fyne.CanvasObject{panelText(label, panelCaptionSize, true)}, objs...)...)
}

// panelFigures are what the controls show of the account and the meter, read off the UI goroutine.
type panelFigures struct {
	acct simulator.AccountFigures
	insp meter.InspectionStatus
}

// readFigures reads what the controls show; it touches the databases, so it never runs on the UI
// goroutine once the window is up.
func readFigures(ctx context.Context, sim *simulator.Simulator) (panelFigures, error) {
	var f panelFigures
	var err error
	if f.acct, err = sim.Account(ctx); err != nil {
		return f, err
	}
	f.insp, err = sim.Meter.Inspection(ctx)
	return f, err
}

// refreshFigures reads the figures in the background and redraws the controls with them.
func (t *Trainer) refreshFigures() {
	sim := t.sim // read on the UI goroutine (see advance)
	ui.Load(t.app, func(ctx context.Context) (panelFigures, error) { return readFigures(ctx, sim) }, func(f panelFigures) {
		t.figures = f
		// The figures are read again at every screen change, but seldom change: rebuilding the controls
		// anyway laid out some 60 widgets and redrew the whole window (a frame of 20-25 ms of CPU with
		// software GL on a meter's two cores) while the next screen was being drawn.
		if t.tab == "controls" && describePanel(t.controlsTab()) != t.shownControls {
			t.showTab("controls")
		}
	})
}

// describePanel is what a panel tree shows: its buttons (text, importance, enabled), labels and texts,
// in order. Two trees with the same description look and act the same, as long as they were built for
// the same simulator (showTab is called at once when a reset replaces it); any other kind of object
// makes the description unique, so a tree holding one is always shown afresh.
func describePanel(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject) bool
	walk = func(o fyne.CanvasObject) bool {
		switch o := o.(type) {
		case *fyne.Container:
			b.WriteString("(")
			for _, c := range o.Objects {
				if !walk(c) {
					return false
				}
			}
			b.WriteString(")")
		case *panelButton:
			fmt.Fprintf(&b, "[%q %d %t]", o.Text, o.Importance, o.Disabled())
		case *widget.Label:
			fmt.Fprintf(&b, "<%q %d>", o.Text, o.Importance)
		case *canvas.Text:
			fmt.Fprintf(&b, "%q", o.Text)
		default:
			return false
		}
		return true
	}
	if !walk(o) {
		return fmt.Sprintf("%p", o) // a tree with an object of another kind never matches another
	}
	return b.String()
}

// controlsTab draws the controls with the figures last read.
func (t *Trainer) controlsTab() fyne.CanvasObject { return t.controls(t.figures) }

func (t *Trainer) controls(f panelFigures) fyne.CanvasObject {
	sim := t.sim
	mode, _ := sim.Faults.Mode()
	st := sim.Engine.Status()
	acct, insp := f.acct, f.insp
	weight, _ := sim.Scale.Weight(context.Background()) // the simulated scale: memory only
	dc := func(id ui.ID, label string, m simulator.DCMode, d time.Duration) fyne.CanvasObject {
		return toggle(id, label, mode == m, t.control(func(context.Context) error { sim.Faults.Set(m, d); return nil }))
	}
	ink := func(id ui.ID, label string, l meter.InkLevel) fyne.CanvasObject {
		return toggle(id, label, st.Ink == l, t.control(func(context.Context) error {
			sim.Engine.Update(func(s *meter.EngineStatus) { s.Ink = l })
			return nil
		}))
	}
	lock := "Lock"
	if acct.Locked {
		lock = "Unlock"
	}
	credit := map[funds.Amount]funds.Amount{0: 500 * funds.Dollar, 500 * funds.Dollar: 1000 * funds.Dollar}[acct.CreditLimit]
	return panelVBox(
		row("Network",
			toggle(PanelLinkUp, "Link up", sim.Link.Up(), t.control(func(context.Context) error { sim.Link.SetUp(true); return nil })),
			toggle(PanelLinkDown, "Link down", !sim.Link.Up(), t.control(func(context.Context) error { sim.Link.SetUp(false); return nil }))),
		row("Data Center", dc(PanelDCNormal, "Normal", simulator.DCNormal, 0), dc(PanelDCSlow, "Slow", simulator.DCSlow, 3*time.Second)),
		row("", dc(PanelDCDown, "Down", simulator.DCDown, 0), dc(PanelDCLoseAnswer, "Lose answer", simulator.DCDropResponse, 0)),
		panelParagraph(fmt.Sprintf("Account %s: prepaid %s, credit %s of %s", simulator.DemoAccount, acct.Prepaid,
			acct.CreditAvailable, acct.CreditLimit), SizeNamePanelCaption, false),
		row("Account",
			toggle(PanelDeposit, "+$100", false, t.control(func(ctx context.Context) error {
				return sim.Deposit(ctx, 100*funds.Dollar)
			})),
			toggle(PanelCreditLine, "Credit "+strings.TrimSuffix(credit.String(), ".00"), false, t.control(func(ctx context.Context) error {
				return sim.SetCreditLimit(ctx, credit)
			})),
			toggle(PanelLock, lock, acct.Locked, t.control(func(ctx context.Context) error {
				return sim.SetLocked(ctx, !acct.Locked)
			}))),
		row("Print engine",
			toggle(PanelEnvelope, "Envelope", st.EnvelopeOnFeedDeck, t.control(func(context.Context) error {
				sim.Engine.Update(func(s *meter.EngineStatus) { s.EnvelopeOnFeedDeck = !s.EnvelopeOnFeedDeck })
				return nil
			})),
			toggle(PanelTape, "Tape", st.TapeLoaded, t.control(func(context.Context) error {
				sim.Engine.Update(func(s *meter.EngineStatus) { s.TapeLoaded = !s.TapeLoaded })
				return nil
			})),
			toggle(PanelJam, "Jam", st.Jammed, t.control(func(context.Context) error {
				sim.Engine.Update(func(s *meter.EngineStatus) { s.Jammed = !s.Jammed })
				return nil
			}))),
		row("Ink", ink(PanelInkOK, "OK", meter.InkOK), ink(PanelInkLow, "Low", meter.InkLow), ink(PanelInkOut, "Out", meter.InkOut)),
		t.unplugRow(st),
		row("Scale "+weight.String(),
			toggle(PanelScaleDown, "– 0.5 oz", false, t.control(func(context.Context) error { sim.Scale.Set(max(weight-5, 0), true); return nil })),
			toggle(PanelScaleUp, "+ 0.5 oz", false, t.control(func(context.Context) error { sim.Scale.Set(weight+5, true); return nil }))),
		t.clockRows(insp),
		panelParagraph(fmt.Sprintf("Demo PINs: %s (supervisor) %s · %s (operator) %s", simulator.DemoSupervisor,
			simulator.DemoSupervisorPIN, simulator.DemoOperator, simulator.DemoOperatorPIN), SizeNamePanelCaption, false),
		row("Sign in",
			toggle(PanelSignInSupervisor, simulator.DemoSupervisor, false, t.signInAs(simulator.DemoSupervisor)),
			toggle(PanelSignInOperator, simulator.DemoOperator, false, t.signInAs(simulator.DemoOperator)),
			toggle(PanelReset, "Reset", false, func() {
				t.offUI(func() error { return t.Reset(simulator.Options{}, "") })
			})),
	)
}

// signInAs signs a demo user in as the panel's button does: the PIN is checked off the UI goroutine.
func (t *Trainer) signInAs(name string) func() {
	var s *meter.Session
	sim := t.sim // read on the UI goroutine (see advance)
	return t.controlThen(func(ctx context.Context) error {
		var err error
		s, err = sim.SignIn(ctx, name)
		return err
	}, func() { t.app.SignInAs(s) })
}

var errNoLesson = errors.New("no such lesson")

// panelVBox stacks panel rows with the panel's smaller gap.
func panelVBox(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewCustomPaddedVBoxLayout(panelPadding), objs...)
}
