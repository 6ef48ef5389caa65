package kiosk

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/parts"
)

// Kiosk is a meter assembled from its configuration.
type Kiosk struct {
	parts *parts.Meter
}

// Meter is the meter the screens show.
func (k *Kiosk) Meter() *meter.Meter { return k.parts.Meter }

// Close closes the meter's vault.
func (k *Kiosk) Close() error { return k.parts.Close() }

// Build opens the meter's keys and vault, enrolls the meter on first start, and connects it to its
// Data Center and devices.
func Build(ctx context.Context, c Config, log *slog.Logger) (*Kiosk, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("kiosk data folder: %w", err)
	}
	keys, err := funds.OpenFileKeys(filepath.Join(c.DataDir, "keys"))
	if err != nil {
		return nil, err
	}
	hc, err := httpClient(c)
	if err != nil {
		return nil, err
	}
	if err := enroll(ctx, c, hc, keys); err != nil {
		return nil, err
	}
	if c.EnrollmentToken != "" && c.path != "" {
		// Enrolled: the token is spent, and the file should not keep even a spent secret.
		if _, err := scrubConfig(c.path, "enrollment_token"); err != nil {
			log.Warn("the enrollment token is still in the kiosk configuration; remove it by hand", "err", err)
		}
	}
	devs, err := OpenDevices(c, log)
	if err != nil {
		return nil, err
	}
	seed := func(ctx context.Context, users *meter.Users) error {
		if c.Supervisor != nil && c.Supervisor.PIN != "" {
			if err := users.Seed(ctx, []meter.NewUser{{Name: c.Supervisor.Name, Role: meter.RoleSupervisor, PIN: c.Supervisor.PIN,
				MustChangePIN: true}}, nil); err != nil {
				return fmt.Errorf("first supervisor: %w", err)
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
		return nil
	}
	profileID := c.ContactProfile
	if profileID == "" {
		profileID = meter.ProfileUSIMI
	}
	contact, err := meter.ContactProfile(profileID)
	if err != nil {
		return nil, err
	}
	m, err := parts.Assemble(ctx, parts.List{
		Dir: c.DataDir, Keys: keys, DataCenterURL: c.DataCenterURL, HTTP: hc,
		Identity: meter.Identity{Serial: c.Serial, IndiciaNumber: c.IndiciaNumber, AccountNumber: c.AccountNumber, OriginZIP: c.OriginZIP},
		Model:    c.Model, Log: log, Devices: devs, Seed: seed,
		AllowUnverifiedRates: c.AllowUnverifiedRates, Inspection: contact, ExportDir: c.ExportDir,
		Retry: funds.RetryPolicy{Attempts: 3, Initial: 500 * time.Millisecond, Max: 4 * time.Second},
	})
	if err != nil {
		return nil, err
	}
	return &Kiosk{parts: m}, nil
}

// enroll enrolls the meter on its first start: it sends its new public key with the one-time token
// and pins the Data Center key named in the configuration. Later starts check that the configuration
// still names the pinned key.
func enroll(ctx context.Context, c Config, hc *http.Client, keys funds.Keys) error {
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
