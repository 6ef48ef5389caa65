package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(args ...string) result {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func TestCLIAccountLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dc.db")

	r := runCLI("create-account", "-db", db, "-number", "12345678", "-credit-limit", "500.00")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "account 12345678 created, credit limit $500.00")

	r = runCLI("deposit", "-db", db, "-number", "12345678", "-amount", "$1,000.00")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "prepaid balance $1,000.00")

	r = runCLI("register-meter", "-db", db, "-serial", "PM123456", "-account", "12345678", "-min", "10.00", "-max", "5000")
	require.Equal(t, 0, r.code, r.stderr)
	m := regexp.MustCompile(`enrollment token:\s+([0-9a-f]{32})\n`).FindStringSubmatch(r.stdout)
	require.NotNil(t, m, "the token is printed as 32 hex digits: %s", r.stdout)
	k := regexp.MustCompile(`data center key:\s+([0-9a-f]{64})\n`).FindStringSubmatch(r.stdout)
	require.NotNil(t, k, "the Data Center key is printed as 64 hex digits: %s", r.stdout)
	assert.Contains(t, r.stdout, "serial:               PM123456")
	pk := runCLI("public-key", "-db", db)
	require.Equal(t, 0, pk.code, pk.stderr)
	assert.Equal(t, k[1]+"\n", pk.stdout, "the printed key is the Data Center's own")
	st, err := os.Stat(datacenter.KeyFileFor(db))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the Data Center key is private")
	st, err = os.Stat(db)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the database is private")

	// The printed token enrolls the meter once; the store then knows only its public key.
	ctx := context.Background()
	store, err := datacenter.OpenSQLite(ctx, db, datacenter.SQLiteOptions{})
	require.NoError(t, err)
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.NoError(t, store.Enroll(ctx, "PM123456", m[1], pub))
	require.ErrorIs(t, store.Enroll(ctx, "PM123456", m[1], pub), datacenter.ErrBadToken, "a token works once")
	stored, err := store.MeterKey(ctx, "PM123456")
	require.NoError(t, err)
	assert.Equal(t, pub, stored)
	rep := funds.Report{AuditSeq: 1, AuditHead: strings.Repeat("0", 64)}
	_, err = store.Reserve(ctx, datacenter.Request{Serial: "PM123456", At: time.Now()}, uuid.Must(uuid.NewV7()).String(), 1200*funds.Dollar, rep)
	require.NoError(t, err)
	require.NoError(t, store.Close())

	r = runCLI("lock", "-db", db, "-number", "12345678")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI("show-account", "-db", db, "-number", "12345678")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"Account 12345678 (locked: yes)",
		"Deposits:  $1,000.00", "Prepaid:      $0.00", "Credit used:    $200.00", "Reserved:  $1,200.00",
		"Refills (1):", "PM123456", "$1,200.00  reserved", "$1,000.00", "$200.00",
	} {
		assert.Contains(t, r.stdout, want)
	}
	r = runCLI("unlock", "-db", db, "-number", "12345678")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI("check", "-db", db)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "all accounts balance")
}

func TestCLIBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dc.db")
	require.Equal(t, 0, runCLI("create-account", "-db", db, "-number", "12345678").code)
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"bad amount", []string{"deposit", "-db", db, "-number", "12345678", "-amount", "12.3.4"}, `invalid value "12.3.4" for flag -amount`},
		{"negative amount", []string{"deposit", "-db", db, "-number", "12345678", "-amount", "-5"}, "negative amounts are not allowed"},
		{"too many decimals", []string{"deposit", "-db", db, "-number", "12345678", "-amount", "1.2345"}, "more than three decimals"},
		{"zero deposit", []string{"deposit", "-db", db, "-number", "12345678", "-amount", "0"}, "not positive"},
		{"missing amount", []string{"deposit", "-db", db, "-number", "12345678"}, "-amount is required"},
		{"bad account number", []string{"create-account", "-db", db, "-number", "1234"}, "exactly 8 digits"},
		{"account exists", []string{"create-account", "-db", db, "-number", "12345678"}, "already exists"},
		{"unknown account", []string{"deposit", "-db", db, "-number", "99999999", "-amount", "1"}, "unknown account"},
		{"max below min", []string{"register-meter", "-db", db, "-serial", "PM1", "-account", "12345678", "-min", "10", "-max", "5"}, "below the minimum"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"no command", nil, "usage"},
		{"stray argument", []string{"show-account", "-db", db, "-number", "12345678", "extra"}, `unexpected argument "extra"`},
		{"half TLS", []string{"serve", "-db", db, "-tls-cert", "c.pem"}, "both -tls-cert and -tls-key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(tc.args...)
			assert.Equal(t, 2, r.code, "stdout %s stderr %s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, tc.says)
		})
	}
	r := runCLI("show-account", "-db", db, "-number", "12345678")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Deposits:  $0.00")
	assert.Contains(t, r.stdout, "No refills.")
	assert.False(t, strings.Contains(r.stdout, "Refills ("))
}

func TestCLIDemoIsIdempotent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dc.db")
	r := runCLI("demo", "-db", db)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "enrollment token:")
	r = runCLI("demo", "-db", db)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "already exists")
	assert.Contains(t, r.stdout, "already registered")
	r = runCLI("show-account", "-db", db, "-number", demoAccount)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Deposits:  $1,000.00", "deposited once")
}
