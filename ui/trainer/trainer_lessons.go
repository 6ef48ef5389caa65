package trainer

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"postmeter/ui"
)

// Lessons lists the guided lessons.
func (t *Trainer) Lessons() []Lesson { return t.lessons }

// LastSummary is the summary of the last finished lesson, if any.
func (t *Trainer) LastSummary() (LessonSummary, bool) {
	if t.last == nil {
		return LessonSummary{}, false
	}
	return *t.last, true
}

// CurrentStep is the step the trainee is on, ok false when no lesson runs.
func (t *Trainer) CurrentStep() (step LessonStep, index int, ok bool) {
	if t.run == nil {
		return LessonStep{}, 0, false
	}
	return t.run.lesson.Steps[t.run.step], t.run.step, true
}

// StartLesson sets up the lesson's scenario on fresh demo data and lights its first target. Like Reset,
// it never runs on the UI goroutine.
func (t *Trainer) StartLesson(id string) error {
	var lesson *Lesson
	for i := range t.lessons {
		if t.lessons[i].ID == id {
			lesson = &t.lessons[i]
		}
	}
	if lesson == nil {
		return fmt.Errorf("%w %q", errNoLesson, id)
	}
	t.app.Act(t.stopLesson)
	opts, err := lesson.Setup.options()
	if err != nil {
		return err
	}
	if err := t.Reset(opts, lesson.Setup.User); err != nil {
		return err
	}
	t.app.Act(func() {
		if lesson.Setup.LinkDown {
			t.sim.Link.SetUp(false)
		}
		t.run = &lessonRun{lesson: *lesson, started: time.Now()}
		t.app.SetTapGuard(t.lessonTap)
		t.highlight()
		t.showTab("lessons")
	})
	return nil
}

// stopLesson ends the lesson without a summary.
func (t *Trainer) stopLesson() {
	if t.run == nil {
		return
	}
	t.unlight()
	t.run = nil
	t.app.SetTapGuard(nil)
}

// stepAppears does the current step's action once its target is on screen: the trainee first sees
// the failure, then the trainer fixes its cause.
func (t *Trainer) stepAppears() {
	r := t.run
	if r.did {
		return
	}
	r.did = true
	if r.lesson.Steps[r.step].Do == "link-up" {
		t.sim.Link.SetUp(true)
	}
}

// lessonTap sees every tap on the meter screen during a lesson: the right one moves the lesson on,
// any other is counted, refused and answered with the step's instruction.
func (t *Trainer) lessonTap(id ui.ID) bool {
	r := t.run
	step := r.lesson.Steps[r.step]
	if id != step.Target {
		r.wrong++
		r.note = "Not quite. " + step.Text
		t.showTab("lessons")
		return false
	}
	t.unlight()
	r.note = ""
	r.step++
	if r.step == len(r.lesson.Steps) {
		t.last = &LessonSummary{Lesson: r.lesson.Title, Steps: len(r.lesson.Steps), Wrong: r.wrong, Took: time.Since(r.started)}
		t.run = nil
		t.app.SetTapGuard(nil)
	} else {
		r.did = false
	}
	t.showTab("lessons")
	return true
}

// highlight lights the current step's target, wherever it is drawn now.
func (t *Trainer) highlight() {
	r := t.run
	if r == nil {
		return
	}
	b := t.app.FindButton(r.lesson.Steps[r.step].Target)
	if b == r.lit {
		return
	}
	t.unlight()
	if b == nil {
		return
	}
	t.stepAppears()
	r.lit, r.litWas = b, b.Importance
	b.Importance = widget.SuccessImportance
	b.Refresh()
}

func (t *Trainer) unlight() {
	if t.run == nil || t.run.lit == nil {
		return
	}
	t.run.lit.Importance = t.run.litWas
	t.run.lit.Refresh()
	t.run.lit = nil
}

func (t *Trainer) lessonsTab() fyne.CanvasObject {
	box := panelVBox()
	if r := t.run; r != nil {
		step := r.lesson.Steps[r.step]
		box.Add(panelParagraph(r.lesson.Title, SizeNamePanelHeading, true))
		box.Add(panelParagraph(fmt.Sprintf("Step %d of %d · %s", r.step+1, len(r.lesson.Steps), wrongTouches(r.wrong)), SizeNamePanelCaption, false))
		box.Add(panelParagraph(step.Text, SizeNamePanelText, false))
		if r.note != "" {
			box.Add(panelNote(r.note))
		}
		box.Add(newPanelButton(PanelStopLesson, "Stop lesson", func() {
			t.app.Act(func() {
				t.stopLesson()
				t.showTab("lessons")
			})
		}))
		return box
	}
	if t.last != nil {
		box.Add(panelParagraph("Lesson complete", SizeNamePanelHeading, true))
		box.Add(panelParagraph(t.last.String(), SizeNamePanelText, false))
		box.Add(widget.NewSeparator())
	}
	for _, l := range t.lessons {
		l := l
		box.Add(newPanelButton(PanelLesson(l.ID), l.Title, func() {
			t.offUI(func() error { return t.StartLesson(l.ID) }) // it resets: not on the UI goroutine
		}))
	}
	return box
}
