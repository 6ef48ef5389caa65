package main

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

	"postmeter/meter"
)

const scrubConfig = `{
  "data_dir": "/var/lib/postmeter",
  "data_center_url": "https://dc.example.com:8443",
  "serial": "PM200001",
  "secret": "00112233",
  "account_number": "87654321",
  "supervisor": {
    "name": "Sue",
    "pin": "246813"
  },
  "printer_uri": "ipp://localhost:631/printers/Office"
}
`

func TestScrubSupervisorPINKeepsEverythingElse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.json")
	require.NoError(t, os.WriteFile(path, []byte(scrubConfig), 0o600))
	require.NoError(t, os.Chmod(path, 0o640))

	removed, err := scrubSupervisorPIN(path)
	require.NoError(t, err)
	assert.True(t, removed)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "pin\"")
	assert.NotContains(t, string(data), "246813")
	assert.Equal(t, strings.Replace(scrubConfig, `"name": "Sue",
    "pin": "246813"`, `"name": "Sue"`, 1), string(data), "the same file, fields in their order, without the PIN")

	var before, after map[string]any
	require.NoError(t, json.Unmarshal([]byte(scrubConfig), &before))
	require.NoError(t, json.Unmarshal(data, &after))
	delete(before["supervisor"].(map[string]any), "pin")
	assert.Equal(t, before, after)

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm(), "the file keeps its mode")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")

	// Nothing more to remove: the file is left alone.
	removed, err = scrubSupervisorPIN(path)
	require.NoError(t, err)
	assert.False(t, removed)
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, again)

	// The scrubbed file still loads.
	c, err := loadKioskConfig(path)
	require.NoError(t, err)
	assert.Equal(t, "Sue", c.Supervisor.Name)
	assert.Empty(t, c.Supervisor.PIN)
}

func TestScrubSupervisorPINRefusesBadFiles(t *testing.T) {
	for _, body := range []string{`[1]`, `{"supervisor":`, `{"a":1} {"b":2}`, `{"supervisor":{"pin":"1"}`} {
		path := filepath.Join(t.TempDir(), "kiosk.json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := scrubSupervisorPIN(path)
		assert.Error(t, err, body)
		data, _ := os.ReadFile(path)
		assert.Equal(t, body, string(data), "a file that cannot be read is not touched")
	}
	_, err := scrubSupervisorPIN(filepath.Join(t.TempDir(), "absent.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	for _, body := range []string{`{"data_dir":"x"}`, `{"supervisor":null}`, `{"supervisor":{"name":"Sue"}}`} {
		path := filepath.Join(t.TempDir(), "kiosk.json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		removed, err := scrubSupervisorPIN(path)
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
	path := writeConfig(t, `{"data_dir":"`+t.TempDir()+`","data_center_url":"http://127.0.0.1:9",
		"serial":"PM777777","secret":"00ff","account_number":"87654321",
		"supervisor":{"name":"Ada","pin":"432198"},"model":"P3000"}`)
	cfg, err := loadKioskConfig(path)
	require.NoError(t, err)
	k, err := buildKiosk(ctx, cfg, quiet)
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "432198", "the file keeps no PIN")
	assert.Contains(t, string(data), `"name": "Ada"`)

	s, err := k.meter.Users().SignIn(ctx, "Ada", "432198")
	require.NoError(t, err)
	assert.True(t, s.MustChangePIN())
	assert.ErrorIs(t, k.meter.Users().Require(s, meter.RightRefill), meter.ErrPINChangeRequired)
	require.NoError(t, k.Close())

	cfg, err = loadKioskConfig(path)
	require.NoError(t, err)
	k, err = buildKiosk(ctx, cfg, quiet)
	require.NoError(t, err)
	defer k.Close()
	assert.Equal(t, []meter.User{{Name: "Ada", Role: meter.RoleSupervisor}}, k.meter.Users().List())
	s, err = k.meter.Users().SignIn(ctx, "Ada", "432198")
	require.NoError(t, err)
	assert.True(t, s.MustChangePIN(), "still to be changed after a restart")
}

// TestKioskRefusesAShortSupervisorPIN: the first supervisor's PIN needs 6 digits; the file keeps it.
func TestKioskRefusesAShortSupervisorPIN(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := writeConfig(t, `{"data_dir":"`+t.TempDir()+`","data_center_url":"http://127.0.0.1:9",
		"serial":"PM777777","secret":"00ff","account_number":"87654321","supervisor":{"name":"Ada","pin":"4321"}}`)
	cfg, err := loadKioskConfig(path)
	require.NoError(t, err)
	_, err = buildKiosk(context.Background(), cfg, quiet)
	assert.ErrorIs(t, err, meter.ErrInvalidPIN)
	assert.ErrorContains(t, err, "first supervisor")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"pin":"4321"`)
}
