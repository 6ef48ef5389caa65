package ui

import (
	"context"
	"image/color"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer/when"
)

// Options configures the touchscreen.
type Options struct {
	// IdleCheck is how often the idle sign-out is checked; 0 disables the check (tests drive it).
	IdleCheck time.Duration
	// ConnectionCheck is how often the status bar reads the connection again (and the core probes for
	// owed refills); 0 means every second when IdleCheck is set (the app), never otherwise (tests drive
	// it with PollConnection).
	ConnectionCheck time.Duration
	// Side, if set, is shown beside the meter screen (the trainer panel); the kiosk has none.
	Side fyne.CanvasObject
	// Pending, if set, waits for work the side panel started off the UI goroutine (a trainer's reset):
	// Settle and Close wait for it too.
	Pending func()
	Log     *slog.Logger
}

// App is the meter's touchscreen in one window.
type App struct {
	win  fyne.Window
	m    *meter.Meter
	opts Options
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // background work in flight; Settle waits for it
	// uiMu serialises results coming back from background work. In the app they all run on the main
	// thread anyway; Fyne's test driver runs fyne.Do on the calling goroutine, so there it matters.
	uiMu sync.Mutex
	// pending are the results waiting for the UI goroutine (onUI), in order.
	pendingMu sync.Mutex
	pending   []func()

	session   *meter.Session
	devicesAt time.Time // when the status bar last asked the devices (guarded by uiMu)
	screen    ScreenID  // the name of the screen shown: tests, lessons and the gallery read it
	// screenSeq counts the screens shown, so a screen whose data comes late knows the clerk moved on.
	screenSeq int
	// busy counts the taps whose work has not yet shown its result or its wait (see unlessQuick).
	busy   int
	body   *fyne.Container
	status *statusBar
	// meterScreen is the meter's screen: the status bar and the body, without the trainer panel.
	meterScreen fyne.CanvasObject
	content     fyne.CanvasObject // what the window shows: the meter's screen and the side panel
	// dialogs is the layer over the meter's screen where a dialog sits: it covers the screen, not the
	// trainer panel beside it. modal is the dialog shown, nil if none.
	dialogs *fyne.Container
	modal   *fyne.Container
	modalID DialogID

	// Each flow's state in its own struct: the refill's, Run Mail's job, and where the clerk returns.
	flow     refillFlow
	job      runMailJob
	nav      navigation
	pinPad   *keypad   // the keypad on screen, for tests and scenes
	pinPadOK func()    // its OK
	kbd      *keyboard // the on-screen keyboard on screen, for tests and scenes

	// OnScreen, if set, hears every screen change.
	OnScreen func(name ScreenID)

	// tapGuard, if set, sees every tap first and may refuse it (a guided lesson's wrong touch).
	tapGuard func(id ID) bool
	// onChange, if set, hears that what is drawn changed (the trainer re-highlights a lesson's target).
	onChange func()
}

// New builds the touchscreen in win and shows the first screen: sign-in when users are enabled,
// otherwise Home.
func New(win fyne.Window, m *meter.Meter, opts Options) *App {
	a := Build(win, m, opts)
	a.Attach()
	return a
}

// Build is New without putting the screens into win, so it can run on another goroutine while the
// window is being created; the caller then sets Content into win on the main goroutine. Results of
// background work reach the screens through fyne.Do, that is once the app runs.
func Build(win fyne.Window, m *meter.Meter, opts Options) *App {
	a := &App{win: win, m: m, opts: opts, log: opts.Log}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.status = newStatusBar(a)
	a.body = container.NewStack()
	a.dialogs = container.NewStack()
	a.meterScreen = container.NewStack(
		container.NewBorder(a.status.object(), nil, nil, nil, container.NewPadded(a.body)), a.dialogs)
	a.content = a.meterScreen
	if opts.Side != nil {
		a.content = container.NewBorder(nil, nil, nil, opts.Side, a.meterScreen)
	}
	a.job = newRunMailJob()
	a.watchAutoRefill()
	if m.Users().Enabled() {
		a.showSignIn("")
	} else {
		a.session = m.Users().Anonymous()
		a.showHome()
	}
	if opts.IdleCheck > 0 {
		a.watchIdle(opts.IdleCheck)
		if opts.ConnectionCheck == 0 {
			opts.ConnectionCheck = time.Second
		}
	}
	if opts.ConnectionCheck > 0 {
		a.watchConnection(opts.ConnectionCheck)
	}
	return a
}

// Content is what the window shows: the meter's screen, with the side panel if there is one.
func (a *App) Content() fyne.CanvasObject { return a.content }

// Attach puts the screens into the window, in turn with results of background work (which Build has
// already started, and which the test driver delivers on their own goroutines).
func (a *App) Attach() { a.act(func() { a.win.SetContent(a.content) }) }

// Screen names the screen shown.
func (a *App) Screen() ScreenID { return a.screen }

// Modal names the dialog shown over the screen, "" if none.
func (a *App) Modal() DialogID { return a.modalID }

// Session is the signed-in user's session.
func (a *App) Session() *meter.Session { return a.session }

// Meter is the core the screens show.
func (a *App) Meter() *meter.Meter { return a.m }

// Window is the window the screens are drawn in.
func (a *App) Window() fyne.Window { return a.win }

// Settle waits until all background work has finished and its results are on screen, the trainer's
// resets included.
func (a *App) Settle() {
	if a.opts.Pending != nil {
		a.opts.Pending()
	}
	a.wg.Wait()
}

// Close stops background work and waits for it to end.
func (a *App) Close() {
	a.cancel()
	if a.opts.Pending != nil {
		a.opts.Pending()
	}
	a.wg.Wait()
}

// WaitBackground waits for the screens' background work only (a trainer's reset waits for it before it
// closes the meter that work uses).
func (a *App) WaitBackground() { a.wg.Wait() }

// SetTapGuard lets guard see every tap on the meter's screen first and refuse it (a guided lesson's
// wrong touch); nil removes it. Call it in turn (Act).
func (a *App) SetTapGuard(guard func(id ID) bool) { a.tapGuard = guard }

// SetOnChange lets f hear that what is drawn changed (the trainer lights a lesson's target again).
func (a *App) SetOnChange(f func()) { a.onChange = f }

// touch counts a tap as activity, so the idle sign-out does not strike a busy clerk.
func (a *App) touch() {
	if a.session != nil {
		a.session.Touch()
	}
}

// setScreen replaces the screen and refreshes the status bar.
func (a *App) setScreen(name ScreenID, content fyne.CanvasObject) {
	a.closeModal()
	a.remember(name)
	a.screen = name
	a.screenSeq++
	a.body.Objects = []fyne.CanvasObject{content}
	a.body.Refresh()
	a.status.refresh()
	if a.OnScreen != nil {
		a.OnScreen(name)
	}
	a.changed()
}

func (a *App) changed() {
	if a.onChange != nil {
		a.onChange()
	}
}

// Rebind shows another meter (the trainer's reset to fresh demo data) on the same screen.
func (a *App) Rebind(m *meter.Meter) {
	a.closeModal()
	a.m = m
	a.session = nil
	a.flow = refillFlow{}
	a.job = newRunMailJob()
	a.watchAutoRefill()
	if m.Users().Enabled() {
		a.showSignIn("")
	} else {
		a.session = m.Users().Anonymous()
		a.showHome()
	}
}

// background runs work off the UI goroutine and then done on it.
func (a *App) background(work func(ctx context.Context) error, done func(err error)) {
	// Once Close has cancelled the screens' context, no new work starts and no result is shown: a
	// failed read after Close once showed an error, whose status bar read again and failed again, and
	// Close waited for that loop forever.
	if a.ctx.Err() != nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		err := work(a.ctx)
		if a.ctx.Err() != nil {
			return
		}
		a.onUI(func() {
			done(err)
			a.status.showConnection() // every request's outcome is on the status bar at once
			a.changed()
		})
	}()
}

// ahead runs work off the UI goroutine for a result the core keeps, not the screen: nothing is shown
// when it ends, and no tap waits for it. Close waits for it like any background work.
func (a *App) ahead(work func()) {
	if a.ctx.Err() != nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		work()
	}()
}

// Act runs f as a tap would: taking its turn with background results. Scenes and the trainer use it to
// drive the screens from outside.
func (a *App) Act(f func()) { a.act(f) }

func (a *App) act(f func()) {
	a.uiMu.Lock()
	defer a.uiMu.Unlock()
	f()
}

// onUI runs f on the UI goroutine, one result at a time. Results that come back while the UI
// goroutine is busy (drawing a frame, say) are applied together, in order, by the first of their calls
// to run: Fyne's loop takes one queued call at a time and may draw a frame between two (20-25 ms of
// CPU with software GL on a meter's two cores), so a screen whose figures came back in three results
// could be drawn three times before it was complete. The later calls find nothing left to do.
func (a *App) onUI(f func()) {
	a.pendingMu.Lock()
	a.pending = append(a.pending, f)
	a.pendingMu.Unlock()
	fyne.Do(a.applyPending)
}

// applyPending runs the results queued by onUI. It takes uiMu before it takes them, so a call that
// finds its result taken by another returns only once that one has applied it (Fyne's test driver
// runs each call on the goroutine that made it).
func (a *App) applyPending() {
	a.uiMu.Lock()
	defer a.uiMu.Unlock()
	a.pendingMu.Lock()
	fs := a.pending
	a.pending = nil
	a.pendingMu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Background runs work off the UI goroutine and then done on it, as the screens' own work does.
func (a *App) Background(work func(ctx context.Context) error, done func(err error)) {
	a.background(work, done)
}

// Later runs f on the UI goroutine, in turn with taps and background results.
func (a *App) Later(f func()) { a.onUI(f) }

// Fail shows an error as the message a clerk reads. Call it in turn (Act, Later, a Background's done).
func (a *App) Fail(err error) { a.fail(err, nil) }

// Load runs a read off the UI goroutine; a failure is shown as a message, success goes to show.
func Load[T any](a *App, read func(ctx context.Context) (T, error), show func(T)) {
	load(a, read, show)
}

// Refresh reads the status bar again and redraws Home if it is shown: something outside the screens
// (the trainer's panel) changed what they show.
func (a *App) Refresh() {
	a.status.refresh()
	a.CheckDevices()
	if a.screen == ScreenHome {
		a.showHome()
	}
}

// load runs a read off the UI goroutine; a failure is shown as a message, success goes to show.
func load[T any](a *App, read func(ctx context.Context) (T, error), show func(T)) {
	readThen(a, read, func(v T, err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		show(v)
	})
}

// readThen runs read off the UI goroutine and then done with what it read, on the UI goroutine.
func readThen[T any](a *App, read func(ctx context.Context) (T, error), done func(T, error)) {
	var v T
	a.background(func(ctx context.Context) error {
		var err error
		v, err = read(ctx)
		return err
	}, func(err error) { done(v, err) })
}

// watchIdle signs the clerk out after the meter's idle time.
func (a *App) watchIdle(every time.Duration) {
	a.every(every, func() { a.onUI(a.CheckIdle) })
}

// watchConnection keeps the status bar's connection current while the clerk waits: the core reads the
// link and settles owed refills off the UI goroutine; the bar shows the result on it.
func (a *App) watchConnection(every time.Duration) {
	a.every(every, a.PollConnection)
}

// every runs f on its own goroutine at each tick until the app closes.
func (a *App) every(d time.Duration, f func()) {
	t := time.NewTicker(d)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-a.ctx.Done():
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// PollConnection probes the connection once (off the UI goroutine) and shows the result.
func (a *App) PollConnection() {
	a.wg.Add(1)
	defer a.wg.Done()
	if a.ctx.Err() != nil {
		return
	}
	a.uiMu.Lock()
	m := a.m
	a.uiMu.Unlock()
	m.Probe(a.ctx)
	a.onUI(a.status.showConnection)
	a.pollDevices(m)
}

// CheckIdle signs out an expired session and shows sign-in.
func (a *App) CheckIdle() {
	if a.session == nil || !a.m.Users().Enabled() || !a.session.Expired() {
		return
	}
	a.session.SignOut()
	a.session = nil
	a.showSignIn(txt("ui.sign-in.idle"))
}

// statusBar is the strip across the top: user, Data Center, date, postage in meter.
type statusBar struct {
	a       *App
	user    *canvas.Text
	dc      *canvas.Text
	dcIcon  *widget.Icon
	dcState meter.ConnState
	date    *canvas.Text
	alert   string // a device that stopped answering, shown instead of the date
	postage *canvas.Text
	box     fyne.CanvasObject
	row     *fyne.Container
}

var statusBarColour = color.NRGBA{0x1f, 0x3b, 0x5c, 0xff}

func newStatusBar(a *App) *statusBar {
	mk := func(s string, align fyne.TextAlign) *canvas.Text {
		t := canvas.NewText(s, color.White)
		t.TextSize = 20
		t.Alignment = align
		return t
	}
	s := &statusBar{a: a, user: mk("", fyne.TextAlignLeading), dc: mk("", fyne.TextAlignCenter),
		date: mk("", fyne.TextAlignCenter), postage: mk("", fyne.TextAlignTrailing)}
	s.postage.TextStyle = fyne.TextStyle{Bold: true}
	s.dc.Alignment = fyne.TextAlignLeading
	s.dcIcon = widget.NewIcon(nil)
	bg := canvas.NewRectangle(statusBarColour)
	bg.SetMinSize(fyne.NewSize(0, 52))
	// User at the left, postage at the right, the connection and the date between them: each part as
	// wide as its words, so the bar fits a 1024-wide screen.
	// The connection and the postage change after a reply from off the UI goroutine, and the bar is not
	// laid out again then: they keep room for their longest words ("Data Center: connected",
	// "Postage in meter: $9,999.99").
	dc := container.NewHBox(minSize(s.dcIcon, 24, 24), minSize(s.dc, 230, 0))
	middle := container.NewCenter(container.NewHBox(dc, minSize(layout.NewSpacer(), 32, 0), s.date))
	row := container.NewBorder(nil, nil, s.user, minSize(s.postage, 290, 0), middle)
	s.row = row
	s.box = container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(0, 0, 16, 16), row))
	return s
}

func (s *statusBar) object() fyne.CanvasObject { return s.box }

// refresh redraws what is known at once and reads the registers off the UI goroutine.
func (s *statusBar) refresh() {
	a := s.a
	if a.session == nil || a.session.Anonymous() && a.m.Users().Enabled() {
		s.user.Text = txt("ui.status.not-signed-in")
	} else if a.session.Anonymous() {
		s.user.Text = txt("ui.status.supervisor-access")
	} else {
		u := a.session.User()
		s.user.Text = txt(CapUserButton, u.Name, u.Role.Label())
	}
	s.showConnection()
	s.showDate()
	s.user.Refresh()
	s.row.Refresh()
	load(a, a.m.Registers, s.showPostage)
}

// showDate shows the date, or a device that stopped answering in its place.
func (s *statusBar) showDate() {
	s.date.Text = when.Date(s.a.m.Now())
	s.date.Color = color.White
	if s.alert != "" {
		s.date.Text = s.alert
		s.date.Color = color.NRGBA{0xff, 0xd0, 0x60, 0xff} // amber on the bar's blue
	}
	s.date.Refresh()
}

// connectionIcons are the status bar's connection icons, white on the bar. They come from the default
// theme by name, as KioskTheme.Icon does: theme.InfoIcon() and the like ask for the running app, which
// does not exist yet while packages are initialised, and Fyne logs an error for each (the kiosk's log
// showed four at every start; the trainer hid them, as linking Fyne's test package starts a dummy app).
var connectionIcons = map[meter.ConnState]fyne.Resource{
	meter.ConnUnknown:   theme.NewColoredResource(theme.DefaultTheme().Icon(theme.IconNameInfo), theme.ColorNameForegroundOnPrimary),
	meter.ConnOnline:    theme.NewColoredResource(theme.DefaultTheme().Icon(theme.IconNameConfirm), theme.ColorNameForegroundOnPrimary),
	meter.ConnNoNetwork: theme.NewColoredResource(theme.DefaultTheme().Icon(theme.IconNameError), theme.ColorNameForegroundOnPrimary),
	meter.ConnNoAnswer:  theme.NewColoredResource(theme.DefaultTheme().Icon(theme.IconNameWarning), theme.ColorNameForegroundOnPrimary),
}

// showConnection shows the connection as the core reads it now: the link and the last request's
// outcome. It sends nothing.
func (s *statusBar) showConnection() {
	c := s.a.m.ConnectionStatus()
	if s.dc.Text == c.Text && s.dcState == c.State && s.dcIcon.Resource != nil {
		return
	}
	s.dcState = c.State
	s.dc.Text = c.Text
	s.dc.Refresh()
	s.dcIcon.SetResource(connectionIcons[c.State])
}

// Connection is the connection state the status bar shows, for tests and lessons.
func (a *App) Connection() (meter.ConnState, string) { return a.status.dcState, a.status.dc.Text }

func (s *statusBar) showPostage(regs funds.Registers) { s.showAvailable(regs.Available) }

// showAvailable shows amount as the postage in the meter.
func (s *statusBar) showAvailable(amount funds.Amount) {
	t := txt("ui.status.postage", amount)
	if s.postage.Text == t {
		return // each refresh draws the whole window again
	}
	s.postage.Text = t
	s.postage.Refresh()
}

// SignInAs makes s the signed-in session and shows Home (the trainer's "sign in as", scenes).
func (a *App) SignInAs(s *meter.Session) {
	a.session = s
	a.showHome()
}

// ScreenSize is the meter's screen, 1280×800 as on a SendPro P-class touchscreen.
var ScreenSize = fyne.NewSize(1280, 800)
