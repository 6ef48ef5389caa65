package scene

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"postmeter/internal/uitest"
	"postmeter/ui"
)

// TestScenes compares every screen in every state with its golden markup.
func TestScenes(t *testing.T) {
	for _, sc := range All {
		t.Run(sc.Name, func(t *testing.T) {
			r := play(t, sc)
			uitest.Markup(t, "scenes/"+sc.Name+".xml", r.Window.Canvas())
		})
	}
}

// pngScenes are the main screens also kept as pictures, with the kiosk theme.
var pngScenes = []string{"settings-devices", "home", "run-mail", "funds-meter-funds", "funds-meter-funds-locked", "refill-options",
	"refill-keypad", "refill-confirm", "refill-complete", "refill-print-receipt", "no-connection-error",
	"trainer-panel", "lesson-step", "choose-pin", "rates", "keyboard", "account-codes", "account-defaults", "run-mail-account-codes", "report-accounts", "end-batch", "sync", "run-mail-weighing",
	"run-mail-options", "presets", "date-correction", "report-funds-print", "auto-refill-settings", "home-auto-refill",
	"refund-ledger", "refund-claim", "refund-mark", "home-refund-warning"}

func TestMainScreensLookRight(t *testing.T) {
	byName := map[string]Scene{}
	for _, sc := range All {
		byName[sc.Name] = sc
	}
	for _, name := range pngScenes {
		t.Run(name, func(t *testing.T) {
			r := play(t, byName[name])
			uitest.Image(t, "screens/"+name+".png", r.Window.Canvas().Capture())
		})
	}
}

func describe(o fyne.CanvasObject) string {
	switch b := o.(type) {
	case *ui.Button:
		return fmt.Sprintf("%s %q", b.ID, b.Text)
	case *widget.Button:
		return fmt.Sprintf("%q", b.Text)
	}
	return ""
}
