package main

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"postmeter/ui"
	"postmeter/ui/scene"
)

// bareTheme mirrors barewindow's theme: Fyne's default in its light variant.
type bareTheme struct{}

func (bareTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}
func (bareTheme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (bareTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }
func (bareTheme) Size(n fyne.ThemeSizeName) float32       { return theme.DefaultTheme().Size(n) }

// tourTaps visits the other screens after the refill: Run Mail, Reports, Settings, every Funds tab,
// and signs out.
var tourTaps = []ui.ID{ui.IDRunMail, ui.IDHome, ui.IDReports, ui.IDHome, ui.IDSettings, ui.IDHome,
	ui.IDFunds, ui.IDTabRefillSettings, ui.IDTabLastRefills, ui.IDTabMeterInfo, ui.IDHome, ui.IDSignOut}

// benchTaps plays the refill and the tour in Fyne's test driver reps times and times each tap that
// changes the screen, from the tap until the next screen is drawn (its background work settled and
// the window rendered by the software painter).
func benchTaps(dir string, reps int) ([]row, error) {
	fyne.CurrentApp().Settings().SetTheme(ui.KioskTheme{})
	ids := append(slices.Clone(scene.SeedArticleTaps), tourTaps...)
	type transition struct {
		id       ui.ID
		from, to string
		d        []time.Duration // one per repetition
	}
	byStep := map[int]*transition{} // the flow is the same every time: step i is the same tap
	for rep := range reps {
		r, err := scene.Play(scene.Scene{Name: "bench"}, filepath.Join(dir, fmt.Sprint(rep)))
		if err != nil {
			r.Close()
			return nil, err
		}
		a, w := r.App, r.Window
		var t0 time.Time
		tap := func(c fyne.Canvas, pos fyne.Position) {
			t0 = time.Now()
			test.TapCanvas(c, pos)
		}
		_, err = scene.TapThrough(a, ids, tap, func(i int, st scene.TapStep) error {
			w.Canvas().Capture()
			d := time.Since(t0)
			if st.Before == st.After {
				return nil // a key on the keypad, a print: the same screen
			}
			tr := byStep[i]
			if tr == nil {
				tr = &transition{id: st.ID, from: st.Before, to: st.After}
				byStep[i] = tr
			}
			tr.d = append(tr.d, d)
			return nil
		})
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	// Each tap's time is its median over the repetitions (a garbage collection in one of them is not
	// the screen's doing); then the slowest tap and the median tap.
	type timed struct {
		*transition
		med time.Duration
	}
	var all []timed
	screens := map[string]bool{}
	for _, tr := range byStep {
		all = append(all, timed{tr, median(tr.d)})
		screens[tr.to] = true
	}
	slices.SortFunc(all, func(a, b timed) int { return int(a.med - b.med) })
	slowest, mid := all[len(all)-1], all[len(all)/2]
	limit := 100 * time.Millisecond
	return []row{
		{figure: fmt.Sprintf("tap → next screen drawn, test driver: slowest of %d screen changes to %d screens (median of %d runs each)",
			len(all), len(screens), reps),
			value:    fmt.Sprintf("%s (%s → %s → %s)", ms(slowest.med), slowest.from, slowest.id, slowest.to),
			baseline: "target ≤ 100 ms", ratio: fmt.Sprintf("%.2f× the target", float64(slowest.med)/float64(limit)),
			result: passFail(slowest.med <= limit)},
		{figure: "tap → next screen drawn, test driver: median screen change", value: ms(mid.med),
			baseline: "target ≤ 100 ms", ratio: fmt.Sprintf("%.2f× the target", float64(mid.med)/float64(limit)),
			result: passFail(mid.med <= limit)},
	}, nil
}

// startTestApp makes Fyne's test driver the current app: the screens are laid out and drawn by its
// software painter, with no display.
func startTestApp() fyne.App {
	a := test.NewApp()
	a.Settings().SetTheme(ui.KioskTheme{})
	return a
}
