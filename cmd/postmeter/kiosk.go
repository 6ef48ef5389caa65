package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer"
)

// kioskConfig is the meter's configuration file for -kiosk: where its data lives, how it reaches the
// Data Center, who it is, and its devices.
type kioskConfig struct {
	DataDir       string `json:"data_dir"`        // the vault lives here
	DataCenterURL string `json:"data_center_url"` // e.g. https://dc.example.com:8443
	// DataCenterCA is a PEM file of the certificates the kiosk trusts for data_center_url (a self-signed
	// Data Center certificate, or its CA) instead of the system's; optional.
	DataCenterCA string `json:"data_center_ca,omitempty"`
	Serial       string `json:"serial"`
	// DataCenterKey is the Data Center's public key (hex) and EnrollmentToken the one-time token, both
	// printed by `datacenter register-meter`. The meter enrolls with the token on first start and then
	// removes it from this file; its own keys live in data_dir/keys, never here.
	DataCenterKey   string `json:"data_center_key"`
	EnrollmentToken string `json:"enrollment_token,omitempty"`
	AccountNumber   string `json:"account_number"`
	IndiciaNumber   string `json:"indicia_number"`
	OriginZIP       string `json:"origin_zip"`
	Model           string `json:"model"`
	// OutputTray is where the print engine's impressions go as images (data_dir/output-tray if empty);
	// PrinterURI is the attached printer for "Print on document" (ipp://host:631/printers/NAME), if any.
	OutputTray string `json:"output_tray,omitempty"`
	PrinterURI string `json:"printer_uri,omitempty"`
	// Supervisor is created on first start, so someone can manage users; without it users stay
	// disabled and everyone has supervisor access, as on a meter fresh from the factory. The
	// supervisor must change the PIN at the first sign-in, and the PIN is then removed from the file.
	Supervisor *struct {
		Name string `json:"name"`
		PIN  string `json:"pin"`
	} `json:"supervisor,omitempty"`

	path string // the file it was read from; its supervisor PIN is removed once used
}

func loadKioskConfig(path string) (kioskConfig, error) {
	var c kioskConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("kiosk config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("kiosk config %s: %w", path, err)
	}
	c.path = path
	var missing []string
	for name, v := range map[string]string{"data_dir": c.DataDir, "data_center_url": c.DataCenterURL,
		"serial": c.Serial, "data_center_key": c.DataCenterKey, "account_number": c.AccountNumber} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("kiosk config %s: missing %s", path, strings.Join(sortedStrings(missing), ", "))
	}
	if k, err := hex.DecodeString(c.DataCenterKey); err != nil || len(k) != ed25519.PublicKeySize {
		return c, fmt.Errorf("kiosk config %s: data_center_key: want the %d hex digits printed by `datacenter register-meter`",
			path, 2*ed25519.PublicKeySize)
	}
	if err := checkDataCenter(path, c); err != nil {
		return c, err
	}
	return c, nil
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// kiosk is a meter assembled from its configuration.
type kiosk struct {
	vault *funds.Vault
	meter *meter.Meter
}

func (k *kiosk) Close() error { return k.vault.Close() }

// buildKiosk opens the meter's keys and vault, enrolls the meter on first start, and connects it to its
// Data Center and devices.
func buildKiosk(ctx context.Context, c kioskConfig, log *slog.Logger) (*kiosk, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("kiosk data folder: %w", err)
	}
	keys, err := funds.OpenFileKeys(filepath.Join(c.DataDir, "keys"))
	if err != nil {
		return nil, err
	}
	hc, err := kioskHTTPClient(c)
	if err != nil {
		return nil, err
	}
	if err := enrollKiosk(ctx, c, hc, keys); err != nil {
		return nil, err
	}
	if c.EnrollmentToken != "" && c.path != "" {
		// Enrolled: the token is spent, and the file should not keep even a spent secret.
		if _, err := scrubConfig(c.path, "enrollment_token"); err != nil {
			log.Warn("the enrollment token is still in the kiosk configuration; remove it by hand", "err", err)
		}
	}
	client := funds.NewDataCenterClient(c.DataCenterURL, c.Serial, keys)
	client.HTTP, client.Log = hc, log
	v, err := funds.OpenVault(ctx, filepath.Join(c.DataDir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: c.Serial})
	if err != nil {
		return nil, err
	}
	client.Reports = v.Report
	fail := func(err error) (*kiosk, error) { return nil, errors.Join(err, v.Close()) }
	// The PINs' pepper comes from the device key, so a copy of meter.db alone cannot be brute-forced.
	users, err := meter.OpenUsers(ctx, v, meter.UsersOptions{Pepper: keys.MAC(meter.PepperPurpose, nil)})
	if err != nil {
		return fail(err)
	}
	if c.Supervisor != nil && c.Supervisor.PIN != "" {
		if err := users.Seed(ctx, []meter.NewUser{{Name: c.Supervisor.Name, Role: meter.RoleSupervisor, PIN: c.Supervisor.PIN,
			MustChangePIN: true}}, nil); err != nil {
			return fail(fmt.Errorf("first supervisor: %w", err))
		}
		if c.path != "" && slices.ContainsFunc(users.List(), func(u meter.User) bool { return u.Name == c.Supervisor.Name }) {
			if _, err := scrubConfig(c.path, "supervisor.pin"); err != nil {
				log.Warn("the first supervisor's PIN is still in the kiosk configuration; remove it by hand", "err", err)
			}
		}
	} else if c.Supervisor != nil && !users.Enabled() {
		log.Warn("the kiosk configuration names a first supervisor without a PIN, so none was created; " +
			"user sign-in stays off until a supervisor is added")
	}
	rates, err := meter.LoadRateTables()
	if err != nil {
		return fail(err)
	}
	models, err := meter.LoadModels()
	if err != nil {
		return fail(err)
	}
	name := c.Model
	if name == "" {
		name = meter.DefaultModel
	}
	model, err := meter.ModelByName(models, name)
	if err != nil {
		return fail(err)
	}
	trayDir := c.OutputTray
	if trayDir == "" {
		trayDir = filepath.Join(c.DataDir, "output-tray")
	}
	engine := meter.NewSimPrintEngine(meter.SystemClock{})
	engine.OnPrint = meter.TrayOutput(printer.Tray{Dir: trayDir})
	var attached meter.AttachedPrinter
	if c.PrinterURI != "" {
		attached = meter.IPPPrinter{P: &printer.IPPPrinter{URI: c.PrinterURI, Logger: log}}
	}
	m, err := meter.Open(ctx, meter.Config{
		Identity: meter.Identity{Serial: c.Serial, IndiciaNumber: c.IndiciaNumber, AccountNumber: c.AccountNumber, OriginZIP: c.OriginZIP},
		Vault:    v, DataCenter: client, Users: users, Model: model, Rates: rates,
		Engine: engine, Printer: attached, Log: log,
		Retry: funds.RetryPolicy{Attempts: 3, Initial: 500 * time.Millisecond, Max: 4 * time.Second},
	})
	if err != nil {
		return fail(err)
	}
	return &kiosk{vault: v, meter: m}, nil
}

// enrollKiosk enrolls the meter on its first start: it sends its new public key with the one-time token
// and pins the Data Center key named in the configuration. Later starts check that the configuration
// still names the pinned key.
func enrollKiosk(ctx context.Context, c kioskConfig, hc *http.Client, keys funds.Keys) error {
	want, _ := hex.DecodeString(c.DataCenterKey)
	if pinned := keys.DataCenterKey(); pinned != nil {
		if !pinned.Equal(ed25519.PublicKey(want)) {
			return fmt.Errorf("kiosk config: data_center_key is not the key this meter enrolled with; " +
				"a meter never changes Data Center on its own: re-install it to move it")
		}
		return nil
	}
	if c.EnrollmentToken == "" {
		return errors.New("kiosk config: enrollment_token: this meter is not enrolled yet; " +
			"put the token printed by `datacenter register-meter` (or `datacenter enroll-token`) in the configuration")
	}
	if err := funds.Enroll(ctx, hc, c.DataCenterURL, c.Serial, c.EnrollmentToken, keys, ed25519.PublicKey(want)); err != nil {
		return fmt.Errorf("enroll the meter at its Data Center: %w", err)
	}
	return nil
}
