package scene

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/uitest"
	"postmeter/ui"
	"postmeter/ui/trainer"
)

// Sizes are the meter screens every screen must fit: a 7" 1024×600 panel, the 10" 1280×800 default
// and a full-HD 1920×1080 display.
var Sizes = []fyne.Size{{Width: 1024, Height: 600}, ui.ScreenSize, {Width: 1920, Height: 1080}}

func sizeName(s fyne.Size) string { return fmt.Sprintf("%.0fx%.0f", s.Width, s.Height) }

// playAt is play on a meter screen of size.
func playAt(t *testing.T, sc Scene, size fyne.Size) *Run {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, ui.KioskTheme{})
	r, err := PlayAt(sc, t.TempDir(), size)
	t.Cleanup(r.Close)
	require.NoError(t, err)
	r.App.Relayout()
	return r
}

// windowFor is the window a scene is drawn in on a meter screen of size: the trainer's is wider.
func windowFor(sc Scene, size fyne.Size) fyne.Size {
	if sc.Trainer {
		return trainer.WindowSize(size)
	}
	return size
}

// TestEveryScreenFitsEverySize brings every scene up on each meter screen size and checks there:
//   - that it fits: it fails when what the window shows needs more room than the window has (a real
//     window would grow past the display, and its bottom row of buttons would be cut off); the
//     trainer's window is the meter screen plus its panel;
//   - its touch targets: everything a finger
//     can tap is at least 48×48 and lies wholly inside the window (the trainer panel's controls may
//     scroll).
//
// Each scene is played once, at the smallest size (where a window too small for its content would
// grow), then its window is resized to the larger ones and laid out again, as a real window is: the
// scenes are too slow to play three times each under the race detector.
func TestEveryScreenFitsEverySize(t *testing.T) {
	for _, sc := range All {
		t.Run(sc.Name, func(t *testing.T) {
			r := playAt(t, sc, Sizes[0])
			for i, size := range Sizes {
				t.Run(sizeName(size), func(t *testing.T) {
					if i > 0 {
						r.App.Act(func() { r.Window.Resize(windowFor(sc, size)) })
						r.App.Relayout()
					}
					checkFits(t, r, sc, size)
					checkTouchTargets(t, r, sc, size)
				})
			}
		})
	}
}

func checkFits(t *testing.T, r *Run, sc Scene, size fyne.Size) {
	t.Helper()
	win := windowFor(sc, size)
	need := r.Window.Content().MinSize()
	if r.Window.Padded() {
		need = need.Add(fyne.NewSquareSize(2 * theme.Padding()))
	}
	assert.True(t, need.Width <= win.Width && need.Height <= win.Height,
		"%s at %s: the window needs %s, more than %s (the meter screen alone needs %s)", sc.Name, sizeName(size),
		sizeName(need), sizeName(win), sizeName(r.App.MeterScreenMinSize()))
	assert.Equal(t, sizeName(win), sizeName(r.Window.Canvas().Size()), "the window grew to its content")
}

func checkTouchTargets(t *testing.T, r *Run, sc Scene, size fyne.Size) {
	t.Helper()
	win := r.Window.Canvas().Size()
	d := fyne.CurrentApp().Driver()
	n := 0
	for _, o := range uitest.Visible(r.Window.Canvas()) {
		if _, ok := o.(fyne.Tappable); !ok {
			continue
		}
		n++
		s := o.Size()
		p := d.AbsolutePositionForObject(o)
		inPanel := sc.Trainer && p.X >= size.Width
		if inPanel && fmt.Sprintf("%T", o) == "*widget.scrollBarArea" {
			continue // the panel's controls scroll on a low screen: the panel is used with a mouse
		}
		assert.True(t, s.Width >= ui.MinTarget && s.Height >= ui.MinTarget,
			"%T %s is %.0f×%.0f, smaller than %d×%d", o, describe(o), s.Width, s.Height, ui.MinTarget, ui.MinTarget)
		if inPanel {
			continue // scrolled out of sight, perhaps
		}
		assert.True(t, p.X >= 0 && p.Y >= 0 && p.X+s.Width <= win.Width+0.5 && p.Y+s.Height <= win.Height+0.5,
			"%T %s at %.0f,%.0f size %.0f×%.0f is outside the %s window", o, describe(o), p.X, p.Y, s.Width, s.Height, sizeName(win))
	}
	assert.NotZero(t, n, "a screen with nothing to tap")
}
