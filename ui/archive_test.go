package ui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
)

// Settings → Sync → Archive old records asks first, then archives what is old enough (nothing on the
// demo meter, whose records are all recent) and says so; an operator is refused by the core.
func TestSyncArchiveAsksThenSaysWhatItDid(t *testing.T) {
	a, sim := play(t, Scene{Name: "sync", User: supervisor()})
	tap(t, a, IDSettings)
	tap(t, a, IDSync)
	require.Equal(t, ScreenSync, a.Screen())

	tap(t, a, IDSyncArchive)
	require.Equal(t, DialogArchiveAsk, a.Modal())
	assert.Contains(t, strings.Join(a.Texts(), "\n"), meter.Words(meter.MsgArchiveAsk, 31), "it says what stays")
	tap(t, a, dialogAction(meter.ActionCancel))
	require.Equal(t, DialogID(""), a.Modal(), "Cancel archives nothing")

	tap(t, a, IDSyncArchive)
	tap(t, a, dialogAction(meter.ActionArchive))
	require.Equal(t, DialogArchived, a.Modal())
	assert.Contains(t, strings.Join(a.Texts(), "\n"), meter.Words(meter.MsgArchiveNone, 31))
	list, err := sim.Vault.Archives(t.Context())
	require.NoError(t, err)
	assert.Empty(t, list)
	require.NoError(t, sim.Vault.Verify(t.Context()))
}

func TestSyncArchiveRefusesAnOperator(t *testing.T) {
	a, _ := play(t, Scene{Name: "sync", User: operator()})
	tap(t, a, IDSettings)
	tap(t, a, IDSync)
	tap(t, a, IDSyncArchive)
	tap(t, a, dialogAction(meter.ActionArchive))
	assert.NotEqual(t, DialogArchived, a.Modal())
	assert.Contains(t, strings.Join(a.Texts(), "\n"), "cannot archive old records")
}
