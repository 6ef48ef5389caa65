package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/testenv"
)

// TestNoDisplayIsOneClearLine runs the kiosk binary (GL driver) where there is no X server, under
// Debian's default locale C.UTF-8: once with DISPLAY unset, once naming a display nothing serves. Each
// time it must say so in one line that names the program and what to do, and exit 1: no Fyne error
// about the locale, no panic inside GLFW, and the configuration not even read.
func TestNoDisplayIsOneClearLine(t *testing.T) {
	bin := buildCommand(t, "./cmd/postmeter-kiosk")
	for name, env := range map[string][]string{
		"DISPLAY unset":            testenv.Environ([]string{"DISPLAY", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"}, "LANG=C.UTF-8"),
		"DISPLAY with no X server": testenv.Environ([]string{"DISPLAY", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"}, "LANG=C.UTF-8", "DISPLAY=:917"),
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, "-config", filepath.Join(t.TempDir(), "absent.json"))
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, stderr.String())
			assert.Equal(t, 1, exit.ExitCode(), stderr.String())
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			require.Len(t, lines, 1, "one line: %s", stderr.String())
			assert.True(t, strings.HasPrefix(lines[0], "postmeter-kiosk: no display: "), lines[0])
			assert.Contains(t, lines[0], "DISPLAY")
			assert.Contains(t, lines[0], "xvfb-run", "says what to do")
			assert.NotContains(t, lines[0], "gallery", "the kiosk has no gallery")
			assert.Empty(t, stdout.String())
		})
	}
}

// Flags the kiosk does not know, and arguments it takes none of, are refused before anything starts.
func TestBadArgumentsAreRefused(t *testing.T) {
	for _, args := range [][]string{{"-kiosk"}, {"-data", "x"}, {"-config", "k.json", "extra"}} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, run(args, &stderr), args)
		assert.NotEmpty(t, stderr.String(), args)
	}
}
