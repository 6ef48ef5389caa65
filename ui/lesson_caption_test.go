package ui_test

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/ui"
	"postmeter/ui/trainer"
)

// TestLessonSurvivesACaptionChange rewords the Funds tile, the lesson's first target, and plays the
// lesson "refill-from-home" to its end by the targets' IDs: no wrong touch, because lessons name
// buttons by ID, not by caption. The tile must really show the new words, or the test proves nothing.
func TestLessonSurvivesACaptionChange(t *testing.T) {
	const reworded = "Postage funds"
	restore := ui.RenameCaption("ui.funds", reworded)
	t.Cleanup(restore)

	test.NewTempApp(t)
	test.ApplyTheme(t, ui.KioskTheme{})
	w := fyne.CurrentApp().NewWindow("postmeter")
	w.Resize(trainer.Size)
	tr, err := trainer.New(w, trainer.Options{Dir: t.TempDir(),
		Clock: meter.FixedClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close(); w.Close() })
	a := tr.App()
	require.NoError(t, tr.StartLesson("refill-from-home"))
	a.Settle()

	require.NotNil(t, a.FindButton(ui.IDFunds))
	assert.Contains(t, a.Texts(), reworded, "the caption changed on the screen")
	assert.NotContains(t, a.Texts(), "Funds", "the old caption is gone")

	for i := 0; ; i++ {
		step, _, ok := tr.CurrentStep()
		if !ok {
			break
		}
		require.Less(t, i, 50, "the lesson does not end")
		b := a.FindButton(step.Target)
		require.NotNil(t, b, "step %d: no button %s on %s", i+1, step.Target, a.ScreenState())
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		test.TapCanvas(w.Canvas(), pos.Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2)))
		a.Settle()
	}
	sum, ok := tr.LastSummary()
	require.True(t, ok, "the lesson finished")
	assert.Zero(t, sum.Wrong, "no wrong touches")
	assert.Equal(t, ui.ScreenHome, a.Screen())
	require.NoError(t, tr.Sim().CheckSettled(context.Background()))
	regs, err := tr.Sim().Meter.Registers(context.Background())
	require.NoError(t, err)
	assert.Positive(t, int64(regs.Available), "the refill went through")
}
