package datacenter_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// writeSelfSignedCert writes a certificate and key for 127.0.0.1 and returns their paths and a pool
// trusting the certificate.
func writeSelfSignedCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "datacenter test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// ListenAndServe with TLS answers a signed balance inquiry over HTTPS and shuts down when ctx ends.
func TestListenAndServeTLSAndShutdown(t *testing.T) {
	h := newHarness(t)
	certFile, keyFile, pool := writeSelfSignedCert(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- datacenter.ListenAndServe(ctx, datacenter.NewServer(h.store, datacenter.Options{Logger: slog.New(slog.DiscardHandler), Key: h.dcKey}),
			datacenter.ServeConfig{Addr: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: keyFile,
				Logger: slog.New(slog.DiscardHandler), Ready: func(a net.Addr) { addrs <- a }})
	}()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("server stopped before listening: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	path := "/v1/meters/" + m1 + "/account"
	body := reportBody(h.meter(m1))
	req, err := http.NewRequest(http.MethodPost, "https://"+addr.String()+path, bytesReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	signRequest(req, m1, h.meter(m1).key, time.Now(), funds.NewNonce(), body)
	res, err := client.Do(req)
	require.NoError(t, err)
	body, err = io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var bal funds.AccountBalance
	require.NoError(t, json.Unmarshal(body, &bal))
	assert.Equal(t, acctA, bal.AccountNumber)

	// Plain HTTP to the TLS port is not served.
	plain, err := http.Get("http://" + addr.String() + path)
	if err == nil {
		assert.Equal(t, http.StatusBadRequest, plain.StatusCode)
		require.NoError(t, plain.Body.Close())
	}

	cancel()
	require.NoError(t, <-done)
	_, err = net.DialTimeout("tcp", addr.String(), time.Second)
	assert.Error(t, err, "nothing listens after shutdown")
}

func TestServeConfigNeedsBothCertAndKey(t *testing.T) {
	err := datacenter.ListenAndServe(context.Background(), http.NotFoundHandler(),
		datacenter.ServeConfig{Addr: "127.0.0.1:0", TLSCertFile: "cert.pem"})
	require.ErrorIs(t, err, datacenter.ErrInvalid)
}
