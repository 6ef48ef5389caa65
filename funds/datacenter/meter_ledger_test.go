package datacenter_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds/datacenter"
)

// meterLedger reads meter serial's ledger row in the database at loc: its reserved and posted mills.
func meterLedger(t *testing.T, b backend, loc, serial string) (reserved, posted int64) {
	t.Helper()
	ctx := context.Background()
	if b.name == "sqlite" {
		db, err := sql.Open("sqlite", datacenter.DSN(loc))
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, db.QueryRowContext(ctx, `SELECT reserved, posted FROM meter_ledger WHERE serial = ?`, serial).
			Scan(&reserved, &posted))
		return reserved, posted
	}
	conn, err := pgx.Connect(ctx, loc)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.NoError(t, conn.QueryRow(ctx, `SELECT reserved, posted FROM meter_ledger WHERE serial = $1`, serial).
		Scan(&reserved, &posted))
	return reserved, posted
}

// The meter ledger is kept by the database as refills are written, so a meter's report is checked
// against one row, not the sum of its whole history; a ledger changed by hand is found.
func TestMeterLedgerFollowsTheRefillsAndIsChecked(t *testing.T) {
	forEachStore(t, func(t *testing.T, b backend) {
		h := newHarnessOn(t, b)
		m := h.meter(m1)
		posted := newID(t)
		m.reserve(posted, 200*dollar).answer(t)
		m.post(posted).answer(t)
		m.reserve(newID(t), 50*dollar).answer(t)
		voided := newID(t)
		m.reserve(voided, 30*dollar).answer(t)
		m.void(voided).answer(t)
		reserved, postedMills := meterLedger(t, b, h.path, m1)
		assert.EqualValues(t, 50*dollar, reserved)
		assert.EqualValues(t, 200*dollar, postedMills)
		h.checkInvariants()

		h.mustExec(t, `UPDATE meter_ledger SET posted = posted + 1000 WHERE serial = '`+m1+`'`)
		err := h.store.CheckInvariants(h.ctx)
		require.ErrorIs(t, err, datacenter.ErrInvariant)
		assert.Contains(t, err.Error(), "meter "+m1)
	})
}

// A database from before the meter ledger (PostgreSQL schema version 3, SQLite 5) gets one filled from
// its refill rows.
func TestMeterLedgerIsFilledByTheMigration(t *testing.T) {
	downgrade := map[string]string{
		"sqlite": `DROP TRIGGER ledger_meter; DROP TRIGGER meter_ledger_refill_insert; DROP TRIGGER meter_ledger_refill_update;
			DROP TABLE meter_ledger; PRAGMA user_version = 5`,
		"postgres": `DROP TRIGGER ledger_meter ON meter; DROP FUNCTION ledger_meter();
			DROP TABLE meter_ledger; UPDATE schema_version SET version = 3`,
	}
	forEachStore(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		loc := b.fresh(t)
		h := openHarnessOn(t, b, loc)
		m := h.meter(m1)
		id := newID(t)
		m.reserve(id, 200*dollar).answer(t)
		m.post(id).answer(t)
		m.reserve(newID(t), 50*dollar).answer(t)
		h.Close()
		require.NoError(t, b.exec(ctx, loc, downgrade[b.name]))

		st, err := b.open(ctx, loc, nil, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		defer st.Close()
		require.NoError(t, st.CheckInvariants(ctx))
		reserved, posted := meterLedger(t, b, loc, m1)
		assert.EqualValues(t, 50*dollar, reserved)
		assert.EqualValues(t, 200*dollar, posted)
		reserved, posted = meterLedger(t, b, loc, m3) // a meter without refills has a ledger too
		assert.Zero(t, reserved+posted)
	})
}
