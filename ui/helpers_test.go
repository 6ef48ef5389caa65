package ui

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"postmeter/meter/simulator"
)

// play starts a fresh test app with the kiosk theme, one window, and the scene; everything is closed
// when the test ends.
func play(t *testing.T, sc Scene) (*App, *simulator.Simulator) {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, KioskTheme{})
	a, sim, w, err := PlayScene(sc, t.TempDir())
	t.Cleanup(func() {
		if a != nil {
			a.Close()
		}
		if w != nil {
			w.Close()
		}
		if sim != nil {
			sim.Close()
		}
	})
	require.NoError(t, err)
	return a, sim
}

// assertMarkup compares the window with testdata/<name>; UPDATE_GOLDEN=1 rewrites the golden.
func assertMarkup(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		writeGolden(t, name, []byte(test.RenderToMarkup(c)))
		return
	}
	test.AssertRendersToMarkup(t, name, c)
}

// assertImage compares a capture with testdata/<name>; UPDATE_GOLDEN=1 rewrites the golden.
func assertImage(t *testing.T, name string, img image.Image) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		f := filepath.Join(t.TempDir(), "golden.png")
		require.NoError(t, writePNG(f, img))
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		writeGolden(t, name, data)
		return
	}
	test.AssertImageMatches(t, name, img)
}

func writeGolden(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o644))
}

// visible lists every object drawn on the canvas, overlays (dialogs) included.
func visible(c fyne.Canvas) []fyne.CanvasObject {
	return visibleUnder(append([]fyne.CanvasObject{c.Content()}, c.Overlays().List()...)...)
}

// visibleUnder lists the visible objects in the trees of roots.
func visibleUnder(roots ...fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(x).Objects() {
				walk(child)
			}
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

// button finds the visible button labelled text on top: in the dialog if one is open, else on the
// screen. It fails the test if there is none or more than one.
func button(t *testing.T, a *App, text string) *widget.Button {
	t.Helper()
	var found []*widget.Button
	objs := visibleUnder(a.meterScreen) // the meter's screen, not the trainer panel beside it
	if a.modal != nil {
		objs = visibleUnder(a.modal)
	}
	for _, o := range objs {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = append(found, b)
		}
	}
	require.Len(t, found, 1, "buttons labelled %q on %s (dialog %q)", text, a.screen, a.modalID)
	return found[0]
}

// tap taps the button labelled text at its centre through the canvas, as a finger would: whatever is
// drawn on top there gets the tap. Then it waits for the work the tap started.
func tap(t *testing.T, a *App, text string) {
	t.Helper()
	b := button(t, a, text)
	require.False(t, b.Disabled(), "button %q is disabled", text)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	centre := pos.Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2))
	test.TapCanvas(a.win.Canvas(), centre)
	a.Settle()
}

// tapDigits keys digits on the keypad on screen.
func tapDigits(t *testing.T, a *App, digits string) {
	t.Helper()
	for _, d := range digits {
		tap(t, a, string(d))
	}
}
