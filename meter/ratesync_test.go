package meter

import (
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// dcTable is a small verified table effective on date with a 1 oz metered letter at price.
func dcTable(date, price string) []byte {
	return []byte(`{"effective": "` + date + `", "source": "test: published by the Data Center", "unverified": false,
  "classes": [{"class": "letter", "max_oz": "1", "steps": [{"not_over_oz": "1", "price": "` + price + `"}]}]}`)
}

// The Data Center publishes a table dated tomorrow; the meter downloads it at its next contact, prices
// today's mail with the table in force today and tomorrow's (date advance, then the clock) with the new
// one, with nothing for the clerk to do; the table survives a restart.
func TestRatesFromTheDataCenterSwitchOnTheirDate(t *testing.T) {
	r := newRig(t)
	require.NoError(t, r.store.PublishRates(r.ctx, r.dcKey, "2026-11-26", dcTable("2026-11-26", "0.80")))
	letter := Job{Class: ClassLetter, Weight: 10}

	p, err := r.m.Postage(r.ctx, letter)
	require.NoError(t, err)
	assert.Equal(t, 78*funds.Cent, p, "before any contact: the built-in table")
	_, err = r.m.GetBalance(r.ctx, r.super)
	require.NoError(t, err)
	tables := r.m.RateTables()
	require.Len(t, tables, 4)
	assert.Equal(t, OriginDataCenter, tables[3].Origin)
	assert.Equal(t, OriginBuiltIn, tables[2].Origin)

	p, err = r.m.Postage(r.ctx, letter)
	require.NoError(t, err)
	assert.Equal(t, 78*funds.Cent, p, "today (Nov 25): still the table in force today")
	tomorrow := letter
	tomorrow.DateAdvance = 1
	p, err = r.m.Postage(r.ctx, tomorrow)
	require.NoError(t, err)
	assert.Equal(t, 80*funds.Cent, p, "mail dated Nov 26: the Data Center's table")
	tab, err := r.m.RateTableOn(r.ctx, tomorrow)
	require.NoError(t, err)
	assert.False(t, tab.Unverified)

	r.clock.Advance(24 * time.Hour)
	p, err = r.m.Postage(r.ctx, letter)
	require.NoError(t, err)
	assert.Equal(t, 80*funds.Cent, p, "Nov 26: switched with no action")

	again, err := Open(r.ctx, r.m.cfg)
	require.NoError(t, err)
	p, err = again.Postage(r.ctx, letter)
	require.NoError(t, err)
	assert.Equal(t, 80*funds.Cent, p, "installed tables are kept in the vault")
}

// A table changed after the Data Center signed it is refused and not installed; the good tables are,
// and the tables installed before stay in force.
func TestTamperedRateTableRefused(t *testing.T) {
	r := newRig(t)
	require.NoError(t, r.store.PublishRates(r.ctx, r.dcKey, "2026-11-26", dcTable("2026-11-26", "0.80")))
	n, err := r.m.SyncRates(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	require.NoError(t, r.store.PublishRates(r.ctx, r.dcKey, "2026-12-01", dcTable("2026-12-01", "0.85")))
	db, err := sql.Open("sqlite", datacenter.DSN(r.dcPath))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(r.ctx, `UPDATE rate_table SET body = ? WHERE effective = '2026-11-26'`,
		dcTable("2026-11-26", "0.01"))
	require.NoError(t, err)

	n, err = r.m.SyncRates(r.ctx)
	require.ErrorIs(t, err, ErrRatesRefused)
	assert.Contains(t, err.Error(), "2026-11-26")
	assert.Equal(t, 1, n, "the Dec 1 table is installed")
	var dates []string
	for _, tab := range r.m.RateTables() {
		if tab.Origin == OriginDataCenter {
			dates = append(dates, tab.Effective.Format(time.DateOnly))
		}
	}
	assert.Equal(t, []string{"2026-12-01"}, dates, "the tampered table is not installed")
	tomorrow := Job{Class: ClassLetter, Weight: 10, DateAdvance: 1}
	p, err := r.m.Postage(r.ctx, tomorrow)
	require.NoError(t, err)
	assert.Equal(t, 78*funds.Cent, p, "Nov 26 falls back to the built-in table, never the tampered 1¢")

	// A table signed by some other key than the pinned Data Center key is refused the same way.
	_, other, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.NoError(t, r.store.PublishRates(r.ctx, other, "2026-11-26", dcTable("2026-11-26", "0.80")))
	_, err = r.m.SyncRates(r.ctx)
	require.ErrorIs(t, err, ErrRatesRefused)
	assert.True(t, strings.Contains(err.Error(), "not signed by the pinned Data Center key"))
}

// The Rates screen's list: newest first, today's table and the next marked, each with its origin.
func TestRatesView(t *testing.T) {
	r := newRig(t)
	require.NoError(t, r.store.PublishRates(r.ctx, r.dcKey, "2027-01-17", dcTable("2027-01-17", "0.80")))
	_, err := r.m.SyncRates(r.ctx)
	require.NoError(t, err)
	var got []string
	for _, v := range r.m.RatesView() {
		got = append(got, fmt.Sprintf("%s %s unverified=%v now=%v next=%v", v.Effective.Format(time.DateOnly), v.Origin, v.Unverified, v.InForce, v.Next))
	}
	assert.Equal(t, []string{
		"2027-01-17 Data Center unverified=false now=false next=true",
		"2026-07-12 built in unverified=true now=true next=false",
		"2025-07-13 built in unverified=false now=false next=false",
		"2024-07-14 built in unverified=false now=false next=false",
	}, got)
}
