package scene

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/ui"
)

// otherDateStyles are the ways dates were written before one style: weekdays, numeric dates, full
// month names, 24-hour times.
var otherDateStyles = regexp.MustCompile(`\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b|\d{1,2}/\d{1,2}/\d{2,4}|` +
	`\b(January|February|March|April|June|July|August|September|October|November|December)\b|` +
	`\b([01]?\d|2[0-3]):[0-5]\d\b(\s*[AP]M)?`)

// TestOneDateStyle: every date and time on every screen reads "Dec 1, 2026", "5:48 PM" or both.
func TestOneDateStyle(t *testing.T) {
	for _, sc := range All {
		if sc.Trainer {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			r := play(t, sc)
			a := r.App
			for _, s := range a.Texts() {
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

// allWords is the core's catalogue and the screens' captions together.
func allWords() map[meter.MessageID]meter.Entry {
	all := meter.Catalogue()
	for id, e := range ui.Captions() {
		all[id] = e
	}
	return all
}

// template turns a catalogue entry into a pattern: its words exactly, data where its verbs are.
func template(text string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(text); i++ {
		if text[i] == '%' && i+1 < len(text) {
			switch text[i+1] {
			case 's', 'v':
				b.WriteString("(.+?)")
			case 'd':
				b.WriteString(`(-?\d+)`)
			case '%':
				b.WriteString("%")
			}
			i++
			continue
		}
		b.WriteString(regexp.QuoteMeta(text[i : i+1]))
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// plainData is a text that is data alone: an amount, a date or time in the one style, a weight, a
// count, a number such as an account or serial, PIN dots.
var plainData = regexp.MustCompile(`^(\$[\d,]+\.\d{2,3}|[A-Z][a-z]{2} \d{1,2}, \d{4}(, \d{1,2}:\d{2} [AP]M)?|\d{1,2}:\d{2} [AP]M|` +
	`\d+(\.\d)? oz|[A-Z]{0,3}\d+|•*|\d+%)$`)

// fromCatalogue reports whether s is data alone (data holds the names and models of this meter) or
// one or more catalogue entries in a row, each filled with data.
func fromCatalogue(s string, patterns []*regexp.Regexp, data map[string]bool) bool {
	if plainData.MatchString(s) || data[s] {
		return true
	}
	// Split after each full stop; ok[i] says the first i sentences are entries.
	var cuts []int
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			cuts = append(cuts, i+1)
		}
	}
	cuts = append(cuts, len(s))
	starts := append([]int{0}, cuts[:len(cuts)-1]...)
	ok := make([]bool, len(cuts)+1)
	ok[0] = true
	for i := 1; i <= len(cuts); i++ {
		for j := 0; j < i && !ok[i]; j++ {
			if !ok[j] {
				continue
			}
			part := strings.TrimSpace(s[starts[j]:cuts[i-1]])
			for _, p := range patterns {
				if p.MatchString(part) {
					ok[i] = true
					break
				}
			}
		}
	}
	return ok[len(cuts)]
}

// TestScreensSpeakFromTheCatalogue walks every scene and fails on a text on the meter's screen that is
// not from the catalogue (meter.Catalogue and the captions) or built from its entries plus data.
func TestScreensSpeakFromTheCatalogue(t *testing.T) {
	var patterns []*regexp.Regexp
	for _, e := range allWords() {
		patterns = append(patterns, template(e.Text))
	}
	for _, sc := range All {
		if sc.Trainer {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			r := play(t, sc)
			a := r.App
			data := map[string]bool{a.Meter().Model().Name: true}
			for _, u := range a.Meter().Users().List() {
				data[u.Name] = true
			}
			for _, h := range a.Meter().Devices(context.Background()) {
				data[h.Name] = true // how the configuration names a device
			}
			acc, err := a.Meter().Accounts(context.Background())
			require.NoError(t, err)
			for _, c := range acc.List {
				data[c.Name] = true // the account codes' names, as the mailroom chose them
			}
			data[a.KeyboardText()] = true
			presets, err := a.Meter().Presets(context.Background())
			require.NoError(t, err)
			for _, p := range presets.List {
				data[p.Name] = true // the presets' names, as the mailroom chose them
			}
			sync, err := a.Meter().Sync(context.Background())
			require.NoError(t, err)
			data[sync.Profile.Name] = true // the contact profile's name, from its data file
			for _, s := range a.Texts() {
				if utf8.RuneCountInString(s) == 1 {
					continue // a key's cap on the keyboard, a cursor
				}
				for _, e := range allWords() {
					if e.Kind == meter.KindTitle && !strings.Contains(e.Text, "%") {
						assert.NotContains(t, s, e.Text+": "+e.Text, "repeats the title %q", e.Text)
					}
				}
				if fromCatalogue(s, patterns, data) {
					continue
				}
				for _, line := range strings.Split(s, "\n") { // a banner's title and body
					assert.True(t, fromCatalogue(line, patterns, data), "not from the catalogue: %q", line)
				}
			}
		})
	}
}
