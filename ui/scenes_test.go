package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
)

// TestScenes compares every screen in every state with its golden markup.
func TestScenes(t *testing.T) {
	for _, sc := range Scenes {
		t.Run(sc.Name, func(t *testing.T) {
			a, _ := play(t, sc)
			assertMarkup(t, "scenes/"+sc.Name+".xml", a.win.Canvas())
		})
	}
}

// pngScenes are the main screens also kept as pictures, with the kiosk theme.
var pngScenes = []string{"home", "run-mail", "funds-meter-funds", "funds-meter-funds-locked", "refill-options",
	"refill-keypad", "refill-confirm", "refill-complete", "refill-print-receipt", "no-connection-error",
	"trainer-panel", "lesson-step", "choose-pin"}

func TestMainScreensLookRight(t *testing.T) {
	byName := map[string]Scene{}
	for _, sc := range Scenes {
		byName[sc.Name] = sc
	}
	for _, name := range pngScenes {
		t.Run(name, func(t *testing.T) {
			a, _ := play(t, byName[name])
			assertImage(t, "screens/"+name+".png", a.win.Canvas().Capture())
		})
	}
}

// TestTouchTargets checks that everything a finger can tap, on every screen, is at least 48×48.
func TestTouchTargets(t *testing.T) {
	for _, sc := range Scenes {
		t.Run(sc.Name, func(t *testing.T) {
			a, _ := play(t, sc)
			n := 0
			for _, o := range visible(a.win.Canvas()) {
				if _, ok := o.(fyne.Tappable); !ok {
					continue
				}
				n++
				s := o.Size()
				assert.True(t, s.Width >= MinTarget && s.Height >= MinTarget,
					"%T %s is %.0f×%.0f, smaller than %d×%d", o, describe(o), s.Width, s.Height, MinTarget, MinTarget)
			}
			assert.NotZero(t, n, "a screen with nothing to tap")
		})
	}
}

func describe(o fyne.CanvasObject) string {
	switch b := o.(type) {
	case *widget.Button:
		return fmt.Sprintf("%q", b.Text)
	case *panelButton:
		return fmt.Sprintf("%q", b.Text)
	}
	return ""
}
