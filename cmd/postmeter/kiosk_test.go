package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kiosk.json")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestKioskConfigErrorsSayWhatIsWrong(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{`, "unexpected EOF"},
		{`{"data_dir":"x"}`, "missing account_number, data_center_key, data_center_url, serial"},
		{`{"data_dir":"x","data_center_url":"ftp://x","serial":"PM1","data_center_key":"` + zeroKey + `","account_number":"12345678"}`, "want http:// or https://"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","data_center_key":"zz","account_number":"12345678"}`, "hex digits"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","data_center_key":"00","account_number":"12345678"}`, "hex digits"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","secret":"00","account_number":"12345678"}`, "unknown field \"secret\""},
		{`{"data_dir":"x","colour":"red"}`, "unknown field"},
	}
	for _, tt := range tests {
		_, err := loadKioskConfig(writeConfig(t, tt.body))
		require.Error(t, err, tt.body)
		assert.Contains(t, err.Error(), tt.want)
	}
	_, err := loadKioskConfig(filepath.Join(t.TempDir(), "absent.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

var zeroKey = strings.Repeat("00", 32)

// TestKioskRefillsAgainstItsDataCenter assembles a kiosk from a config file: it enrolls with the
// one-time token, pins the Data Center key the file names, and refills through that Data Center. A
// second start needs no token; a file naming another Data Center key is refused.
func TestKioskRefillsAgainstItsDataCenter(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dc := newTestDC(t, false)
	store, srv, token, dcHex := dc.store, dc.srv, dc.token, dc.key

	dataDir := t.TempDir()
	config := func(key, token string) kioskConfig {
		cfg, err := loadKioskConfig(writeConfig(t, `{"data_dir":"`+dataDir+`","data_center_url":"`+srv.URL+
			`","serial":"PM777777","data_center_key":"`+key+`","enrollment_token":"`+token+`","account_number":"87654321",
			"supervisor":{"name":"Ada","pin":"432198"},"model":"P3000"}`))
		require.NoError(t, err)
		return cfg
	}
	// A fake Data Center key in the file: enrollment refuses the real Data Center's answer.
	_, err := buildKiosk(ctx, config(zeroKey, token), quiet)
	require.ErrorIs(t, err, funds.ErrBadAnswer)
	token, err = store.IssueEnrollmentToken(ctx, "PM777777", time.Hour)
	require.NoError(t, err)
	k, err := buildKiosk(ctx, config(dcHex, token), quiet)
	require.NoError(t, err)
	for _, name := range []string{"meter.db", "keys/meter-signing.key", "keys/device.key", "keys/datacenter.pub"} {
		st, err := os.Stat(filepath.Join(dataDir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), name)
	}
	assert.Equal(t, "SendPro P3000", k.meter.Model().Name)
	s, err := k.meter.Users().SignIn(ctx, "Ada", "432198")
	require.NoError(t, err)
	require.NoError(t, k.meter.Users().ChangeOwnPIN(ctx, s, "432198", "918273"))
	c, err := k.meter.Refill(ctx, s, 40*funds.Dollar, nil)
	require.NoError(t, err)
	assert.Equal(t, 40*funds.Dollar, c.After)
	acct, err := store.Account(ctx, "87654321")
	require.NoError(t, err)
	assert.Equal(t, 260*funds.Dollar, acct.Prepaid)
	require.NoError(t, k.Close())

	again, err := buildKiosk(ctx, config(dcHex, ""), quiet)
	require.NoError(t, err, "an enrolled meter needs no token")
	require.NoError(t, again.Close())
	_, err = buildKiosk(ctx, config(zeroKey, ""), quiet)
	require.ErrorContains(t, err, "not the key this meter enrolled with")
}

// testDC is a Data Center on loopback for kiosk tests: account 87654321 with $300.00 prepaid and meter
// PM777777 registered on it, with the enrollment token register-meter printed.
type testDC struct {
	store *datacenter.SQLiteStore
	srv   *httptest.Server
	url   string
	key   string // hex, as register-meter prints it
	token string
}

// newTestDC starts one, over HTTPS with a self-signed certificate if tls.
func newTestDC(t *testing.T, tls bool) *testDC {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := datacenter.OpenSQLite(ctx, filepath.Join(t.TempDir(), "dc.db"), datacenter.SQLiteOptions{Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.CreateAccount(ctx, "87654321", 0))
	require.NoError(t, store.Deposit(ctx, "87654321", 300*funds.Dollar))
	token, err := store.RegisterMeter(ctx, "PM777777", "87654321", 10*funds.Dollar, 1000*funds.Dollar)
	require.NoError(t, err)
	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	h := datacenter.NewServer(store, datacenter.Options{Logger: quiet, Key: key})
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &testDC{store: store, srv: srv, url: srv.URL, key: hex.EncodeToString(key.Public().(ed25519.PublicKey)), token: token}
}

// config is a kiosk configuration of meter PM777777 on this Data Center with a fresh enrollment token;
// extra is added inside the JSON object.
func (d *testDC) config(t *testing.T, dataDir, extra string) string {
	t.Helper()
	token, err := d.store.IssueEnrollmentToken(context.Background(), "PM777777", time.Hour)
	require.NoError(t, err)
	return `{"data_dir":"` + dataDir + `","data_center_url":"` + d.url + `","serial":"PM777777","data_center_key":"` +
		d.key + `","enrollment_token":"` + token + `","account_number":"87654321"` + extra + `}`
}
