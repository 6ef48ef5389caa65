package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"postmeter/meter/simulator"
	"postmeter/ui"
)

// runApp starts the touchscreen: the trainer simulator by default.
func runApp(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postmeter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data folder of the simulator (meter and Data Center databases)")
	screenSize := fs.String("screen", "1280x800", "window size WIDTHxHEIGHT of the meter's screen")
	model := fs.String("model", "", "meter model, e.g. \"SendPro P3000\" or P3000")
	kioskMode := fs.Bool("kiosk", false, "run full screen on the meter, with the devices and Data Center of -config")
	configPath := fs.String("config", "/etc/postmeter/kiosk.json", "the kiosk's configuration file (with -kiosk)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	size, err := parseSize(*screenSize)
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 2
	}
	if err := checkModel(*model); err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 2
	}
	if err := checkDisplay(); err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 1
	}
	tuneMemoryForStartup()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	if *kioskMode {
		return runKiosk(*configPath, log, stderr)
	}

	a := app.NewWithID("com.postmeter.trainer")
	a.Settings().SetTheme(ui.KioskTheme{})
	w := a.NewWindow("postmeter — trainer simulator")
	w.Resize(fyne.NewSize(size.Width+ui.PanelWidth, size.Height))
	w.SetFixedSize(true)
	var trainer *ui.Trainer
	touch, err := buildWhileShowing(w, func() (*ui.App, error) {
		var err error
		trainer, err = ui.BuildTrainer(w, ui.TrainerOptions{Dir: *dataDir, Model: *model, Log: log, IdleCheck: 5 * time.Second})
		if err != nil {
			return nil, err
		}
		return trainer.App(), nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 1
	}
	defer trainer.Close()
	touch.Attach()
	// No PIN in the log, not even the demo ones: the README and the trainer panel show those.
	log.Info("trainer simulator started", "data", *dataDir, "data_center", trainer.Sim().DCURL,
		"supervisor", simulator.DemoSupervisor, "operator", simulator.DemoOperator)
	if os.Getenv("POSTMETER_QUIT_AFTER") != "" {
		d, err := time.ParseDuration(os.Getenv("POSTMETER_QUIT_AFTER"))
		if err == nil {
			go func() { time.Sleep(d); fyne.Do(a.Quit) }()
		}
	}
	a.Run()
	fmt.Fprintln(stdout, "postmeter: stopped")
	return 0
}

// buildWhileShowing builds the screens on another goroutine while the main one creates the window:
// opening the databases, starting the Data Center and building and laying out the screens take about
// as long as creating an X window with a GL context, and a meter has two cores. The build must not
// touch the window; the caller attaches the screens on the main goroutine afterwards.
func buildWhileShowing(w fyne.Window, build func() (*ui.App, error)) (*ui.App, error) {
	type result struct {
		touch *ui.App
		err   error
	}
	done := make(chan result, 1)
	go func() {
		touch, err := build()
		if err == nil {
			// Lay the screens out at their smallest, as SetContent first does: every widget's renderer
			// is made and every text measured here, so SetContent has little left to do.
			c := touch.Content()
			c.Resize(c.MinSize())
			// The first screen's reads (the status bar's postage, the trainer's figures) finish here
			// too, and their results wait for the UI goroutine: the app's loop applies them before its
			// first frame, which is then the whole screen. A read still under way when the loop starts
			// would come back after that frame and cost another.
			touch.Settle()
		}
		done <- result{touch, err}
	}()
	w.Show()
	r := <-done
	return r.touch, r.err
}

// tuneMemoryForStartup holds the garbage collector off while the first screens are built and drawn,
// then, 2 s after start, turns it on again with a soft limit on the heap. Start-up parses fonts into
// about 30 MB of short-lived garbage; collecting it while it grows cost about 25 ms before the first
// frame on 2 cores (cmd/benchtable). Afterwards the limit matters more: a meter has little memory, and
// PIN hashing and rendering impressions at print resolution need large buffers only briefly; under the
// limit the runtime hands them back to the system soon after. GOGC and GOMEMLIMIT override each part.
func tuneMemoryForStartup() {
	const settle = 2 * time.Second
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(-1)
		time.AfterFunc(settle, func() { debug.SetGCPercent(100) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		time.AfterFunc(settle, func() { debug.SetMemoryLimit(40 << 20) })
	}
}

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(filepath.Dir(d), ".local", "share", "postmeter")
	}
	return "postmeter-data"
}

func parseSize(s string) (fyne.Size, error) {
	w, h, ok := strings.Cut(strings.ToLower(s), "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi < 320 || hi < 240 {
		return fyne.Size{}, fmt.Errorf("-screen %q: want WIDTHxHEIGHT, at least 320x240, e.g. 1280x800", s)
	}
	return fyne.NewSize(float32(wi), float32(hi)), nil
}

// runKiosk runs the touchscreen full screen on a real meter: no window chrome, no trainer features, and
// the Data Center from the configuration. Closing the window ends the process (exitWindowClosed).
func runKiosk(configPath string, log *slog.Logger, stderr io.Writer) int {
	cfg, err := loadKioskConfig(configPath)
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 2
	}
	a := app.NewWithID("com.postmeter.kiosk")
	a.Settings().SetTheme(ui.KioskTheme{})
	w := a.NewWindow("postmeter")
	w.SetFullScreen(true)
	// The window has no close button, but another X client can still ask it to close: then the kiosk
	// stops, so that its session ends and systemd starts it again, rather than living on without a screen.
	var closed atomic.Bool
	w.SetCloseIntercept(func() {
		closed.Store(true)
		log.Warn("the kiosk window was closed by another program; stopping so that systemd starts the kiosk again")
		a.Quit()
	})
	var k *kiosk
	touch, err := buildWhileShowing(w, func() (*ui.App, error) {
		var err error
		if k, err = buildKiosk(context.Background(), cfg, log); err != nil {
			return nil, err
		}
		return ui.Build(w, k.meter, ui.Options{IdleCheck: 5 * time.Second, Log: log}), nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 1
	}
	defer func() {
		if err := k.Close(); err != nil {
			log.Error("close the meter's vault", "err", err)
		}
	}()
	defer touch.Close()
	touch.Attach()
	go func() {
		// Settle refills left open by a power cut, once the network is there.
		if err := k.meter.Reconcile(context.Background()); err != nil {
			log.Warn("open refills not settled at start-up", "err", err)
		}
	}()
	a.Run()
	if closed.Load() {
		return exitWindowClosed
	}
	return 0
}

// exitWindowClosed is the kiosk's exit status when its window was closed from outside.
const exitWindowClosed = 3
