package datacenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"postmeter/funds"
)

// schemaVersion is stored in PRAGMA user_version: 1 is schema alone, 2 adds ledgerSchema, 3 trustSchema,
// 4 ratesSchema, 5 piecesSchema, 6 meterLedgerSchema.
const schemaVersion = 6

// schema: money in INTEGER mills in STRICT tables (no silent REAL), the account invariant as a CHECK, and
// refill rows that are permanent and change at most once (reserved -> posted | voided).
const schema = `
CREATE TABLE account(
  number       TEXT PRIMARY KEY CHECK(length(number) = 8 AND number NOT GLOB '*[^0-9]*'),
  deposits     INTEGER NOT NULL CHECK(deposits >= 0),
  prepaid      INTEGER NOT NULL CHECK(prepaid >= 0),
  credit_limit INTEGER NOT NULL CHECK(credit_limit >= 0),
  credit_used  INTEGER NOT NULL CHECK(credit_used >= 0 AND credit_used <= credit_limit),
  reserved     INTEGER NOT NULL CHECK(reserved >= 0),
  posted       INTEGER NOT NULL CHECK(posted >= 0),
  locked       INTEGER NOT NULL CHECK(locked IN (0, 1)),
  created      TEXT NOT NULL,
  CHECK(deposits + credit_used = prepaid + reserved + posted)
) STRICT;

CREATE TABLE deposit(
  seq            INTEGER PRIMARY KEY,
  account_number TEXT NOT NULL REFERENCES account(number),
  amount         INTEGER NOT NULL CHECK(amount > 0),
  at             TEXT NOT NULL
) STRICT;
CREATE INDEX deposit_account ON deposit(account_number);
CREATE TRIGGER deposit_no_update BEFORE UPDATE ON deposit BEGIN SELECT RAISE(ABORT, 'deposits are append-only'); END;
CREATE TRIGGER deposit_no_delete BEFORE DELETE ON deposit BEGIN SELECT RAISE(ABORT, 'deposits are append-only'); END;

CREATE TABLE meter(
  serial           TEXT PRIMARY KEY CHECK(length(serial) BETWEEN 1 AND 32),
  account_number   TEXT NOT NULL REFERENCES account(number),
  secret           BLOB NOT NULL CHECK(length(secret) = 32),
  min_refill       INTEGER NOT NULL CHECK(min_refill > 0),
  max_refill       INTEGER NOT NULL CHECK(max_refill >= min_refill),
  created          TEXT NOT NULL,
  last_contact     TEXT,
  postal_at        TEXT,
  postal_available INTEGER,
  postal_used      INTEGER,
  postal_control   INTEGER,
  postal_pieces    INTEGER,
  audit_head       TEXT,
  audit_seq        INTEGER
) STRICT;

CREATE TABLE refill(
  id              TEXT PRIMARY KEY CHECK(length(id) = 36),
  meter_serial    TEXT NOT NULL REFERENCES meter(serial),
  account_number  TEXT NOT NULL REFERENCES account(number),
  amount          INTEGER NOT NULL,
  state           TEXT NOT NULL CHECK(state IN ('reserved', 'declined', 'posted', 'voided')),
  tombstone       INTEGER NOT NULL CHECK(tombstone IN (0, 1)),
  from_prepaid    INTEGER NOT NULL CHECK(from_prepaid >= 0),
  from_credit     INTEGER NOT NULL CHECK(from_credit >= 0),
  decline_code    TEXT,
  decline_message TEXT,
  decline_min     INTEGER,
  decline_max     INTEGER,
  reg_available   INTEGER,
  reg_used        INTEGER,
  reg_control     INTEGER,
  reg_pieces      INTEGER,
  created         TEXT NOT NULL,
  resolved        TEXT,
  -- amount 0 only for a voided tombstone
  CHECK(amount > 0 OR (tombstone = 1 AND amount = 0)),
  CHECK(tombstone = 0 OR (state = 'voided' AND amount = 0)),
  CHECK((state = 'declined') = (decline_code IS NOT NULL)),
  -- a hold is drawn exactly from prepaid and credit; declines and tombstones drew nothing
  CHECK(CASE WHEN state = 'declined' OR tombstone = 1 THEN from_prepaid = 0 AND from_credit = 0
             ELSE from_prepaid + from_credit = amount END),
  CHECK((state = 'reserved') = (resolved IS NULL))
) STRICT;
CREATE INDEX refill_account ON refill(account_number, state);
CREATE INDEX refill_meter ON refill(meter_serial);
CREATE TRIGGER refill_final BEFORE UPDATE ON refill WHEN OLD.state <> 'reserved'
  BEGIN SELECT RAISE(ABORT, 'a resolved refill never changes'); END;
CREATE TRIGGER refill_transition BEFORE UPDATE ON refill
  WHEN NEW.state NOT IN ('posted', 'voided') OR NEW.id <> OLD.id OR NEW.amount <> OLD.amount
    OR NEW.meter_serial <> OLD.meter_serial OR NEW.account_number <> OLD.account_number
    OR NEW.from_prepaid <> OLD.from_prepaid OR NEW.from_credit <> OLD.from_credit OR NEW.tombstone <> OLD.tombstone
  BEGIN SELECT RAISE(ABORT, 'a reserved refill only moves to posted or voided'); END;
CREATE TRIGGER refill_no_delete BEFORE DELETE ON refill
  BEGIN SELECT RAISE(ABORT, 'refills are permanent'); END;
`

// ledgerSchema keeps each account's sums of its refill and deposit rows in account_ledger, maintained by
// triggers as the rows are written, so a transaction checks its account against them at once
// (assertAccount) instead of summing the account's whole history, which grows with every refill and
// would hold the one writer longer and longer. CheckInvariants still sums every row and compares both.
const ledgerSchema = `
CREATE TABLE account_ledger(
  account_number TEXT PRIMARY KEY REFERENCES account(number),
  reserved       INTEGER NOT NULL DEFAULT 0,
  posted         INTEGER NOT NULL DEFAULT 0,
  credit_held    INTEGER NOT NULL DEFAULT 0,
  deposits       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TRIGGER ledger_account AFTER INSERT ON account BEGIN
  INSERT INTO account_ledger(account_number) VALUES (NEW.number);
END;
CREATE TRIGGER ledger_deposit AFTER INSERT ON deposit BEGIN
  UPDATE account_ledger SET deposits = deposits + NEW.amount WHERE account_number = NEW.account_number;
END;
CREATE TRIGGER ledger_refill_insert AFTER INSERT ON refill BEGIN
  UPDATE account_ledger SET
    reserved    = reserved + (NEW.state = 'reserved') * NEW.amount,
    posted      = posted + (NEW.state = 'posted') * NEW.amount,
    credit_held = credit_held + (NEW.state IN ('reserved', 'posted')) * NEW.from_credit
  WHERE account_number = NEW.account_number;
END;
CREATE TRIGGER ledger_refill_update AFTER UPDATE OF state ON refill BEGIN
  UPDATE account_ledger SET
    reserved    = reserved + (NEW.state = 'reserved') * NEW.amount - (OLD.state = 'reserved') * OLD.amount,
    posted      = posted + (NEW.state = 'posted') * NEW.amount - (OLD.state = 'posted') * OLD.amount,
    credit_held = credit_held + (NEW.state IN ('reserved', 'posted')) * NEW.from_credit
                              - (OLD.state IN ('reserved', 'posted')) * OLD.from_credit
  WHERE account_number = OLD.account_number;
END;
INSERT INTO account_ledger(account_number, reserved, posted, credit_held, deposits)
SELECT a.number,
  (SELECT COALESCE(SUM(amount), 0) FROM refill r WHERE r.account_number = a.number AND r.state = 'reserved'),
  (SELECT COALESCE(SUM(amount), 0) FROM refill r WHERE r.account_number = a.number AND r.state = 'posted'),
  (SELECT COALESCE(SUM(from_credit), 0) FROM refill r WHERE r.account_number = a.number AND r.state IN ('reserved', 'posted')),
  (SELECT COALESCE(SUM(amount), 0) FROM deposit d WHERE d.account_number = a.number)
FROM account a;
`

// meterLedgerSchema keeps each meter's posted and reserved refills summed as the rows are written, as
// ledgerSchema keeps each account's, so the check of a meter's report (reportTx) reads one row instead of
// summing every refill the meter ever had. Databases from before get it filled from their rows.
const meterLedgerSchema = `
CREATE TABLE meter_ledger(
  serial   TEXT PRIMARY KEY REFERENCES meter(serial),
  reserved INTEGER NOT NULL DEFAULT 0,
  posted   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TRIGGER ledger_meter AFTER INSERT ON meter BEGIN
  INSERT INTO meter_ledger(serial) VALUES (NEW.serial);
END;
CREATE TRIGGER meter_ledger_refill_insert AFTER INSERT ON refill BEGIN
  UPDATE meter_ledger SET
    reserved = reserved + (NEW.state = 'reserved') * NEW.amount,
    posted   = posted + (NEW.state = 'posted') * NEW.amount
  WHERE serial = NEW.meter_serial;
END;
CREATE TRIGGER meter_ledger_refill_update AFTER UPDATE OF state ON refill BEGIN
  UPDATE meter_ledger SET
    reserved = reserved + (NEW.state = 'reserved') * NEW.amount - (OLD.state = 'reserved') * OLD.amount,
    posted   = posted + (NEW.state = 'posted') * NEW.amount - (OLD.state = 'posted') * OLD.amount
  WHERE serial = OLD.meter_serial;
END;
INSERT INTO meter_ledger(serial, reserved, posted)
SELECT m.serial,
  (SELECT COALESCE(SUM(amount), 0) FROM refill r WHERE r.meter_serial = m.serial AND r.state = 'reserved'),
  (SELECT COALESCE(SUM(amount), 0) FROM refill r WHERE r.meter_serial = m.serial AND r.state = 'posted')
FROM meter m;
`

// SQLiteOptions configures OpenSQLite.
type SQLiteOptions struct {
	Now    func() time.Time // clock for stored timestamps; time.Now if nil
	Logger *slog.Logger     // slog.Default() if nil
}

// SQLiteStore is the Store on one SQLite file (modernc.org/sqlite): WAL, synchronous=FULL, foreign keys,
// BEGIN IMMEDIATE, one connection. It is safe for concurrent use; transactions are serialized.
type SQLiteStore struct {
	db  *sql.DB
	now func() time.Time
	log *slog.Logger

	// weak is always zero in a program: only the adversary harness (export_test.go) plants a weakness,
	// to prove that it notices one.
	weak weaknesses

	group *groupWriter // the one writer that batches transactions into commits (sqlite_group.go)
}

// weaknesses are checks the adversary harness can switch off in its own test binary.
type weaknesses struct {
	noNonceMemory bool // accept a nonce seen before
	trustReports  bool // believe every report
}

var _ Store = (*SQLiteStore)(nil)

// DSN returns the data source name OpenSQLite uses for path.
func DSN(path string) string {
	return funds.DurableDSN(path)
}

// OpenSQLite opens (creating if needed) the Data Center database at path. It refuses to open unless the
// connection really is in WAL mode with synchronous=FULL and foreign keys on.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLiteStore, error) {
	if path == "" || strings.ContainsAny(path, "?#%") {
		return nil, fmt.Errorf("open data center database %q: %w", path,
			invalidf("the path must be a file name without '?', '#' or '%%'"))
	}
	if err := funds.CreatePrivateFile(path); err != nil {
		return nil, fmt.Errorf("open data center database: %w", err)
	}
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open data center database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &SQLiteStore{db: db, now: opts.Now, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := funds.CheckDurablePragmas(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("open data center database %s: %w", path, err), db.Close())
	}
	if err := migrate(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("open data center database %s: %w", path, err), db.Close())
	}
	s.startGroupWriter()
	return s, nil
}

// Close stops the writer and closes the database.
func (s *SQLiteStore) Close() error {
	s.stopGroupWriter()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close data center database: %w", err)
	}
	return nil
}

func migrate(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer rollback(tx, &err)
	var version int
	if err = tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read user_version: %w", err)
	}
	switch version {
	case schemaVersion:
		return tx.Commit()
	case 0:
		if _, err = tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("migrate: create schema: %w", err)
		}
	case 1, 2, 3, 4, 5:
	default:
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, schemaVersion)
	}
	// Version 1 databases get the ledger filled from their rows; new ones get it empty.
	if version < 2 {
		if _, err = tx.ExecContext(ctx, ledgerSchema); err != nil {
			return fmt.Errorf("migrate: create the account ledger: %w", err)
		}
	}
	// Version 3 drops the HMAC secrets: meters registered before must enroll with a token (trust.go).
	if version < 3 {
		if _, err = tx.ExecContext(ctx, trustSchema); err != nil {
			return fmt.Errorf("migrate: add meter keys and report checks: %w", err)
		}
	}
	// Version 4 keeps the rate tables published to the meters (rates.go).
	if version < 4 {
		if _, err = tx.ExecContext(ctx, ratesSchema); err != nil {
			return fmt.Errorf("migrate: add rate tables: %w", err)
		}
	}
	// Version 5 keeps the pieces verify-indicium has seen (sqlite_pieces.go).
	if version < 5 {
		if _, err = tx.ExecContext(ctx, piecesSchema); err != nil {
			return fmt.Errorf("migrate: add verified pieces: %w", err)
		}
	}
	// Version 6 keeps each meter's refill sums (meterLedgerSchema), filled from the rows.
	if _, err = tx.ExecContext(ctx, meterLedgerSchema); err != nil {
		return fmt.Errorf("migrate: add the meter ledger: %w", err)
	}
	if _, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("migrate: set user_version: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// rollback rolls tx back if *errp is set, joining a rollback failure into *errp.
func rollback(tx *sql.Tx, errp *error) {
	if *errp == nil {
		return
	}
	if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
		*errp = errors.Join(*errp, fmt.Errorf("rollback: %w", rbErr))
	}
}

// inTx runs fn as one transaction: everything fn did commits, or nothing if fn fails. The one writer
// may commit it together with others (group commit, sqlite_group.go); inTx returns once it committed.
func (s *SQLiteStore) inTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	return s.groupTx(ctx, fn)
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const timeLayout = time.RFC3339Nano

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(col string, v sql.NullString) (time.Time, error) {
	if !v.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, v.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("column %s: %w", col, err)
	}
	return t, nil
}
