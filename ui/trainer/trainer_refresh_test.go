package trainer

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter/simulator"
	"postmeter/ui"
)

// TestPanelControlsRedrawOnlyWhenTheyChange: the panel's figures are read again at every screen change,
// and the controls are rebuilt only when something they show differs: after a deposit at the Data
// Center, the next screen change shows the new prepaid balance.
func TestPanelControlsRedrawOnlyWhenTheyChange(t *testing.T) {
	a, tr := trainer(t)
	shown := func() fyne.CanvasObject { return tr.content.Objects[0] }
	before := shown()
	tap(t, a, ui.IDFunds)
	require.Equal(t, ui.ScreenFundsMeterFunds, a.Screen())
	assert.Same(t, before, shown(), "nothing on the controls changed: they are not rebuilt")

	require.NoError(t, tr.Sim().Store.Deposit(context.Background(), simulator.DemoAccount, 100*funds.Dollar))
	acct, err := tr.Sim().Store.Account(context.Background(), simulator.DemoAccount)
	require.NoError(t, err)
	tap(t, a, ui.IDHome)
	require.NotSame(t, before, shown(), "the prepaid balance changed: the controls are rebuilt")
	var texts []string
	for _, o := range visibleUnder(tr.panel) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	assert.Contains(t, strings.Join(texts, "\n"), "prepaid "+acct.Prepaid.String())
}
