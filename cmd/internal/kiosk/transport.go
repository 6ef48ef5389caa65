package kiosk

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"

	"postmeter/funds"
)

// checkDataCenter checks data_center_url and data_center_ca of a kiosk configuration: the Data Center
// is reached over https://, or over plain http:// only on this machine's loopback interface, where no
// request crosses a network; data_center_ca, if given, is a PEM file of the certificates to trust.
func checkDataCenter(path string, c Config) error {
	u, err := url.Parse(c.DataCenterURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("kiosk config %s: data_center_url %q is not a Data Center address; want http:// or https://, "+
			"e.g. https://dc.example.com:8443", path, c.DataCenterURL)
	}
	if u.Scheme == "http" && !funds.IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("kiosk config %s: data_center_url %q uses plain http:// to another machine, so refills would "+
			"cross the network unencrypted. Use https:// (README: Making a certificate for the Data Center); plain "+
			"http:// is only for a Data Center on this meter (127.0.0.1, ::1 or localhost)", path, c.DataCenterURL)
	}
	if c.DataCenterCA != "" {
		if _, err := loadCAPool(c.DataCenterCA); err != nil {
			return fmt.Errorf("kiosk config %s: data_center_ca: %w", path, err)
		}
	}
	return nil
}

// loadCAPool reads a PEM file of one or more certificates into a pool.
func loadCAPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate; give the Data Center's certificate (cert.pem) or the "+
			"certificate of the authority that signed it", file)
	}
	return pool, nil
}

// httpClient is the HTTP client the kiosk reaches its Data Center with: the system's roots, or only
// the certificates of data_center_ca when it is given.
func httpClient(c Config) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if c.DataCenterCA != "" {
		pool, err := loadCAPool(c.DataCenterCA)
		if err != nil {
			return nil, fmt.Errorf("kiosk config: data_center_ca: %w", err)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Timeout: funds.DefaultRequestTimeout, Transport: t}, nil
}
