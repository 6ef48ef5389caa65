package startup

import (
	"fyne.io/fyne/v2"

	"postmeter/ui"
)

// BuildWhileShowing builds the screens on another goroutine while the main one creates the window:
// opening the databases, reaching the Data Center and building and laying out the screens take about
// as long as creating an X window with a GL context, and a meter has two cores. The build must not
// touch the window; the caller attaches the screens on the main goroutine afterwards.
func BuildWhileShowing(w fyne.Window, build func() (*ui.App, error)) (*ui.App, error) {
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
