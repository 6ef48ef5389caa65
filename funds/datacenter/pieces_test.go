package datacenter_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds/datacenter"
)

// The Data Center keeps each verified piece by meter and number with its digest: the first time it is
// new; the same digest again is a copy, another digest is a second piece under the same number; the
// first stays, and neither the code nor a writer that bypasses it can change or delete it.
func TestRememberPiece(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := datacenter.PieceDigest([]byte("body"), []byte("sig"))
	b := datacenter.PieceDigest([]byte("body"), []byte("other sig"))
	require.NotEqual(t, a, b)
	memory, ok := h.store.(datacenter.PieceMemory)
	require.True(t, ok, "the SQLite store keeps verified pieces")

	seen, err := memory.RememberPiece(ctx, m1, 43, a)
	require.NoError(t, err)
	assert.False(t, seen.Before)
	first := h.clock.Now()
	h.clock.Advance(time.Hour)
	seen, err = memory.RememberPiece(ctx, m1, 43, a)
	require.NoError(t, err)
	assert.Equal(t, datacenter.PieceSeen{Before: true, Same: true, At: first}, seen)
	seen, err = memory.RememberPiece(ctx, m1, 43, b)
	require.NoError(t, err)
	assert.Equal(t, datacenter.PieceSeen{Before: true, Same: false, At: first}, seen)
	seen, err = memory.RememberPiece(ctx, m2, 43, b)
	require.NoError(t, err)
	assert.False(t, seen.Before, "piece numbers are per meter")
	_, err = memory.RememberPiece(ctx, "PM999999", 1, a)
	assert.Error(t, err, "only pieces of a registered meter")
	n, err := h.store.(*datacenter.SQLiteStore).VerifiedPieces(ctx, m1)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)

	db := rawDB(t, h)
	for name, stmt := range map[string]string{
		"changed": `UPDATE verified_piece SET digest = zeroblob(32) WHERE serial = 'PM000001'`,
		"deleted": `DELETE FROM verified_piece WHERE serial = 'PM000001'`,
		"short":   `INSERT INTO verified_piece VALUES('PM000001', 44, x'00', '2026-03-02T09:30:00Z')`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		assert.Error(t, err, name)
	}
	require.NoError(t, h.store.CheckInvariants(ctx))
}

// A database of schema version 4 (rate tables, no verified pieces, no meter ledger) gains the tables
// when opened, and keeps its rate tables.
func TestMigrationFromVersion4(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.store.(datacenter.PieceMemory).RememberPiece(ctx, m1, 1, datacenter.PieceDigest([]byte("x"), nil))
	require.NoError(t, err)
	require.NoError(t, h.store.(*datacenter.SQLiteStore).PublishRates(ctx, h.dcKey, "2026-12-01", []byte(`{"t":1}`)))
	db := rawDB(t, h)
	_, err = db.ExecContext(ctx, `DROP TRIGGER verified_piece_kept; DROP TRIGGER verified_piece_not_deleted;
		DROP TABLE verified_piece; DROP TRIGGER ledger_meter; DROP TRIGGER meter_ledger_refill_insert;
		DROP TRIGGER meter_ledger_refill_update; DROP TABLE meter_ledger; PRAGMA user_version = 4;`)
	require.NoError(t, err)

	st, err := datacenter.OpenSQLite(ctx, h.path, datacenter.SQLiteOptions{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer st.Close()
	var version int
	require.NoError(t, db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version))
	assert.Equal(t, 6, version)
	seen, err := st.RememberPiece(ctx, m1, 1, datacenter.PieceDigest([]byte("x"), nil))
	require.NoError(t, err)
	assert.False(t, seen.Before, "the table is new")
	tables, err := st.RateTables(ctx)
	require.NoError(t, err)
	assert.Len(t, tables, 1, "the rate tables are kept")
}

// rawDB opens a second connection to the harness's SQLite database, to tamper with it as a bug or an
// operator editing the file by hand would.
func rawDB(t *testing.T, h *harness) *sql.DB {
	db, err := sql.Open("sqlite", datacenter.DSN(h.path))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}
