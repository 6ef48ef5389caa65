package kiosk

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/cmd/internal/kiosk/kiosktest"
	"postmeter/meter"
)

const scrubExample = `{
  "data_dir": "/var/lib/postmeter",
  "data_center_url": "https://dc.example.com:8443",
  "serial": "PM200001",
  "data_center_key": "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
  "enrollment_token": "0123456789abcdef0123456789abcdef",
  "account_number": "87654321",
  "supervisor": {
    "name": "Sue",
    "pin": "246813"
  },
  "printer_uri": "ipp://localhost:631/printers/Office"
}
`

// TestScrubKeepsEverythingElse: the token and the PIN go, every other field stays in its order.
func TestScrubKeepsEverythingElse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.json")
	require.NoError(t, os.WriteFile(path, []byte(scrubExample), 0o600))
	require.NoError(t, os.Chmod(path, 0o640))

	removed, err := scrubConfig(path, "enrollment_token", "supervisor.pin")
	require.NoError(t, err)
	assert.True(t, removed)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "246813")
	assert.NotContains(t, string(data), "enrollment_token")
	want := strings.Replace(scrubExample, "\"name\": \"Sue\",\n    \"pin\": \"246813\"", "\"name\": \"Sue\"", 1)
	want = strings.Replace(want, "  \"enrollment_token\": \"0123456789abcdef0123456789abcdef\",\n", "", 1)
	assert.Equal(t, want, string(data), "the same file, fields in their order, without the token and the PIN")

	var before, after map[string]any
	require.NoError(t, json.Unmarshal([]byte(scrubExample), &before))
	require.NoError(t, json.Unmarshal(data, &after))
	delete(before["supervisor"].(map[string]any), "pin")
	delete(before, "enrollment_token")
	assert.Equal(t, before, after)

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm(), "the file keeps its mode")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")

	// Nothing more to remove: the file is left alone.
	removed, err = scrubConfig(path, "enrollment_token", "supervisor.pin")
	require.NoError(t, err)
	assert.False(t, removed)
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, again)

	// The scrubbed file still loads.
	c, err := LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, "Sue", c.Supervisor.Name)
	assert.Empty(t, c.Supervisor.PIN)
}

func TestScrubSupervisorPINRefusesBadFiles(t *testing.T) {
	for _, body := range []string{`[1]`, `{"supervisor":`, `{"a":1} {"b":2}`, `{"supervisor":{"pin":"1"}`} {
		path := filepath.Join(t.TempDir(), "kiosk.json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := scrubConfig(path, "supervisor.pin")
		assert.Error(t, err, body)
		data, _ := os.ReadFile(path)
		assert.Equal(t, body, string(data), "a file that cannot be read is not touched")
	}
	_, err := scrubConfig(filepath.Join(t.TempDir(), "absent.json"), "supervisor.pin")
	assert.ErrorIs(t, err, os.ErrNotExist)
	for _, body := range []string{`{"data_dir":"x"}`, `{"supervisor":null}`, `{"supervisor":{"name":"Sue"}}`} {
		path := filepath.Join(t.TempDir(), "kiosk.json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		removed, err := scrubConfig(path, "supervisor.pin")
		require.NoError(t, err, body)
		assert.False(t, removed, body)
	}
}

// TestKioskFirstStartSeedsThenScrubs: the first start creates the supervisor from kiosk.json, who
// must choose a new PIN at the first sign-in, and rewrites kiosk.json without the PIN; the next start
// reads the file without a PIN and keeps the supervisor.
func TestKioskFirstStartSeedsThenScrubs(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := writeConfig(t, kiosktest.New(t, false).Config(t, t.TempDir(), `,"supervisor":{"name":"Ada","pin":"432198"},"model":"P3000"`))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	k, err := Build(ctx, cfg, quiet)
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "432198", "the file keeps no PIN")
	assert.NotContains(t, string(data), "enrollment_token", "nor the spent token")
	assert.Contains(t, string(data), `"name": "Ada"`)

	s, err := k.Meter().Users().SignIn(ctx, "Ada", "432198")
	require.NoError(t, err)
	assert.True(t, s.MustChangePIN())
	assert.ErrorIs(t, k.Meter().Users().Require(s, meter.RightRefill), meter.ErrPINChangeRequired)
	require.NoError(t, k.Close())

	cfg, err = LoadConfig(path)
	require.NoError(t, err)
	k, err = Build(ctx, cfg, quiet)
	require.NoError(t, err)
	defer k.Close()
	assert.Equal(t, []meter.User{{Name: "Ada", Role: meter.RoleSupervisor}}, k.Meter().Users().List())
	s, err = k.Meter().Users().SignIn(ctx, "Ada", "432198")
	require.NoError(t, err)
	assert.True(t, s.MustChangePIN(), "still to be changed after a restart")
}

// TestKioskRefusesAShortSupervisorPIN: the first supervisor's PIN needs 6 digits; the file keeps it.
func TestKioskRefusesAShortSupervisorPIN(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := writeConfig(t, kiosktest.New(t, false).Config(t, t.TempDir(), `,"supervisor":{"name":"Ada","pin":"4321"}`))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	_, err = Build(context.Background(), cfg, quiet)
	assert.ErrorIs(t, err, meter.ErrInvalidPIN)
	assert.ErrorContains(t, err, "first supervisor")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"pin": "4321"`)
}
