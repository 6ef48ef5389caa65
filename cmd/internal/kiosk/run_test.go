package kiosk

import (
	"bytes"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A configuration the kiosk refuses stops it before any window opens: one line that names the file,
// and status 2, which the journal shows as a configuration error rather than a crash.
func TestRunRefusesABadConfigInOneLine(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, path := range []string{filepath.Join(t.TempDir(), "absent.json"), writeConfig(t, `{"data_dir":"x"}`)} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, Run(path, quiet, &stderr))
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		require.Len(t, lines, 1, stderr.String())
		assert.True(t, strings.HasPrefix(lines[0], "postmeter-kiosk: kiosk config"), lines[0])
	}
}
