// Package kiosktest starts a real Data Center on loopback for the kiosk's tests, in this package and in
// cmd/postmeter's real-window test. It is a package of its own, not a _test file, because tests of two
// packages share it; only tests import it, so the kiosk binary never links it (or the Data Center and
// net/http/httptest it brings).
package kiosktest

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// The account and meter a DataCenter starts with.
const (
	Account   = "87654321"
	Serial    = "PM777777"
	Prepaid   = 300 * funds.Dollar
	MinRefill = 10 * funds.Dollar
	MaxRefill = 1000 * funds.Dollar
)

// DataCenter is a Data Center on loopback: account Account with Prepaid on it and meter Serial
// registered to it, with the enrollment token register-meter printed.
type DataCenter struct {
	Store *datacenter.SQLiteStore
	Srv   *httptest.Server
	URL   string
	Key   string // its public key in hex, as register-meter prints it
	Token string // the meter's first enrollment token
}

// New starts one for the test, over HTTPS with a self-signed certificate if tls; it stops when the
// test ends.
func New(t testing.TB, tls bool) *DataCenter {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := datacenter.OpenSQLite(ctx, filepath.Join(t.TempDir(), "dc.db"), datacenter.SQLiteOptions{Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.CreateAccount(ctx, Account, 0))
	require.NoError(t, store.Deposit(ctx, Account, Prepaid))
	token, err := store.RegisterMeter(ctx, Serial, Account, MinRefill, MaxRefill)
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
	return &DataCenter{Store: store, Srv: srv, URL: srv.URL, Key: hex.EncodeToString(key.Public().(ed25519.PublicKey)), Token: token}
}

// NewToken issues a fresh one-time enrollment token for the meter, as `datacenter enroll-token` does.
func (d *DataCenter) NewToken(t testing.TB) string {
	t.Helper()
	token, err := d.Store.IssueEnrollmentToken(context.Background(), Serial, time.Hour)
	require.NoError(t, err)
	return token
}

// Config is the text of a kiosk configuration of the meter on this Data Center with a fresh
// enrollment token; extra is added inside the JSON object (`,"model":"P3000"`).
func (d *DataCenter) Config(t testing.TB, dataDir, extra string) string {
	t.Helper()
	return `{"data_dir":"` + dataDir + `","data_center_url":"` + d.URL + `","serial":"` + Serial + `","data_center_key":"` +
		d.Key + `","enrollment_token":"` + d.NewToken(t) + `","account_number":"` + Account + `"` + extra + `}`
}
