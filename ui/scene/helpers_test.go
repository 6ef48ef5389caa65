package scene

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"postmeter/ui"
)

// play starts a fresh test app with the kiosk theme and plays the scene in one window; everything is
// closed when the test ends.
func play(t *testing.T, sc Scene) *Run {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, ui.KioskTheme{})
	r, err := Play(sc, t.TempDir())
	t.Cleanup(r.Close)
	require.NoError(t, err)
	return r
}
