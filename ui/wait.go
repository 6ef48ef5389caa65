package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// quickWork is how long work started by a tap may run off the UI goroutine before the screen says that
// it waits. A result that comes sooner is drawn in one frame, without a "please wait" drawn for a frame
// before it: with software GL on a meter's two cores a frame of the whole window takes 10-60 ms of CPU,
// taken from the work it waits for, so a refill of 30-40 ms drawn as progress and then its completion
// took 170 ms to show its outcome, 85-100 ms drawn once (cmd/benchtable, quickWork 40 against 70 ms).
// A slower result still shows its wait about 100 ms after the tap.
var quickWork = 70 * time.Millisecond

// unlessQuick runs wait on the UI goroutine if the work just started is still running after quickWork.
// Call finished on the UI goroutine when the work's result is shown; wait never runs after it. Until
// one of them runs the meter's screen takes no taps: nothing on it says yet that the last tap is being
// worked on, and a second Confirm must not start a second refill. Both run on the UI goroutine (under
// uiMu in Fyne's test driver), so their state needs no lock.
func (a *App) unlessQuick(wait func()) (finished func()) {
	done := false
	a.busy++
	settle := func() bool {
		if done {
			return false
		}
		done = true
		a.busy--
		return true
	}
	t := time.AfterFunc(quickWork, func() {
		if a.ctx.Err() != nil {
			return
		}
		a.onUI(func() {
			if settle() && a.ctx.Err() == nil {
				wait()
				a.changed()
			}
		})
	})
	return func() {
		settle()
		t.Stop()
	}
}

// openScreen shows screen name, whose body needs data read off the UI goroutine. A quick read draws
// the screen once, with its data; a slow one draws it with the waiting body after quickWork and puts
// the data in its place when it comes, in place, so a dialog opened over the screen meanwhile stays.
// frame wraps the body in the screen (title, buttons); shown, if not nil, runs once the screen is
// drawn, with or without its data (a message to show over it). A screen the clerk opened meanwhile is
// left alone.
func openScreen[T any](a *App, name ScreenID, frame func(body fyne.CanvasObject) fyne.CanvasObject, waiting func() fyne.CanvasObject,
	read func(ctx context.Context) (T, error), build func(T) fyne.CanvasObject, shown func()) {
	holder := container.NewStack()
	seq := a.screenSeq
	drawn := false
	draw := func(body fyne.CanvasObject) {
		holder.Objects = []fyne.CanvasObject{body}
		if drawn {
			holder.Refresh()
			a.changed()
			return
		}
		drawn = true
		if a.screenSeq != seq {
			return // the clerk went elsewhere before this screen came
		}
		a.setScreen(name, frame(holder))
		seq = a.screenSeq
		if shown != nil {
			shown()
		}
	}
	finished := a.unlessQuick(func() { draw(waiting()) })
	readThen(a, read, func(v T, err error) {
		finished()
		if drawn && a.screenSeq != seq {
			return // the clerk left the screen while it waited
		}
		if err != nil {
			if !drawn {
				shown = nil // the failure is the message shown over the screen
				draw(waiting())
			}
			a.fail(err, nil)
			return
		}
		draw(build(v))
	})
}
