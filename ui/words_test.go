package ui

import (
	"regexp"
	"testing"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
)

// screenTexts is every text the meter's screen shows now, its dialog included (not the trainer
// panel beside it, which the clerk's meter does not have).
func screenTexts(a *App) []string {
	var out []string
	for _, o := range visibleUnder(a.meterScreen) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		}
	}
	return out
}

// otherDateStyles are the ways dates were written before one style: weekdays, numeric dates, full
// month names, 24-hour times.
var otherDateStyles = regexp.MustCompile(`\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b|\d{1,2}/\d{1,2}/\d{2,4}|` +
	`\b(January|February|March|April|June|July|August|September|October|November|December)\b|` +
	`\b([01]?\d|2[0-3]):[0-5]\d\b(\s*[AP]M)?`)

// TestOneDateStyle: every date and time on every screen reads "Dec 1, 2026", "5:48 PM" or both.
func TestOneDateStyle(t *testing.T) {
	for _, sc := range Scenes {
		if sc.Trainer {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			a, _ := play(t, sc)
			for _, s := range screenTexts(a) {
				for _, m := range otherDateStyles.FindAllStringSubmatch(s, -1) {
					if m[len(m)-1] != "" { // a 12-hour time: the one style
						continue
					}
					assert.Fail(t, "another date style", "%q in %q", m[0], s)
				}
			}
		})
	}
}
