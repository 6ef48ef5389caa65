package trainer

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/internal/uitest"
	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/ui"
)

func supervisor() string { return simulator.DemoSupervisor }

// trainer starts the desktop simulator with its panel in a test window, Sue signed in.
func trainer(t *testing.T) (*ui.App, *Trainer) {
	t.Helper()
	tr := openTrainer(t, t.TempDir())
	s, err := tr.Sim().SignIn(context.Background(), supervisor())
	require.NoError(t, err)
	tr.app.Act(func() { tr.app.SignInAs(s) })
	tr.app.Settle()
	return tr.app, tr
}

// openTrainer starts the trainer on dir in a fresh test app with the kiosk theme.
func openTrainer(t *testing.T, dir string) *Trainer {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, ui.KioskTheme{})
	w := fyne.CurrentApp().NewWindow("postmeter")
	w.Resize(Size)
	tr, err := New(w, Options{Dir: dir, Clock: meter.FixedClock(testClock)})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close(); w.Close() })
	tr.app.Settle()
	return tr
}

// testClock is the fixed time every test runs at.
var testClock = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

func visibleUnder(roots ...fyne.CanvasObject) []fyne.CanvasObject {
	return uitest.VisibleUnder(roots...)
}

// button finds the visible button id on top of the meter's screen; it fails the test if there is none.
func button(t *testing.T, a *ui.App, id ui.ID) *ui.Button {
	t.Helper()
	b := a.FindButton(id)
	require.NotNil(t, b, "button %s on %s", id, a.ScreenState())
	return b
}

// tap taps the button id at its centre through the canvas, as a finger would, and waits for its work.
func tap(t *testing.T, a *ui.App, id ui.ID) {
	t.Helper()
	b := button(t, a, id)
	require.False(t, b.Disabled(), "button %s is disabled", id)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	test.TapCanvas(a.Window().Canvas(), pos.Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2)))
	a.Settle()
}

// tapPanel taps the trainer panel's button id, as the trainer's mouse would.
func tapPanel(t *testing.T, tr *Trainer, id ui.ID) {
	t.Helper()
	tapButtonUnder(t, tr, tr.panel, id)
}

// tapButtonUnder taps the panel button id drawn under root.
func tapButtonUnder(t *testing.T, tr *Trainer, root fyne.CanvasObject, id ui.ID) {
	t.Helper()
	var found []*panelButton
	for _, o := range visibleUnder(root) {
		if b, ok := o.(*panelButton); ok && b.ID == id {
			found = append(found, b)
		}
	}
	require.Len(t, found, 1, "panel buttons %s", id)
	b := found[0]
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	test.TapCanvas(tr.app.Window().Canvas(), pos.Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2)))
	tr.app.Settle()
}

// consistent checks the meter and the Data Center agree and hold no open refill.
func consistent(t *testing.T, sim *simulator.Simulator) {
	t.Helper()
	require.NoError(t, sim.CheckSettled(context.Background()))
}

func TestLessonsRunToCompletion(t *testing.T) {
	lessons, err := LoadLessons()
	require.NoError(t, err)
	require.Len(t, lessons, 6)
	for _, l := range lessons {
		t.Run("Lesson "+l.ID, func(t *testing.T) {
			a, tr := trainer(t)
			require.NoError(t, tr.StartLesson(l.ID))
			a.Settle()
			for i, step := range l.Steps {
				cur, idx, ok := tr.CurrentStep()
				require.True(t, ok, "lesson ended early at step %d", i+1)
				require.Equal(t, i, idx)
				b := button(t, a, cur.Target)
				assert.Equal(t, widget.SuccessImportance, b.Importance, "step %d: %q is highlighted", i+1, step.Target)
				tap(t, a, cur.Target)
			}
			_, _, running := tr.CurrentStep()
			assert.False(t, running)
			sum, ok := tr.LastSummary()
			require.True(t, ok)
			assert.Equal(t, len(l.Steps), sum.Steps)
			assert.Zero(t, sum.Wrong)
			assert.Equal(t, l.Title, sum.Lesson)
			consistent(t, tr.Sim())
		})
	}
}

func TestLessonCountsAndCorrectsWrongTouches(t *testing.T) {
	a, tr := trainer(t)
	require.NoError(t, tr.StartLesson("refill-from-home"))
	a.Settle()
	tap(t, a, ui.IDReports) // the lesson wants Funds
	assert.Equal(t, ui.ScreenHome, a.Screen(), "a wrong touch does nothing")
	tap(t, a, ui.IDRunMail)
	assert.Equal(t, ui.ScreenHome, a.Screen())
	assert.Equal(t, 2, tr.run.wrong)
	assert.Contains(t, tr.run.note, "Select Funds on the Home screen.")
	uitest.Markup(t, "trainer/lesson-wrong-touch.xml", a.Window().Canvas())

	for {
		cur, _, ok := tr.CurrentStep()
		if !ok {
			break
		}
		tap(t, a, cur.Target)
	}
	sum, ok := tr.LastSummary()
	require.True(t, ok)
	assert.Equal(t, 2, sum.Wrong)
	assert.Contains(t, sum.String(), "2 wrong touches")
}

// TestTrainerFaults sets each fault from the panel, checks the screen a clerk then sees, clears the
// fault from the panel and checks the meter recovers with both sides consistent.
func TestTrainerFaults(t *testing.T) {
	refill := func(t *testing.T, a *ui.App) {
		tap(t, a, ui.IDFunds)
		tap(t, a, ui.IDAddPostage)
		tap(t, a, ui.IDRefillDefault)
		tap(t, a, ui.IDConfirm)
	}
	print := func(label ui.ID) func(t *testing.T, a *ui.App) {
		return func(t *testing.T, a *ui.App) {
			tap(t, a, ui.IDRunMail)
			if a.Modal() != "" {
				tap(t, a, ui.IDContinue) // a warning on entering
			}
			tap(t, a, label)
		}
	}
	tests := []struct {
		name       string
		set, clear []ui.ID // panel buttons
		act        func(t *testing.T, a *ui.App)
		dialog     ui.DialogID
		retry      ui.ID       // the clerk's button once the fault is cleared
		after      ui.ScreenID // the screen then
	}{
		{"network-down", []ui.ID{PanelLinkDown}, []ui.ID{PanelLinkUp}, refill, ui.MessageDialog(meter.MsgNoConnectionPending), ui.IDTryAgain, ui.ScreenRefillComplete},
		{"data-center-down", []ui.ID{PanelDCDown}, []ui.ID{PanelDCNormal}, refill, ui.MessageDialog(meter.MsgNoConnectionPending), ui.IDTryAgain, ui.ScreenRefillComplete},
		{"answer-lost", []ui.ID{PanelDCLoseAnswer}, []ui.ID{PanelDCNormal}, refill, ui.MessageDialog(meter.MsgNoConnectionPending), ui.IDTryAgain, ui.ScreenRefillComplete},
		{"account-locked", []ui.ID{PanelLock}, []ui.ID{PanelLock}, refill, ui.MessageDialog(meter.MsgAccountLocked), "", ""},
		{"no-envelope", []ui.ID{PanelEnvelope}, []ui.ID{PanelEnvelope}, print(ui.IDStart), ui.MessageDialog(meter.MsgCheckDeviceTitle), ui.IDStart, ui.ScreenRunMail},
		{"tape-out", []ui.ID{PanelTape}, []ui.ID{PanelTape}, print(ui.IDTape), ui.MessageDialog(meter.MsgCheckDeviceTitle), ui.IDTape, ui.ScreenRunMail},
		{"ink-out", []ui.ID{PanelInkOut}, []ui.ID{PanelInkOK}, print(ui.IDStart), ui.MessageDialog(meter.MsgCheckDeviceTitle), ui.IDStart, ui.ScreenRunMail},
		{"jam", []ui.ID{PanelJam}, []ui.ID{PanelJam}, print(ui.IDStart), ui.MessageDialog(meter.MsgCheckDeviceTitle), ui.IDStart, ui.ScreenRunMail},
		{"inspection-lock", []ui.ID{PanelClockLock}, nil, print(ui.IDStart), ui.MessageDialog(meter.MsgInspectionLocked), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, tr := trainer(t)
			sim := tr.Sim()
			ctx := context.Background()
			start, err := sim.Meter.Registers(ctx)
			require.NoError(t, err)
			for _, b := range tt.set {
				tapPanel(t, tr, b)
			}
			if tt.name == "inspection-lock" {
				s, err := sim.SignIn(ctx, supervisor()) // the clock moved weeks on: sign in again
				require.NoError(t, err)
				a.Act(func() { a.SignInAs(s) })
				a.Settle()
			}
			tt.act(t, a)
			require.Equal(t, tt.dialog, a.Modal(), "on %s", a.Screen())
			uitest.Markup(t, "trainer/fault-"+tt.name+".xml", a.Window().Canvas())
			regs, err := sim.Meter.Registers(ctx)
			require.NoError(t, err)
			assert.Equal(t, start.Control, regs.Control, "a fault adds no postage")

			for _, b := range tt.clear {
				tapPanel(t, tr, b)
			}
			switch tt.name {
			case "account-locked":
				tap(t, a, ui.IDOK)
				tap(t, a, ui.IDHome)
				refill(t, a)
				assert.Equal(t, ui.ScreenRefillComplete, a.Screen(), "dialog %q", a.Modal())
			case "inspection-lock":
				tap(t, a, ui.IDOK)
				tap(t, a, ui.IDHome)
				tap(t, a, ui.IDGetBalance) // the banner on Home: a balance inquiry is an inspection
				require.Equal(t, ui.ScreenFundsMeterFunds, a.Screen(), "dialog %q", a.Modal())
				tap(t, a, ui.IDHome)
				print(ui.IDStart)(t, a)
				assert.Empty(t, a.Modal())
			default:
				if tt.after == "run-mail" {
					tap(t, a, ui.IDOK)
				}
				tap(t, a, tt.retry)
				assert.Equal(t, tt.after, a.Screen())
				assert.Empty(t, a.Modal(), "the fault is gone")
			}
			consistent(t, sim)
		})
	}
}

func TestOutputTrayShowsWhatWasPrinted(t *testing.T) {
	a, tr := trainer(t)
	tap(t, a, ui.IDRunMail)
	tap(t, a, ui.IDStart)
	tap(t, a, ui.IDTape)
	tapPanel(t, tr, PanelTabTray)
	require.Len(t, tr.tray.items, 2)
	assert.Equal(t, "tape-indicium", tr.tray.items[0].Kind, "newest first")
	assert.Equal(t, "envelope-indicium", tr.tray.items[1].Kind)
	var thumbs []*thumbnail
	for _, o := range visibleUnder(tr.panel) {
		if th, ok := o.(*thumbnail); ok {
			thumbs = append(thumbs, th)
		}
	}
	require.Len(t, thumbs, 2)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(thumbs[1])
	test.TapCanvas(a.Window().Canvas(), pos.Add(fyne.NewPos(20, 20)))
	require.NotNil(t, tr.tray.selected)
	assert.Equal(t, "envelope-indicium", tr.tray.selected.Kind)
	require.NotNil(t, tr.tray.large, "shown large")
	win := a.Window().Canvas().Size()
	assert.Greater(t, tr.tray.large.Content.Size().Width, win.Width/2, "over the window, not only the panel")
	tapButtonUnder(t, tr, tr.tray.large.Content, PanelTrayBack)
	assert.Nil(t, tr.tray.selected)
	assert.Nil(t, tr.tray.large)
}

func TestOutputTrayPages(t *testing.T) {
	_, tr := trainer(t)
	ctx := context.Background()
	s, err := tr.Sim().SignIn(ctx, supervisor())
	require.NoError(t, err)
	for i := 0; i < trayPage+1; i++ {
		_, err := tr.Sim().Meter.PrintPiece(ctx, s, meter.Job{KeyedPostage: 50 * funds.Cent}, meter.MediumTape)
		require.NoError(t, err)
	}
	tr.printed.Store(true)
	tapPanel(t, tr, PanelTabTray)
	thumbs := func() int {
		n := 0
		for _, o := range visibleUnder(tr.panel) {
			if _, ok := o.(*thumbnail); ok {
				n++
			}
		}
		return n
	}
	assert.Equal(t, trayPage, thumbs(), "one page of thumbnails")
	tapPanel(t, tr, PanelTrayOlder)
	assert.Equal(t, 1, thumbs(), "the oldest print on the second page")
	assert.Equal(t, 1, tr.tray.items[trayPage].Seq)
	tapPanel(t, tr, PanelTrayNewer)
	assert.Equal(t, trayPage, thumbs())
}

// TestTrainerReplacesDemoDataOfAnOlderPostmeter: a data folder whose vault predates the keyed audit
// chain cannot be opened; the trainer keeps it aside and starts on fresh demo data instead of failing.
func TestTrainerReplacesDemoDataOfAnOlderPostmeter(t *testing.T) {
	test.NewTempApp(t)
	dir := filepath.Join(t.TempDir(), "postmeter")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "meter.db"))
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE registers(id INTEGER PRIMARY KEY, available INTEGER, used INTEGER, control INTEGER,
		pieces INTEGER, batch_count INTEGER, batch_value INTEGER); INSERT INTO registers VALUES(1, 0, 0, 0, 0, 0, 0);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	sim := openTrainer(t, dir).Sim()
	regs, err := sim.Meter.Registers(context.Background())
	require.NoError(t, err)
	assert.Equal(t, simulator.DemoFirstRefill, regs.Control, "fresh demo data")
	old, err := filepath.Glob(dir + ".old-*")
	require.NoError(t, err)
	require.Len(t, old, 1, "the old folder is kept aside")
	_, err = os.Stat(filepath.Join(old[0], "meter.db"))
	assert.NoError(t, err)
}

// goroutineID is the running goroutine's number, from its stack header ("goroutine 7 [running]:").
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// TestPanelResetsOffTheUIGoroutine: the panel's Reset and a lesson's start close and reopen the
// databases and hash a PIN, so they must not run on the goroutine that delivers taps (the UI goroutine
// in the app, the test's own here); they once did, and froze the screen meanwhile.
func TestPanelResetsOffTheUIGoroutine(t *testing.T) {
	a, tr := trainer(t)
	var resets []string // written by each reset, read after Settle waited for them
	tr.onReset = func() { resets = append(resets, goroutineID()) }
	tapper := goroutineID()

	tapPanel(t, tr, PanelReset)
	require.Len(t, resets, 1)
	assert.NotEqual(t, tapper, resets[0], "Reset ran on the goroutine of the tap")
	assert.Equal(t, ui.ScreenSignIn, a.Screen(), "fresh demo data, nobody signed in")
	consistent(t, tr.Sim())

	lessons := tr.Lessons()
	tapPanel(t, tr, PanelTabLessons)
	tapPanel(t, tr, PanelLesson(lessons[0].ID))
	require.Len(t, resets, 2)
	assert.NotEqual(t, tapper, resets[1], "the lesson's set-up ran on the goroutine of the tap")
	_, step, ok := tr.CurrentStep()
	require.True(t, ok, "the lesson runs")
	assert.Zero(t, step)
	assert.Equal(t, ui.ScreenHome, a.Screen(), "the lesson's user is signed in")
}
