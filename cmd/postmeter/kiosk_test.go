package main

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

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
		{`{"data_dir":"x"}`, "missing account_number, data_center_url, secret, serial"},
		{`{"data_dir":"x","data_center_url":"ftp://x","serial":"PM1","secret":"00","account_number":"12345678"}`, "want http:// or https://"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","secret":"zz","account_number":"12345678"}`, "hex"},
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

// TestKioskRefillsAgainstItsDataCenter assembles a kiosk from a config file and refills through the
// Data Center it names.
func TestKioskRefillsAgainstItsDataCenter(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := datacenter.OpenSQLite(ctx, filepath.Join(t.TempDir(), "dc.db"), datacenter.SQLiteOptions{Logger: quiet})
	require.NoError(t, err)
	defer store.Close()
	require.NoError(t, store.CreateAccount(ctx, "87654321", 0))
	require.NoError(t, store.Deposit(ctx, "87654321", 300*funds.Dollar))
	secret, err := store.RegisterMeter(ctx, "PM777777", "87654321", 10*funds.Dollar, 1000*funds.Dollar)
	require.NoError(t, err)
	srv := httptest.NewServer(datacenter.NewServer(store, datacenter.Options{Logger: quiet}))
	defer srv.Close()

	cfg, err := loadKioskConfig(writeConfig(t, `{"data_dir":"`+t.TempDir()+`","data_center_url":"`+srv.URL+
		`","serial":"PM777777","secret":"`+hex.EncodeToString(secret)+`","account_number":"87654321",
		"supervisor":{"name":"Ada","pin":"432198"},"model":"P3000"}`))
	require.NoError(t, err)
	k, err := buildKiosk(ctx, cfg, quiet)
	require.NoError(t, err)
	defer k.Close()
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
}
