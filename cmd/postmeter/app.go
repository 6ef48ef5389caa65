package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	printer := fs.Bool("printer", true, "simulate an attached office printer (Print on document)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	size, err := parseSize(*screenSize)
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)

	sim, err := simulator.Start(context.Background(), simulator.Options{Dir: *dataDir, Model: *model, Printer: *printer, Log: log})
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 1
	}
	defer sim.Close()
	log.Info("trainer simulator started", "data", *dataDir, "data_center", sim.DCURL,
		"supervisor", simulator.DemoSupervisor+" PIN "+simulator.DemoSupervisorPIN,
		"operator", simulator.DemoOperator+" PIN "+simulator.DemoOperatorPIN)

	a := app.NewWithID("com.postmeter.trainer")
	a.Settings().SetTheme(ui.KioskTheme{})
	w := a.NewWindow("postmeter — trainer simulator")
	w.Resize(size)
	w.SetFixedSize(true)
	touch := ui.New(w, sim.Meter, ui.Options{IdleCheck: 5 * time.Second, Log: log})
	defer touch.Close()
	if os.Getenv("POSTMETER_QUIT_AFTER") != "" {
		d, err := time.ParseDuration(os.Getenv("POSTMETER_QUIT_AFTER"))
		if err == nil {
			go func() { time.Sleep(d); fyne.Do(a.Quit) }()
		}
	}
	w.ShowAndRun()
	fmt.Fprintln(stdout, "postmeter: stopped")
	return 0
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
