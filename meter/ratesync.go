package meter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"postmeter/funds"
)

// This file installs the rate tables the Data Center publishes (docs/rates.md). At each contact the
// meter downloads every published table, keeps those signed by the Data Center key it pinned at
// enrollment and valid as rate tables, and stores them in the vault as they came (an audited setting, so
// an edit is found like any other). It prices from them, with the tables built into the program, by the
// mailing date: a table published ahead of its effective date is simply in force from that day.

const keyRateTables = "rate_tables" // the installed tables, []funds.SignedRates as JSON

// ErrRatesRefused is wrapped by SyncRates when a downloaded table was not installed: not signed by the
// pinned Data Center key, or not a valid rate table.
var ErrRatesRefused = errors.New("a rate table from the Data Center was refused")

// Rate table origins, for the Rates screen.
const (
	OriginBuiltIn    = "built in"
	OriginDataCenter = "Data Center"
)

// RateTables are the tables the meter prices from, oldest first: the built-in ones, with any the Data
// Center published for the same date in their place.
func (m *Meter) RateTables() []RateTable {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.rates)
}

// loadInstalledRates reads the stored tables at start-up, checking each signature again.
func (m *Meter) loadInstalledRates(ctx context.Context) error {
	var stored []funds.SignedRates
	if _, err := m.jsonSetting(ctx, keyRateTables, &stored); err != nil {
		return err
	}
	tables, refused := m.checkRates(stored)
	if refused != nil {
		m.log.Error("stored rate table refused", "err", refused)
	}
	m.installRates(tables)
	return nil
}

// checkRates keeps the signed, valid tables and says why the others were refused.
func (m *Meter) checkRates(signed []funds.SignedRates) ([]RateTable, error) {
	var ok []RateTable
	var refused []error
	for _, s := range signed {
		if !m.cfg.Vault.CheckRates(s) {
			refused = append(refused, fmt.Errorf("%w: the table effective %s is not signed by the pinned Data Center key", ErrRatesRefused, s.Effective))
			continue
		}
		t, err := ParseRateTable("rates-"+s.Effective+".json", s.Table)
		if err != nil {
			refused = append(refused, fmt.Errorf("%w: %v", ErrRatesRefused, err))
			continue
		}
		t.Origin = OriginDataCenter
		ok = append(ok, t)
	}
	return ok, errors.Join(refused...)
}

// installRates puts the Data Center's tables in force beside the built-in ones.
func (m *Meter) installRates(installed []RateTable) {
	merged := slices.Clone(m.cfg.Rates)
	for i := range merged {
		if merged[i].Origin == "" {
			merged[i].Origin = OriginBuiltIn
		}
	}
	for _, t := range installed {
		merged = slices.DeleteFunc(merged, func(b RateTable) bool { return b.Effective.Equal(t.Effective) })
		merged = append(merged, t)
	}
	slices.SortFunc(merged, func(a, b RateTable) int { return a.Effective.Compare(b.Effective) })
	m.mu.Lock()
	m.rates = merged
	m.mu.Unlock()
}

// SyncRates downloads the Data Center's rate tables and installs the good ones; it returns how many
// are installed and, if any was refused, an error wrapping ErrRatesRefused (the others are installed
// all the same). A Data Center that publishes no tables leaves the meter as it was.
func (m *Meter) SyncRates(ctx context.Context) (int, error) {
	src, ok := m.cfg.DataCenter.(funds.RatesSource)
	if !ok {
		return 0, nil
	}
	signed, err := src.RateTables(ctx)
	if err != nil {
		return 0, fmt.Errorf("download rate tables: %w", err)
	}
	tables, refused := m.checkRates(signed)
	keep := slices.DeleteFunc(slices.Clone(signed), func(s funds.SignedRates) bool {
		return !slices.ContainsFunc(tables, func(t RateTable) bool { return t.Effective.Format("2006-01-02") == s.Effective })
	})
	var stored []funds.SignedRates
	if _, err := m.jsonSetting(ctx, keyRateTables, &stored); err != nil {
		return 0, err
	}
	if !slices.EqualFunc(stored, keep, sameSignedRates) {
		if err := m.setJSON(ctx, keyRateTables, keep, "system"); err != nil {
			return 0, fmt.Errorf("install rate tables: %w", err)
		}
	}
	m.installRates(tables)
	if refused != nil {
		m.log.Error("rate table from the Data Center refused", "err", refused)
	}
	return len(tables), refused
}

func sameSignedRates(a, b funds.SignedRates) bool {
	return a.Effective == b.Effective && string(a.Table) == string(b.Table) && string(a.Signature) == string(b.Signature)
}

// syncRatesAfterContact installs new tables after a successful contact; a failure is logged, never
// shown: the tables already installed stay in force.
func (m *Meter) syncRatesAfterContact(ctx context.Context) {
	if _, err := m.SyncRates(ctx); err != nil {
		m.log.Warn("rate tables not updated", "err", err)
	}
}

// RateTableInfo is one line of the Rates screen.
type RateTableInfo struct {
	Effective  time.Time
	Origin     string // OriginBuiltIn or OriginDataCenter
	Unverified bool
	InForce    bool // the table in force today
	Next       bool // the next table to take effect after today's
}

// RatesView lists the tables the meter prices from, newest first, marking the one in force today and
// the next one.
func (m *Meter) RatesView() []RateTableInfo {
	tables := m.RateTables()
	today, _ := RateTableFor(tables, m.Now()) // zero when none is in force today
	var out []RateTableInfo
	next := -1
	for i, t := range tables {
		info := RateTableInfo{Effective: t.Effective, Origin: t.Origin, Unverified: t.Unverified,
			InForce: !today.Effective.IsZero() && t.Effective.Equal(today.Effective)}
		if next < 0 && t.Effective.After(today.Effective) && (!today.Effective.IsZero() || i == 0) {
			info.Next, next = true, i
		}
		out = append(out, info)
	}
	slices.Reverse(out)
	return out
}
