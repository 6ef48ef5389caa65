package datacenter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresOptions configures OpenPostgres.
type PostgresOptions struct {
	Now    func() time.Time // clock for stored timestamps; time.Now if nil
	Logger *slog.Logger     // slog.Default() if nil
	// MaxConns bounds the connection pool; pgxpool's default (4 or the number of CPUs) if zero.
	MaxConns int32
	// NoGroups runs every meter request in a transaction of its own instead of grouping the requests
	// that arrive together (postgres_group.go).
	NoGroups bool
	// NonceSweep is how often the process drops expired nonces (postgres_nonce.go); 10 s if zero.
	NonceSweep time.Duration
}

// PostgresStore is the Store on a PostgreSQL database (pgx), for a Data Center that serves a fleet: any
// number of `datacenter serve` processes may share one database, since nothing a process keeps in memory
// matters for correctness (nonces, reports and the ledger are all in the database).
//
// Where the SQLite store relies on its one writer, each money transaction here runs in READ COMMITTED
// and takes row locks in one fixed order — the meter's row, then its account's row — before it reads
// what it decides on, so two requests on one account queue instead of both deciding on the same
// balance, and no two transactions wait on each other in a circle. A transaction that still fails with
// serialization_failure (40001), deadlock_detected (40P01) or a unique violation from a racing insert of
// the same key (23505, e.g. one refill id sent by two meters at once) is retried whole, up to
// pgMaxAttempts times.
type PostgresStore struct {
	pool    *pgxpool.Pool
	now     func() time.Time
	log     *slog.Logger
	retries atomic.Int64
	sweeper *nonceSweeper
	group   *pgGrouper // nil: every request runs alone (PostgresOptions.NoGroups)

	// weak is always zero in a program: only the adversary harness (export_test.go) plants a weakness.
	weak weaknesses
}

var _ Store = (*PostgresStore)(nil)

// pgMaxAttempts bounds how often one transaction is tried; 50 racing requests on one account each
// wait for a lock rather than retry, so retries are rare.
const pgMaxAttempts = 20

// IsPostgresURL says whether a -db argument names a PostgreSQL database rather than a SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenPostgres connects to the database at url (postgres://…) and brings its schema up to date.
func OpenPostgres(ctx context.Context, url string, opts PostgresOptions) (*PostgresStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: say what is wrong without repeating it.
		return nil, fmt.Errorf("open data center database: %w", invalidf("the PostgreSQL URL does not parse"))
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open data center database on %s: %w", cfg.ConnConfig.Host, err)
	}
	s := &PostgresStore{pool: pool, now: opts.Now, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open data center database on %s: %w", cfg.ConnConfig.Host, err)
	}
	s.startNonceSweeper(opts.NonceSweep)
	if !opts.NoGroups {
		s.startGrouper()
	}
	return s, nil
}

// Close stops the nonce sweep and the group workers, and closes the pool.
func (s *PostgresStore) Close() error {
	s.sweeper.stop()
	if s.group != nil {
		s.group.stopGrouper()
	}
	s.pool.Close()
	return nil
}

// Retries is how many transactions were retried after a serialization failure, a deadlock or a racing
// insert, since the store was opened.
func (s *PostgresStore) Retries() int64 { return s.retries.Load() }

// Ping checks that the database answers and its schema is this program's (for /readyz).
func (s *PostgresStore) Ping(ctx context.Context) error {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v != len(pgMigrations) {
		return fmt.Errorf("database schema version %d, this program's %d", v, len(pgMigrations))
	}
	return nil
}

// migrate applies the migrations this database lacks, in one transaction under an advisory lock, so
// replicas starting together apply each once.
func (s *PostgresStore) migrate(ctx context.Context) error {
	return s.inTxOpts(ctx, pgx.TxOptions{}, func(tx pgx.Tx, _ time.Time) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7413500015)`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version(
			one boolean PRIMARY KEY DEFAULT true CHECK(one), version integer NOT NULL)`); err != nil {
			return fmt.Errorf("migrate: schema_version: %w", err)
		}
		var version int
		err := tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			_, err = tx.Exec(ctx, `INSERT INTO schema_version(version) VALUES (0)`)
		}
		if err != nil {
			return fmt.Errorf("migrate: read schema version: %w", err)
		}
		if version > len(pgMigrations) {
			return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, len(pgMigrations))
		}
		for v := version; v < len(pgMigrations); v++ {
			if _, err := tx.Exec(ctx, pgMigrations[v]); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(pgMigrations)); err != nil {
			return fmt.Errorf("migrate: set schema version: %w", err)
		}
		return nil
	})
}

// pgq is what a pool and a transaction share.
type pgq interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// inTx runs fn in one READ COMMITTED transaction and commits, retrying the whole of it on a transient
// conflict (retryable). fn must take its row locks itself (lockMeter, lockAccount).
func (s *PostgresStore) inTx(ctx context.Context, fn func(tx pgx.Tx, now time.Time) error) error {
	return s.inTxOpts(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

// inSnapshot runs fn in one read-only REPEATABLE READ transaction: every query sees the same moment.
func (s *PostgresStore) inSnapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTxOpts(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx, _ time.Time) error { return fn(tx) })
}

func (s *PostgresStore) inTxOpts(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx, now time.Time) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.tryTx(ctx, opts, fn)
		if err == nil || !retryable(err) || attempt == pgMaxAttempts || ctx.Err() != nil {
			return err
		}
		s.retries.Add(1)
		s.log.Debug("data center transaction retried", "attempt", attempt, "err", err)
	}
}

func (s *PostgresStore) tryTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx, now time.Time) error) (err error) {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	// PostgreSQL keeps microseconds: store what it can keep, so an answer read back equals the one given.
	if err = fn(tx, s.now().UTC().Truncate(time.Microsecond)); err != nil {
		return pgInvariant(err)
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// retryable says whether a failed transaction may succeed when run again from the start.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01":
		return true
	case "23505":
		// A racing insert of a key this transaction looked for and did not find: run again, it is found.
		return pe.ConstraintName == "refill_pkey"
	}
	return false
}

// uniqueViolation says whether err is a unique violation of the named constraint.
func uniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}
