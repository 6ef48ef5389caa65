package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Every admin command picks the store by -db: a postgres:// URL opens PostgreSQL. The signing key then
// has no database file to sit beside, so commands that sign need -key.
func TestCLIOnPostgres(t *testing.T) {
	db := pgtest.Database(t)
	key := filepath.Join(t.TempDir(), "dc.ed25519")

	r := runCLI("create-account", "-db", db, "-number", "12345678", "-credit-limit", "500.00")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI("deposit", "-db", db, "-number", "12345678", "-amount", "1000.00")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "prepaid balance $1,000.00")

	r = runCLI("register-meter", "-db", db, "-serial", "PM123456", "-account", "12345678", "-min", "10.00", "-max", "5000")
	assert.Equal(t, exitUsage, r.code, "no key file beside a URL: %s", r.stdout)
	assert.Contains(t, r.stderr, "give -key FILE")
	r = runCLI("register-meter", "-db", db, "-key", key, "-serial", "PM123456", "-account", "12345678", "-min", "10.00", "-max", "5000")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "enrollment token:")
	st, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	r = runCLI("show-account", "-db", db, "-number", "12345678")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "$1,000.00")
	r = runCLI("check", "-db", db)
	require.Equal(t, 0, r.code, r.stderr)

	r = runCLI("show-account", "-db", "postgres://nobody@/nowhere?host=/nonexistent", "-number", "12345678")
	assert.Equal(t, exitFail, r.code)
}

// serve -db postgres://… serves from PostgreSQL, with the key from -key (refused without it); two
// replicas start on one database (the second finds the schema migrated) and both are ready (/readyz);
// -log-format json makes every log line JSON.
func TestServeOnPostgres(t *testing.T) {
	db := pgtest.Database(t)
	key := filepath.Join(t.TempDir(), "dc.ed25519")
	r := runCLI("create-account", "-db", db, "-number", "12345678")
	require.Equal(t, 0, r.code, r.stderr)

	addrs := make([]string, 2)
	stderrs := make([]*signalWriter, 2)
	for i := range addrs {
		seen := make(chan struct{})
		stdout := &signalWriter{want: "listening on http://", seen: seen}
		stderrs[i] = &signalWriter{}
		e := &env{stdout: stdout, stderr: stderrs[i], log: slog.New(slog.NewTextHandler(stderrs[i], nil))}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- cmdServe(ctx, e, []string{"-db", db, "-key", key, "-listen", "127.0.0.1:0", "-log-format", "json"})
		}()
		select {
		case <-seen:
		case code := <-done:
			cancel()
			t.Fatalf("serve stopped with %d before listening: %s", code, stderrs[i].String())
		}
		t.Cleanup(func() {
			cancel()
			assert.Equal(t, exitOK, <-done, stderrs[i].String())
		})
		addrs[i] = strings.TrimSpace(strings.TrimPrefix(stdout.String(), "listening on "))
	}
	for i, addr := range addrs {
		res, err := http.Get(addr + "/readyz")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "replica %d is ready", i)
		for _, line := range strings.Split(strings.TrimSpace(stderrs[i].String()), "\n") {
			assert.True(t, json.Valid([]byte(line)), "a JSON log line: %s", line)
		}
	}
	r = runCLI("serve", "-db", db, "-listen", "127.0.0.1:0")
	assert.Equal(t, exitUsage, r.code, "no -key with a postgres:// -db: %s", r.stderr)
}
