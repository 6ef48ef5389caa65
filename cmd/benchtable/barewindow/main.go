// Command barewindow is the baseline of `make bench`: a Fyne window with one label and nothing else,
// built (-tags migrated_fynedo,no_animations) and started (under Xvfb, FYNE_SCALE=1) exactly as
// postmeter is, so the benchmark can tell what postmeter's start-up time and memory add to Fyne's own.
// POSTMETER_QUIT_AFTER quits after a duration, as for postmeter.
package main

import (
	"flag"
	"image/color"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Label is the window's only content; benchtable renders the same to know when it is drawn.
const Label = "postmeter bare window"

// lightTheme is Fyne's default theme in its light variant whatever the desktop says, so the picture
// is known in advance.
type lightTheme struct{}

func (lightTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}
func (lightTheme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (lightTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }
func (lightTheme) Size(n fyne.ThemeSizeName) float32       { return theme.DefaultTheme().Size(n) }

func main() {
	// The window is as large as postmeter's, so both pay for the same framebuffer.
	var width, height int
	flag.IntVar(&width, "width", 1280, "window width")
	flag.IntVar(&height, "height", 800, "window height")
	flag.Parse()
	a := app.NewWithID("com.postmeter.barewindow")
	a.Settings().SetTheme(lightTheme{})
	w := a.NewWindow("barewindow")
	w.SetContent(widget.NewLabel(Label))
	w.Resize(fyne.NewSize(float32(width), float32(height)))
	w.SetFixedSize(true)
	if d, err := time.ParseDuration(os.Getenv("POSTMETER_QUIT_AFTER")); err == nil {
		go func() { time.Sleep(d); fyne.Do(a.Quit) }()
	}
	w.ShowAndRun()
}
