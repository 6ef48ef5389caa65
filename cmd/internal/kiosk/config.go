package kiosk

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Config is the meter's configuration file (/etc/postmeter/kiosk.json): where its data lives, how it
// reaches the Data Center, who it is, and its devices.
type Config struct {
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
	// AllowUnverifiedRates lets the meter price pieces from a rate table marked unverified; without it
	// the clerk keys in the postage on dates such a table is in force (docs/rates.md).
	AllowUnverifiedRates bool `json:"allow_unverified_rates,omitempty"`
	// ContactProfile is the jurisdiction's contact clock (docs/contact.md): "us-imi" (the default: a
	// US meter contacts daily, warns after 24 h and locks after 72 h), "ca" or "us-ibi-legacy".
	ContactProfile string `json:"contact_profile,omitempty"`
	// ExportDir is where reports are exported as CSV: the mount point of the mailroom's USB stick
	// (e.g. /media/postmeter-usb). Empty: the screens say there is nowhere to export to.
	ExportDir string `json:"export_dir,omitempty"`
	// PrintEngine names the print engine: a CUPS queue (ipp://host:631/printers/NAME) or tray:DIR, a
	// folder of images (tray:data_dir/output-tray if empty). OutputTray is the older way to name the
	// tray. PrinterURI is the attached printer for "Print on document" (ipp://host:631/printers/NAME),
	// if any. Scale names the scale: serial:/dev/ttyUSB0?baud=9600&protocol=nci, hid:/dev/hidraw0 or
	// none (devices.go).
	PrintEngine string `json:"print_engine,omitempty"`
	OutputTray  string `json:"output_tray,omitempty"`
	PrinterURI  string `json:"printer_uri,omitempty"`
	Scale       string `json:"scale,omitempty"`
	// Supervisor is created on first start, so someone can manage users; without it users stay
	// disabled and everyone has supervisor access, as on a meter fresh from the factory. The
	// supervisor must change the PIN at the first sign-in, and the PIN is then removed from the file.
	Supervisor *Supervisor `json:"supervisor,omitempty"`

	path string // the file it was read from; its token and supervisor PIN are removed once used
}

// Supervisor is the configuration's first supervisor.
type Supervisor struct {
	Name string `json:"name"`
	PIN  string `json:"pin"`
}

// LoadConfig reads and checks the configuration file at path. Every error names the file and what is
// wrong in it, since whoever installs the meter reads it in the journal.
func LoadConfig(path string) (Config, error) {
	var c Config
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("kiosk config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	// A misspelt field would otherwise be ignored silently, and the meter run without it.
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
		slices.Sort(missing)
		return c, fmt.Errorf("kiosk config %s: missing %s", path, strings.Join(missing, ", "))
	}
	if k, err := hex.DecodeString(c.DataCenterKey); err != nil || len(k) != ed25519.PublicKeySize {
		return c, fmt.Errorf("kiosk config %s: data_center_key: want the %d hex digits printed by `datacenter register-meter`",
			path, 2*ed25519.PublicKeySize)
	}
	if err := checkDataCenter(path, c); err != nil {
		return c, err
	}
	if err := checkDevices(path, c); err != nil {
		return c, err
	}
	return c, nil
}
