package main

import (
	"os"
	"path/filepath"
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
