package trainer

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"postmeter/assets"
	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/ui"
)

// Lesson is a guided lesson: a scenario to set up and the touches that walk through it.
type Lesson struct {
	ID    string       `json:"id"`
	Title string       `json:"title"`
	Intro string       `json:"intro"`
	Setup LessonSetup  `json:"setup"`
	Steps []LessonStep `json:"steps"`
}

// LessonSetup is the scenario a lesson starts from, on fresh demo data.
type LessonSetup struct {
	User        string `json:"user"`         // who is signed in: "Sue" or "Oscar"
	FirstRefill string `json:"first_refill"` // postage in the meter: an amount, "none", or "" for the demo's
	LinkDown    bool   `json:"link_down"`    // the network cable is out
	// ContactProfile is the contact clock's jurisdiction ("us-imi", "ca", "us-ibi-legacy"), or "" for
	// the trainer's (postmeter -contact-profile).
	ContactProfile string `json:"contact_profile,omitempty"`
}

// LessonStep is one touch: the button to select, by its ID (ui.ID: captions may change, IDs do not), or
// digits to key in, and what to tell the trainee.
type LessonStep struct {
	Target ui.ID  `json:"target"`
	Keys   string `json:"keys"`
	Text   string `json:"text"`
	// Do is something the trainer does when the step begins: "link-up" reconnects the network.
	Do string `json:"do"`
}

// LoadLessons reads the lessons in assets/lessons, in file-name order, with every keyed-in number
// expanded to one step per key.
func LoadLessons() ([]Lesson, error) {
	names, err := fs.Glob(assets.Lessons, "lessons/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Lesson
	for _, name := range names {
		data, err := fs.ReadFile(assets.Lessons, name)
		if err != nil {
			return nil, err
		}
		l, err := parseLesson(data)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", name, err)
		}
		out = append(out, l)
	}
	return out, nil
}

func parseLesson(data []byte) (Lesson, error) {
	var l Lesson
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, err
	}
	if l.ID == "" || l.Title == "" || len(l.Steps) == 0 {
		return l, fmt.Errorf("a lesson needs an id, a title and steps")
	}
	if _, err := l.Setup.options(); err != nil {
		return l, err
	}
	var steps []LessonStep
	for i, s := range l.Steps {
		switch {
		case s.Text == "":
			return l, fmt.Errorf("step %d: no text for the trainee", i+1)
		case (s.Target == "") == (s.Keys == ""):
			return l, fmt.Errorf("step %d: give either a target or keys", i+1)
		case s.Do != "" && s.Do != "link-up":
			return l, fmt.Errorf("step %d: unknown action %q", i+1, s.Do)
		}
		if s.Keys == "" {
			steps = append(steps, s)
			continue
		}
		for j, k := range s.Keys {
			if k < '0' || k > '9' {
				return l, fmt.Errorf("step %d: keys must be digits", i+1)
			}
			ks := LessonStep{Target: ui.Key(string(k)), Text: s.Text}
			if j == 0 {
				ks.Do = s.Do
			}
			steps = append(steps, ks)
		}
	}
	l.Steps = steps
	return l, nil
}

func (s LessonSetup) options() (simulator.Options, error) {
	var o simulator.Options
	switch s.FirstRefill {
	case "":
	case "none":
		o.FirstRefill = -1
	default:
		a, err := funds.ParseAmount(s.FirstRefill)
		if err != nil {
			return o, fmt.Errorf("setup: first_refill: %w", err)
		}
		o.FirstRefill = a
	}
	if s.ContactProfile != "" {
		if _, err := meter.ContactProfile(s.ContactProfile); err != nil {
			return o, fmt.Errorf("setup: contact_profile: %w", err)
		}
		o.ContactProfile = s.ContactProfile
	}
	if s.User != simulator.DemoSupervisor && s.User != simulator.DemoOperator {
		return o, fmt.Errorf("setup: user %q: want %s or %s", s.User, simulator.DemoSupervisor, simulator.DemoOperator)
	}
	return o, nil
}

// lessonRun is a lesson in progress.
type lessonRun struct {
	lesson  Lesson
	step    int
	wrong   int
	started time.Time
	note    string // the gentle correction after a wrong touch
	did     bool   // the current step's Do was done
	lit     *ui.Button
	litWas  widget.Importance
}

// LessonSummary is the end of a lesson.
type LessonSummary struct {
	Lesson string
	Steps  int
	Wrong  int
	Took   time.Duration
}

func (s LessonSummary) String() string {
	return fmt.Sprintf("%s: %d steps in %s, %s", s.Lesson, s.Steps, s.Took.Round(time.Second), wrongTouches(s.Wrong))
}

func wrongTouches(n int) string {
	if n == 1 {
		return "1 wrong touch"
	}
	return fmt.Sprintf("%d wrong touches", n)
}
