package main

import (
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"postmeter/meter"
	"postmeter/ui"
	"postmeter/ui/scene"
)

// runGallery renders every scene to DIR/<scene>.png with the software renderer: no display needed.
func runGallery(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gallery", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "gallery", "folder for the PNG files")
	only := fs.String("scene", "", "render only this scene")
	screen := fs.String("screen", "", "the meter's screen size, WIDTHxHEIGHT (the trainer's panel is added beside it; default: the model's)")
	model := fs.String("model", "", "the meter model to simulate, by name or alias, e.g. \"Connect+ 500W\" or P3000 (default "+meter.DefaultModel+")")
	contact := fs.String("contact-profile", "", "the contact clock's jurisdiction ("+meter.ProfileUSIMI+", "+
		meter.ProfileCanada+" or "+meter.ProfileUSIBILegacy+"; default "+meter.ProfileUSIMI+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *contact != "" {
		if _, err := meter.ContactProfile(*contact); err != nil {
			fmt.Fprintln(stderr, "gallery: -contact-profile:", err)
			return 2
		}
	}
	if *model != "" {
		models, err := meter.LoadModels()
		if err == nil {
			_, err = meter.ModelByName(models, *model)
		}
		if err != nil {
			fmt.Fprintln(stderr, "gallery: -model:", err)
			return 2
		}
	}
	size, err := screenSize(*screen, *model)
	if err != nil {
		fmt.Fprintln(stderr, "gallery: -screen:", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "gallery:", err)
		return 1
	}
	// The binary links Fyne's GL driver, which marks the main goroutine as its own; Fyne's test
	// driver, which renders here, runs fyne.Do on the calling goroutine and, on that one, logs a
	// threading error and moves the call to another goroutine, out of order. So the gallery renders on
	// a goroutine of its own, as Fyne's own tests do.
	failed := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		app := test.NewApp()
		defer app.Quit()
		app.Settings().SetTheme(ui.KioskTheme{})
		for _, sc := range scene.All {
			if *only != "" && sc.Name != *only {
				continue
			}
			if *model != "" {
				sc.Sim.Model = *model
			}
			if *contact != "" {
				sc.Sim.ContactProfile = *contact
			}
			if err := renderScene(sc, *out, size); err != nil {
				fmt.Fprintln(stderr, "gallery:", err)
				failed++
				continue
			}
			fmt.Fprintln(stdout, filepath.Join(*out, sc.Name+".png"))
		}
	}()
	<-done
	if failed > 0 {
		return 1
	}
	return 0
}

func renderScene(sc scene.Scene, out string, size fyne.Size) error {
	dir, err := os.MkdirTemp("", "postmeter-gallery-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r, err := scene.PlayAt(sc, dir, size)
	defer r.Close()
	if err != nil {
		return err
	}
	w := r.Window
	f, err := os.Create(filepath.Join(out, sc.Name+".png"))
	if err != nil {
		return err
	}
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		f.Close()
		return fmt.Errorf("scene %s: %w", sc.Name, err)
	}
	return f.Close()
}
