package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Amounts over the Data Center's caps are refused as bad input (exit 2) with the cap in the message,
// and amounts are printed exactly, to the mill when they are not whole cents.
func TestCLIAmountsAreCappedAndExact(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dc.db")
	r := runCLI("create-account", "-db", db, "-number", "12345678", "-credit-limit", "10000000.001")
	require.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "credit limit $10,000,000.001 is above the most the Data Center accepts, $10,000,000.00")

	r = runCLI("create-account", "-db", db, "-number", "12345678", "-credit-limit", "250.005")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "credit limit $250.005")

	r = runCLI("deposit", "-db", db, "-number", "12345678", "-amount", "9999999999")
	require.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "is above the most the Data Center accepts")
	r = runCLI("deposit", "-db", db, "-number", "12345678", "-amount", "10000000.00")
	require.Equal(t, exitOK, r.code, r.stderr)
	r = runCLI("deposit", "-db", db, "-number", "12345678", "-amount", "0.001")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "deposited $0.001 to account 12345678; prepaid balance $10,000,000.001")

	r = runCLI("set-credit-limit", "-db", db, "-number", "12345678", "-credit-limit", "92233720368547")
	require.Equal(t, exitUsage, r.code, r.stderr)
	r = runCLI("register-meter", "-db", db, "-serial", "PM123456", "-account", "12345678", "-min", "10.00", "-max", "10000000.01")
	require.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "maximum refill $10,000,000.01 is above")

	r = runCLI("show-account", "-db", db, "-number", "12345678")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "$10,000,000.001")
}
