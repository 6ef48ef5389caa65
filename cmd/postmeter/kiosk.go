package main

import (
	"context"
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
	Serial        string `json:"serial"`
	Secret        string `json:"secret"` // hex, as printed by `datacenter register-meter`
	AccountNumber string `json:"account_number"`
	IndiciaNumber string `json:"indicia_number"`
	OriginZIP     string `json:"origin_zip"`
	Model         string `json:"model"`
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
		"serial": c.Serial, "secret": c.Secret, "account_number": c.AccountNumber} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("kiosk config %s: missing %s", path, strings.Join(sortedStrings(missing), ", "))
	}
	if _, err := hex.DecodeString(c.Secret); err != nil {
		return c, fmt.Errorf("kiosk config %s: secret: want the hex string printed by `datacenter register-meter`: %w", path, err)
	}
	if !strings.HasPrefix(c.DataCenterURL, "http://") && !strings.HasPrefix(c.DataCenterURL, "https://") {
		return c, fmt.Errorf("kiosk config %s: data_center_url %q: want http:// or https://", path, c.DataCenterURL)
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

// buildKiosk opens the meter's vault and connects it to its Data Center and devices.
func buildKiosk(ctx context.Context, c kioskConfig, log *slog.Logger) (*kiosk, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("kiosk data folder: %w", err)
	}
	secret, _ := hex.DecodeString(c.Secret)
	client := funds.NewDataCenterClient(c.DataCenterURL, c.Serial, secret)
	client.HTTP = &http.Client{Timeout: funds.DefaultRequestTimeout}
	v, err := funds.OpenVault(ctx, filepath.Join(c.DataDir, "meter.db"), funds.VaultOptions{})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*kiosk, error) { return nil, errors.Join(err, v.Close()) }
	users, err := meter.OpenUsers(ctx, v, meter.UsersOptions{})
	if err != nil {
		return fail(err)
	}
	if c.Supervisor != nil && c.Supervisor.PIN != "" {
		if err := users.Seed(ctx, []meter.NewUser{{Name: c.Supervisor.Name, Role: meter.RoleSupervisor, PIN: c.Supervisor.PIN,
			MustChangePIN: true}}, nil); err != nil {
			return fail(fmt.Errorf("first supervisor: %w", err))
		}
		if c.path != "" && slices.ContainsFunc(users.List(), func(u meter.User) bool { return u.Name == c.Supervisor.Name }) {
			if _, err := scrubSupervisorPIN(c.path); err != nil {
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
