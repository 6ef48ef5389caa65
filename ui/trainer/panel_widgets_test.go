package trainer

import (
	"image/color"
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
)

// TestPanelRebuildsDoNotGrowMemory rebuilds and draws the trainer panel, as every control and every
// screen change does, and checks the heap does not grow with it. Drawn through a ThemeOverride, each
// rebuild kept about 12 MiB of freshly parsed fonts.
func TestPanelRebuildsDoNotGrowMemory(t *testing.T) {
	a, tr := trainer(t)
	c := a.Window().Canvas()
	rebuild := func(tab string) {
		a.Act(func() { tr.showTab(tab) })
		a.Settle()
		c.Capture()
	}
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	tabs := []string{"controls", "tray", "lessons"}
	for _, tab := range tabs { // the first drawing of each tab fills the caches it keeps
		rebuild(tab)
	}
	before := heap()
	const rounds = 10
	for range rounds {
		for _, tab := range tabs {
			rebuild(tab)
		}
	}
	grown := heap() - before
	assert.Less(t, grown, int64(4<<20), "heap grew %.1f MiB over %d panel rebuilds", float64(grown)/(1<<20), rounds*len(tabs))
}

// TestPanelButtonColoursFollowImportance checks the panel's buttons say what they are by colour: lit
// (on), a lesson's target, a warning, and disabled, each differently from a plain button.
func TestPanelButtonColoursFollowImportance(t *testing.T) {
	seen := map[[2]string]widget.Importance{}
	for _, imp := range []widget.Importance{widget.MediumImportance, widget.HighImportance, widget.SuccessImportance, widget.WarningImportance} {
		bg, fg := panelButtonColours(imp, false)
		key := [2]string{string(bg), string(fg)}
		assert.NotContains(t, seen, key, "importance %d looks like %d", imp, seen[key])
		seen[key] = imp
	}
	bg, fg := panelButtonColours(widget.HighImportance, true)
	assert.NotContains(t, seen, [2]string{string(bg), string(fg)}, "a disabled button looks like an enabled one")
}

func TestPanelRowLayout(t *testing.T) {
	fixed := func(w, h float32) fyne.CanvasObject {
		r := canvas.NewRectangle(color.Black)
		r.SetMinSize(fyne.NewSize(w, h))
		return r
	}
	name, a, b := fixed(40, 20), fixed(60, 48), fixed(30, 30)
	row := panelRowLayout{lead: 96}
	objs := []fyne.CanvasObject{name, a, b}
	assert.Equal(t, fyne.NewSize(96+panelPadding+2*60+panelPadding, 48), row.MinSize(objs), "name column, two of the widest, gaps")

	row.Layout(objs, fyne.NewSize(300, 50))
	assert.Equal(t, fyne.NewSize(96, 50), name.Size())
	col := (300 - 96 - 2*float32(panelPadding)) / 2
	assert.Equal(t, fyne.NewPos(96+panelPadding, 0), a.Position())
	assert.Equal(t, fyne.NewSize(col, 50), a.Size(), "columns share the width equally")
	assert.Equal(t, fyne.NewPos(96+2*panelPadding+col, 0), b.Position())
	assert.Equal(t, float32(300), b.Position().X+b.Size().Width, "the last column ends at the edge")

	bar := panelRowLayout{}
	assert.Equal(t, fyne.NewSize(2*60+panelPadding, 48), bar.MinSize([]fyne.CanvasObject{a, b}), "without a name column")
}
