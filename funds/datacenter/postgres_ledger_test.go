package datacenter_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds/datacenter"
)

// pgMeterLedger reads meter serial's ledger row: its reserved and posted mills.
func pgMeterLedger(t *testing.T, loc, serial string) (reserved, posted int64) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, loc)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.NoError(t, conn.QueryRow(ctx, `SELECT reserved, posted FROM meter_ledger WHERE serial = $1`, serial).Scan(&reserved, &posted))
	return reserved, posted
}

// The meter ledger is kept by the database as refills are written, so a meter's report is checked
// against one row, not the sum of its whole history; a ledger changed by hand is found.
func TestMeterLedgerFollowsTheRefillsAndIsChecked(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	m := h.meter(m1)
	posted := newID(t)
	m.reserve(posted, 200*dollar).answer(t)
	m.post(posted).answer(t)
	m.reserve(newID(t), 50*dollar).answer(t)
	voided := newID(t)
	m.reserve(voided, 30*dollar).answer(t)
	m.void(voided).answer(t)
	reserved, postedMills := pgMeterLedger(t, h.path, m1)
	assert.EqualValues(t, 50*dollar, reserved)
	assert.EqualValues(t, 200*dollar, postedMills)
	h.checkInvariants()

	h.mustExec(t, `UPDATE meter_ledger SET posted = posted + 1000 WHERE serial = '`+m1+`'`)
	err := h.store.CheckInvariants(h.ctx)
	require.ErrorIs(t, err, datacenter.ErrInvariant)
	assert.Contains(t, err.Error(), "meter "+m1)
}

// A database from before the meter ledger (schema version 3) gets one filled from its refill rows.
func TestMeterLedgerIsFilledByTheMigration(t *testing.T) {
	ctx := context.Background()
	loc := postgresBackend.fresh(t)
	h := openHarnessOn(t, postgresBackend, loc)
	m := h.meter(m1)
	id := newID(t)
	m.reserve(id, 200*dollar).answer(t)
	m.post(id).answer(t)
	m.reserve(newID(t), 50*dollar).answer(t)
	h.Close()
	require.NoError(t, postgresBackend.exec(ctx, loc, `DROP TRIGGER ledger_meter ON meter; DROP FUNCTION ledger_meter();
		DROP TABLE meter_ledger; UPDATE schema_version SET version = 3`))

	st, err := datacenter.OpenPostgres(ctx, loc, datacenter.PostgresOptions{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.CheckInvariants(ctx))
	reserved, posted := pgMeterLedger(t, loc, m1)
	assert.EqualValues(t, 50*dollar, reserved)
	assert.EqualValues(t, 200*dollar, posted)
	reserved, posted = pgMeterLedger(t, loc, m3) // a meter without refills has a ledger too
	assert.Zero(t, reserved+posted)
}
