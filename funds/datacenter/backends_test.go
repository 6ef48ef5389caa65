package datacenter_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"postmeter/funds/datacenter"
	"postmeter/internal/pgtest"
)

// The conformance suite: every store test that says forEachStore runs once on each Store implementation,
// the embedded SQLite file and a real PostgreSQL server (internal/pgtest, one server for this test binary
// and one database per test).

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// backend makes, opens and tampers with one kind of database.
type backend struct {
	name string
	// fresh returns where a new empty database is (a file path, a URL).
	fresh func(t testing.TB) string
	open  func(ctx context.Context, loc string, now func() time.Time, log *slog.Logger) (datacenter.Store, error)
	// exec runs a statement on the database behind the store's back, as a bug or an operator editing
	// the database by hand would.
	exec func(ctx context.Context, loc, stmt string) error
	// reset empties the database at loc (its store closed) so the next open starts afresh.
	reset func(loc string) error
}

var sqliteBackend = backend{
	name:  "sqlite",
	fresh: func(t testing.TB) string { return filepath.Join(t.TempDir(), "dc.db") },
	open: func(ctx context.Context, loc string, now func() time.Time, log *slog.Logger) (datacenter.Store, error) {
		return datacenter.OpenSQLite(ctx, loc, datacenter.SQLiteOptions{Now: now, Logger: log})
	},
	exec: func(ctx context.Context, loc, stmt string) error {
		db, err := sql.Open("sqlite", datacenter.DSN(loc))
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, stmt)
		return err
	},
	reset: func(loc string) error {
		for _, f := range []string{loc, loc + "-wal", loc + "-shm"} {
			if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	},
}

var postgresBackend = backend{
	name: "postgres",
	// A schema made and migrated costs a few tenths of a second; emptied, a few hundredths. So each
	// test's database is emptied at its end and handed to the next test.
	fresh: func(t testing.TB) string {
		pgFree.Lock()
		var loc string
		if n := len(pgFree.locs); n > 0 {
			loc, pgFree.locs = pgFree.locs[n-1], pgFree.locs[:n-1]
		}
		pgFree.Unlock()
		if loc == "" {
			loc = pgtest.Database(t)
		}
		t.Cleanup(func() {
			if pgReset(loc) == nil {
				pgFree.Lock()
				pgFree.locs = append(pgFree.locs, loc)
				pgFree.Unlock()
			}
		})
		return loc
	},
	reset: pgReset,
	open: func(ctx context.Context, loc string, now func() time.Time, log *slog.Logger) (datacenter.Store, error) {
		return datacenter.OpenPostgres(ctx, loc, datacenter.PostgresOptions{Now: now, Logger: log, MaxConns: 16})
	},
	exec: func(ctx context.Context, loc, stmt string) error {
		conn, err := pgx.Connect(ctx, loc)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, stmt)
		return err
	},
}

var backends = []backend{sqliteBackend, postgresBackend}

// pgFree are emptied PostgreSQL databases (schemas) ready for the next test.
var pgFree struct {
	sync.Mutex
	locs []string
}

// pgReset empties every table of the store's schema. The store's own triggers refuse to truncate its
// money tables; as the superuser of the throwaway server, the reset switches triggers off for itself
// (replica role), which no store connection can.
func pgReset(loc string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, loc)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SET session_replication_role = replica;
		TRUNCATE account, deposit, meter, refill, account_ledger, meter_ledger, nonce, meter_event, rate_table RESTART IDENTITY`)
	return err
}

// forEachStore runs fn as a subtest per backend. The two run in parallel: each has a database of its
// own, and the PostgreSQL one spends most of its time waiting on the server, another process.
func forEachStore(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// newHarnessOn is newHarness on a fresh database of backend b.
func newHarnessOn(t *testing.T, b backend) *harness {
	h := openHarnessOn(t, b, b.fresh(t))
	t.Cleanup(h.Close)
	return h
}

// exec tampers with the harness's database (backend.exec).
func (h *harness) exec(stmt string) error {
	return h.backend.exec(h.ctx, h.path, stmt)
}

func (h *harness) mustExec(t testing.TB, stmt string) {
	t.Helper()
	require.NoError(t, h.exec(stmt))
}
