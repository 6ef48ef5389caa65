package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"postmeter/cmd/internal/startup"
	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/ui"
	"postmeter/ui/trainer"
)

// runApp runs the trainer simulator in a window of the meter's screen size with the trainer panel beside it.
func runApp(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postmeter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data folder of the simulator (meter and Data Center databases)")
	screen := fs.String("screen", "", "window size WIDTHxHEIGHT of the meter's screen (default: the model's, models.json)")
	model := fs.String("model", "", "meter model, e.g. \"SendPro P3000\" or P3000")
	contact := fs.String("contact-profile", meter.ProfileUSIMI, "the contact clock's jurisdiction: "+
		meter.ProfileUSIMI+" (warning after 24 h, lock after 72 h), "+meter.ProfileCanada+" (21 and 28 days) or "+
		meter.ProfileUSIBILegacy+" (90 and 120 days)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := checkModel(*model); err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 2
	}
	size, err := screenSize(*screen, *model)
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 2
	}
	if _, err := meter.ContactProfile(*contact); err != nil {
		fmt.Fprintln(stderr, "postmeter: -contact-profile:", err)
		return 2
	}
	if err := startup.CheckDisplay("postmeter"); err != nil {
		if errors.Is(err, startup.ErrNoDisplay) {
			err = fmt.Errorf("%w, or render the screens to PNG with `postmeter gallery`", err)
		}
		fmt.Fprintln(stderr, "postmeter:", err)
		return 1
	}
	startup.TuneMemoryForStartup()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	a := app.NewWithID("com.postmeter.trainer")
	a.Settings().SetTheme(ui.KioskTheme{})
	w := a.NewWindow("postmeter — trainer simulator")
	w.Resize(trainer.WindowSize(size))
	w.SetFixedSize(true)
	var tr *trainer.Trainer
	touch, err := startup.BuildWhileShowing(w, func() (*ui.App, error) {
		var err error
		tr, err = trainer.Build(w, trainer.Options{Dir: *dataDir, Model: *model, ContactProfile: *contact, Log: log, IdleCheck: 5 * time.Second})
		if err != nil {
			return nil, err
		}
		return tr.App(), nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "postmeter:", err)
		return 1
	}
	defer tr.Close()
	touch.Attach()
	// No PIN in the log, not even the demo ones: the README and the trainer panel show those.
	log.Info("trainer simulator started", "data", *dataDir, "data_center", tr.Sim().DCURL,
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

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(filepath.Dir(d), ".local", "share", "postmeter")
	}
	return "postmeter-data"
}

// checkModel refuses an unknown -model before anything is written or a window opens; the message
// names the models there are.
func checkModel(name string) error {
	_, err := findModel(name)
	return err
}

// findModel is the model named (meter.DefaultModel if none).
func findModel(name string) (meter.Model, error) {
	if name == "" {
		name = meter.DefaultModel
	}
	models, err := meter.LoadModels()
	if err != nil {
		return meter.Model{}, err
	}
	return meter.ModelByName(models, name)
}

// screenSize is -screen, or the model's screen when it is empty (models.json "screen").
func screenSize(flagValue, model string) (fyne.Size, error) {
	if flagValue != "" {
		return startup.ParseSize(flagValue)
	}
	mo, err := findModel(model)
	if err != nil {
		return fyne.Size{}, err
	}
	return fyne.NewSize(float32(mo.ScreenWidth), float32(mo.ScreenHeight)), nil
}
