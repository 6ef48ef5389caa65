package ui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
)

// TestCompletionShowsThePostageInTheStatusBarAtOnce: the completion notice and the status bar's postage
// figure change together, before the registers are read again in the background.
func TestCompletionShowsThePostageInTheStatusBarAtOnce(t *testing.T) {
	a, _ := play(t, Scene{Name: "flow", User: supervisor()})
	c := meter.Completion{Before: 60 * funds.Dollar, Added: 125 * funds.Dollar, After: 185 * funds.Dollar}
	var shown string
	a.act(func() {
		a.showComplete(c)
		shown = a.status.postage.Text // the registers' read has not come back: it waits for act to end
	})
	a.Settle()
	require.Equal(t, ScreenRefillComplete, a.Screen())
	assert.Equal(t, "Postage in meter: "+c.After.String(), shown)
}
