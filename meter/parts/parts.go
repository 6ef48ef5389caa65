// Package parts assembles a meter from a parts list: its keys and vault, the Data Center client, the
// users, the model and rate tables, and its devices. The kiosk (real devices, a Data Center over the
// network) and the trainer's simulator (simulated devices, an embedded Data Center) are both assembled
// here, so the wiring exists once; what differs between them is only the list.
package parts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"

	"postmeter/funds"
	"postmeter/meter"
)

// Devices are the meter's devices. Engine is required; the others may be nil.
type Devices struct {
	Engine  meter.PrintEngine
	Printer meter.AttachedPrinter // nil: no "Print on document"
	Scale   meter.Scale           // nil: weights are keyed in
	Link    meter.LinkStatus      // nil: the meter cannot see its network link
}

// List is everything a meter is made of.
type List struct {
	Dir           string          // the vault, meter.db, is here
	Keys          *funds.FileKeys // the meter's keys, already enrolled
	DataCenterURL string
	HTTP          *http.Client // to the Data Center
	Identity      meter.Identity
	Model         string // model name or alias; meter.DefaultModel if empty
	// AllowUnverifiedRates lets the meter price from rate tables marked unverified (the trainer does);
	// Inspection is the jurisdiction's contact clock (the model's if zero).
	AllowUnverifiedRates bool
	Inspection           meter.InspectionProfile
	ExportDir            string // where reports are exported as CSV ("": nowhere)
	Clock                meter.Clock
	Retry                funds.RetryPolicy
	Log                  *slog.Logger
	Devices              Devices
	// Seed, if set, runs on the users before the meter opens (the kiosk's first supervisor, the
	// simulator's demo users).
	Seed func(context.Context, *meter.Users) error
}

// Meter is an assembled meter and the parts its owner closes or inspects.
type Meter struct {
	Vault  *funds.Vault
	Users  *meter.Users
	Client *funds.DataCenterClient
	Model  meter.Model
	Meter  *meter.Meter
}

// Close closes the vault.
func (m *Meter) Close() error { return m.Vault.Close() }

// Assemble opens the vault and users and opens the meter on them with the list's devices. A scale is
// connected only if the model has one. On failure nothing stays open.
func Assemble(ctx context.Context, l List) (*Meter, error) {
	if l.Keys == nil || l.Devices.Engine == nil {
		return nil, errors.New("assemble meter: keys and a print engine are required")
	}
	clock := l.Clock
	if clock == nil {
		clock = meter.SystemClock{}
	}
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	model, rates, err := modelAndRates(l.Model)
	if err != nil {
		return nil, fmt.Errorf("assemble meter: %w", err)
	}
	client := funds.NewDataCenterClient(l.DataCenterURL, l.Identity.Serial, l.Keys)
	if l.HTTP != nil {
		client.HTTP = l.HTTP
	}
	client.Now, client.Log = clock.Now, log
	v, err := funds.OpenVault(ctx, filepath.Join(l.Dir, "meter.db"),
		funds.VaultOptions{Now: clock.Now, Keys: l.Keys, Serial: l.Identity.Serial})
	if err != nil {
		return nil, fmt.Errorf("assemble meter: %w", err)
	}
	client.Reports = v.Report
	fail := func(err error) (*Meter, error) {
		return nil, errors.Join(fmt.Errorf("assemble meter: %w", err), v.Close())
	}
	// The PINs' pepper comes from the device key, so a copy of meter.db alone cannot be brute-forced.
	users, err := meter.OpenUsers(ctx, v, meter.UsersOptions{Now: clock.Now, Pepper: l.Keys.MAC(meter.PepperPurpose, nil)})
	if err != nil {
		return fail(err)
	}
	if l.Seed != nil {
		if err := l.Seed(ctx, users); err != nil {
			return fail(err)
		}
	}
	scale := l.Devices.Scale
	if scale != nil && !model.Has(meter.FeatureAttachedScale) {
		log.Warn("the configured scale is not used: this model has no attached scale", "model", model.Name)
		scale = nil
	}
	m, err := meter.Open(ctx, meter.Config{
		Identity: l.Identity, Vault: v, DataCenter: client, Users: users, Clock: clock, Model: model, Rates: rates,
		AllowUnverifiedRates: l.AllowUnverifiedRates, Inspection: l.Inspection,
		Engine: l.Devices.Engine, Printer: l.Devices.Printer, Scale: scale, Link: l.Devices.Link,
		Log: log, Retry: l.Retry, ExportDir: l.ExportDir,
	})
	if err != nil {
		return fail(err)
	}
	return &Meter{Vault: v, Users: users, Client: client, Model: model, Meter: m}, nil
}

// modelAndRates loads the model called name and the rate tables.
func modelAndRates(name string) (meter.Model, []meter.RateTable, error) {
	models, err := meter.LoadModels()
	if err != nil {
		return meter.Model{}, nil, err
	}
	if name == "" {
		name = meter.DefaultModel
	}
	model, err := meter.ModelByName(models, name)
	if err != nil {
		return meter.Model{}, nil, err
	}
	rates, err := meter.LoadRateTables()
	if err != nil {
		return meter.Model{}, nil, err
	}
	return model, rates, nil
}
