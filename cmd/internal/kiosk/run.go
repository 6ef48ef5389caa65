package kiosk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/app"

	"postmeter/cmd/internal/startup"
	"postmeter/ui"
)

// ExitWindowClosed is the kiosk's exit status when its window was closed from outside.
const ExitWindowClosed = 3

// Run runs the touchscreen full screen on a real meter with the configuration at configPath: no window
// chrome, no trainer features, and the Data Center of the configuration. It returns the process's exit
// status: 2 for a configuration it refuses, 1 when the meter cannot be built, ExitWindowClosed when
// another program closed the window, 0 otherwise. Errors go to stderr in one line each; the caller has
// checked the display (startup.CheckDisplay) first.
func Run(configPath string, log *slog.Logger, stderr io.Writer) int {
	cfg, err := LoadConfig(configPath)
	if err != nil {
		fmt.Fprintln(stderr, "postmeter-kiosk:", err)
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
	var k *Kiosk
	touch, err := startup.BuildWhileShowing(w, func() (*ui.App, error) {
		var err error
		if k, err = Build(context.Background(), cfg, log); err != nil {
			return nil, err
		}
		return ui.Build(w, k.Meter(), ui.Options{IdleCheck: 5 * time.Second, Log: log}), nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "postmeter-kiosk:", err)
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
		if err := k.Meter().Reconcile(context.Background()); err != nil {
			log.Warn("open refills not settled at start-up", "err", err)
		}
	}()
	a.Run()
	if closed.Load() {
		return ExitWindowClosed
	}
	return 0
}
