package kiosk

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/cmd/internal/kiosk/kiosktest"
	"postmeter/funds"
)

func configWithURL(dcURL, extra string) string {
	return `{"data_dir":"x","data_center_url":"` + dcURL + `","serial":"PM1","data_center_key":"` + zeroKey + `","account_number":"12345678"` + extra + `}`
}

// Plain http:// reaches only a Data Center on the meter itself; anything else must be https://.
func TestKioskRefusesPlainHTTPToAnotherMachine(t *testing.T) {
	for _, u := range []string{"http://dc.example.com:8443", "http://192.168.1.20:8443", "http://0.0.0.0:8443",
		"http://[2001:db8::1]:8443", "http://localhost.example.com", "HTTP://dc.example.com"} {
		_, err := LoadConfig(writeConfig(t, configWithURL(u, "")))
		require.Error(t, err, u)
		assert.Contains(t, err.Error(), "data_center_url", u)
		assert.Contains(t, err.Error(), "Use https://", u)
	}
	for _, u := range []string{"http://127.0.0.1:8443", "http://127.0.0.2", "http://[::1]:8443", "http://localhost:8443",
		"https://dc.example.com:8443", "https://192.168.1.20"} {
		_, err := LoadConfig(writeConfig(t, configWithURL(u, "")))
		assert.NoError(t, err, u)
	}
	for _, u := range []string{"ftp://dc.example.com", "dc.example.com:8443", "https://"} {
		_, err := LoadConfig(writeConfig(t, configWithURL(u, "")))
		require.Error(t, err, u)
		assert.Contains(t, err.Error(), "want http:// or https://", u)
	}
}

func TestKioskDataCenterCAMustHoldACertificate(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600))
	for file, want := range map[string]string{
		notPEM:                                   "holds no PEM certificate",
		filepath.Join(t.TempDir(), "absent.pem"): "no such file",
	} {
		_, err := LoadConfig(writeConfig(t, configWithURL("https://dc.example.com", `,"data_center_ca":"`+file+`"`)))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "data_center_ca")
		assert.Contains(t, err.Error(), want)
	}
}

// With data_center_ca naming the Data Center's self-signed certificate, the kiosk refills over HTTPS;
// without it, the certificate is not trusted and nothing is reserved.
func TestKioskTrustsItsDataCenterCA(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dc := kiosktest.New(t, true)
	store, srv, token := dc.Store, dc.Srv, dc.Token
	ca := filepath.Join(t.TempDir(), "cert.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))

	refill := func(extra string) error {
		cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf(`{"data_dir":%q,"data_center_url":%q,"serial":"PM777777",
			"data_center_key":%q,"enrollment_token":%q,"account_number":"87654321","supervisor":{"name":"Ada","pin":"432198"},"model":"P3000"%s}`,
			t.TempDir(), srv.URL, dc.Key, token, extra)))
		require.NoError(t, err)
		k, err := Build(ctx, cfg, quiet) // enrolls over HTTPS first
		if err != nil {
			return err
		}
		defer k.Close()
		s, err := k.Meter().Users().SignIn(ctx, "Ada", "432198")
		require.NoError(t, err)
		require.NoError(t, k.Meter().Users().ChangeOwnPIN(ctx, s, "432198", "918273"))
		_, err = k.Meter().Refill(ctx, s, 40*funds.Dollar, nil)
		return err
	}
	require.Error(t, refill(""), "the system's roots do not trust a self-signed certificate")
	require.NoError(t, refill(`,"data_center_ca":"`+ca+`"`))
	acct, err := store.Account(ctx, "87654321")
	require.NoError(t, err)
	assert.Equal(t, 260*funds.Dollar, acct.Prepaid)
}
