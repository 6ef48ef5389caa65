package startup

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestXAddress(t *testing.T) {
	for d, want := range map[string][2]string{
		":0":             {"unix", "/tmp/.X11-unix/X0"},
		":12.0":          {"unix", "/tmp/.X11-unix/X12"},
		"unix:3":         {"unix", "/tmp/.X11-unix/X3"},
		"localhost:10.0": {"tcp", "localhost:6010"},
		"192.168.1.20:1": {"tcp", "192.168.1.20:6001"},
	} {
		network, addr, ok := XAddress(d)
		require.True(t, ok, d)
		assert.Equal(t, want, [2]string{network, addr}, d)
	}
	for _, d := range []string{"/private/tmp/launch-x/org.xquartz:0", "nonsense", ":x"} {
		_, _, ok := XAddress(d)
		assert.False(t, ok, d)
	}
}

func TestParseSize(t *testing.T) {
	s, err := ParseSize("1024x600")
	require.NoError(t, err)
	assert.Equal(t, float32(1024), s.Width)
	assert.Equal(t, float32(600), s.Height)
	for _, bad := range []string{"", "1024", "axb", "100x100", "1024x"} {
		_, err := ParseSize(bad)
		assert.Error(t, err, bad)
	}
}

// Without DISPLAY the error names the program to run and how to get an X server; a build with -tags ci
// (Fyne's test driver, which draws in memory) needs none.
func TestCheckDisplayWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	err := CheckDisplay("postmeter-kiosk")
	if !needsDisplay {
		require.NoError(t, err, "built with -tags ci: no display needed")
		return
	}
	require.ErrorIs(t, err, ErrNoDisplay)
	assert.Contains(t, err.Error(), "run postmeter-kiosk in an X session")
	assert.Contains(t, err.Error(), "xvfb-run")
}
