package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/testenv"
	"postmeter/meter"
)

// TestNoDisplayIsOneClearLine runs the real binary (GL driver) where there is no X server: once with
// DISPLAY unset, once naming a display nothing serves. Each time it must say so in one line that says
// what to do, exit 1 and write nothing, where it once panicked inside GLFW with a stack trace.
func TestNoDisplayIsOneClearLine(t *testing.T) {
	bin := buildBinary(t)
	for name, env := range map[string][]string{
		"DISPLAY unset":            testenv.Environ([]string{"DISPLAY"}),
		"DISPLAY with no X server": testenv.Environ([]string{"DISPLAY"}, "DISPLAY=:917"),
	} {
		t.Run(name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			code, _, stderr := testenv.Run(t, bin, env, "-data", data)
			assert.Equal(t, 1, code, stderr)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			require.Len(t, lines, 1, "one line: %s", stderr)
			assert.Contains(t, lines[0], "postmeter: no display")
			assert.Contains(t, lines[0], "DISPLAY")
			assert.Contains(t, lines[0], "xvfb-run", "says what to do")
			assert.NotContains(t, stderr, "panic")
			_, err := os.Stat(data)
			assert.True(t, os.IsNotExist(err), "nothing written without a display")
		})
	}
}

// TestGalleryLogsNoErrors renders a scene with the real binary built as `go run ./cmd/postmeter
// gallery` builds it (no tags: Fyne's thread checks on), with Debian's default locale C.UTF-8, and no
// display. Its log must hold no Fyne error: no unparseable locale, no fyne.Do from the main goroutine.
func TestGalleryLogsNoErrors(t *testing.T) {
	bin := testenv.Build(t, "./cmd/postmeter", "")
	out := t.TempDir()
	env := testenv.Environ([]string{"DISPLAY", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"}, "LANG=C.UTF-8")
	code, stdout, stderr := testenv.Run(t, bin, env, "gallery", "-scene", "home", "-out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, filepath.Join(out, "home.png"))
	assert.NotContains(t, stderr, "Error parsing user locale")
	assert.NotContains(t, stderr, "fyne.Do")
	assert.NotContains(t, stderr, "Error in Fyne call thread")
	assert.NotContains(t, stderr, "Fyne error")
}

// TestUnknownModelIsRefusedBeforeAnythingIsWritten: an unknown -model once left a data folder with a
// Data Center but no demo meter data, and the next start made none. Now it is refused at once, with
// the known models named, and the folder is not made.
func TestUnknownModelIsRefusedBeforeAnythingIsWritten(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-data", data, "-model", "P9999"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), `unknown meter model "P9999"`)
	models, err := meter.LoadModels()
	require.NoError(t, err)
	for _, m := range models {
		assert.Contains(t, stderr.String(), m.Name, "the refusal names every known model")
	}
	_, err = os.Stat(data)
	assert.True(t, os.IsNotExist(err), "nothing written for an unknown model: %v", err)
}
