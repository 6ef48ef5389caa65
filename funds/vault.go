package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// Vault is the meter's postal security device: the registers, the pieces printed, the refills and an
// append-only audit log chained with a keyed hash, all in one SQLite file (audit.go). Every change of
// registers is one immediate transaction on the single writer connection, committed (fsynced) before
// the caller is told.
type Vault struct {
	db     *sql.DB
	path   string
	now    func() time.Time
	keys   Keys
	serial string

	// mu serialises writers in-process so the cached audit head always matches the database.
	mu       sync.Mutex
	lastHash []byte
	lastSeq  int64
	// lastCheckpoint is the newest checkpoint entry (0: none); checkpointEvery the pieces between two.
	lastCheckpoint  int64
	checkpointEvery int64
	// archiving lets one archive or restore run at a time (archive.go); the writer is taken only to commit.
	archiving sync.Mutex

	// refused is the discrepancy a background verification found: from then on every write fails with
	// it, so the meter prints nothing more (fullcheck.go).
	refused atomic.Pointer[VerifyError]
	// background verifications run under bgCtx; Close cancels it and waits for them.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup
	check    *FullCheck

	stmts vaultStmts

	// receipt remembers the last stored contact receipt checked and its time: every print reads the
	// inspection clock, and a receipt read back unchanged need not have its signature checked again.
	receipt struct {
		sync.Mutex
		value string
		at    time.Time
	}
}

// vaultStmts are prepared once: the hot path (a debit) then parses no SQL.
type vaultStmts struct {
	debit, insertPiece, insertAudit, addTotal *sql.Stmt
}

func (v *Vault) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&v.stmts.debit, `UPDATE registers SET available = available - ?, used = used + ?, pieces = pieces + 1,
			batch_count = batch_count + 1, batch_value = batch_value + ? WHERE id = 1 AND available >= ?
			RETURNING available, used, control, pieces, batch_count, batch_value`},
		{&v.stmts.insertPiece, `INSERT INTO pieces(seq, amount, state, mail_class, account_code, mailing_date,
			actor, created) VALUES(?, ?, 'committed', ?, ?, ?, ?, ?)`},
		{&v.stmts.insertAudit, insertAuditSQL},
		{&v.stmts.addTotal, addPieceTotalSQL},
	} {
		stmt, err := v.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*p.dst = stmt
	}
	return nil
}

// VaultOptions are what a vault needs besides its file.
type VaultOptions struct {
	Keys   Keys             // required: the device key MACs the audit chain; the pinned Data Center key checks grants
	Serial string           // required: the meter's serial, which every grant and contact receipt must name
	Now    func() time.Time // the clock stamped on rows; time.Now if nil
	// CheckpointEvery is the number of pieces between two sealed checkpoints (checkpoint.go): what the
	// verification at open replays at most. 0 means DefaultCheckpointEvery.
	CheckpointEvery int
}

// DefaultCheckpointEvery keeps the verification at open to a few milliseconds of replay even after a
// crash (no checkpoint at close): at most this many pieces' entries, each with its rows. Sealing costs a
// verification of the same size inside one debit's transaction in every DefaultCheckpointEvery.
const DefaultCheckpointEvery = 250

// closeCheckpointMin is how many entries since the newest checkpoint make Close seal another, so that
// the next start replays nothing; fewer are not worth an entry.
const closeCheckpointMin = 100

// ErrOldVault is returned for a vault file made by a postmeter before the keyed audit chain.
var ErrOldVault = errors.New("vault made by an older postmeter")

// vaultFormat is stored in PRAGMA user_version. 2: keyed audit chain with touched rows, refill grants.
// 3: sealed checkpoints (checkpoint_rows) and report summaries (piece_totals); migrate.go.
// 4: archives (archive_schema.go): old pieces and entries may have left for sealed archive files.
const vaultFormat = 4

// Registers are the PSD registers. Available is the descending register, Used the ascending one,
// Control their sum (equal to all credit ever received). Batch counters are resettable.
type Registers struct {
	Available  Amount
	Used       Amount
	Control    Amount
	Pieces     int64
	BatchCount int64
	BatchValue Amount
}

// Readings converts registers to the form reported to the Data Center.
func (r Registers) Readings() RegisterReadings {
	return RegisterReadings{AvailableMills: r.Available.Mills(), UsedMills: r.Used.Mills(),
		ControlMills: r.Control.Mills(), Pieces: r.Pieces}
}

// DurableDSN is the connection string of every money database (the vault and the Data Center): WAL,
// synchronous=FULL, immediate transactions. It is built from the path only, never from other input, because modernc runs _pragma values as SQL.
func DurableDSN(path string) string {
	u := url.URL{Scheme: "file", Opaque: path}
	return u.String() + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
}

// OpenVault opens or creates the vault at path. It refuses to open without keys and a serial, if SQLite
// did not take the durability pragmas, or for a file of an older format; and it runs Verify so a vault
// whose rows disagree with their history is never used. The file is made 0600 before SQLite opens it.
func OpenVault(ctx context.Context, path string, opts VaultOptions) (*Vault, error) {
	if opts.Keys == nil {
		return nil, fmt.Errorf("open vault %s: no keys (VaultOptions.Keys): the vault cannot sign or check its history without them", path)
	}
	if opts.Serial == "" {
		return nil, fmt.Errorf("open vault %s: no meter serial (VaultOptions.Serial): grants and receipts cannot be checked without it", path)
	}
	if err := CreatePrivateFile(path); err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	db, err := sql.Open("sqlite", DurableDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open vault %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // the single writer; reads share it, SQLite allows one writer anyway
	db.SetConnMaxLifetime(0)
	v := &Vault{db: db, path: path, now: opts.Now, keys: opts.Keys, serial: opts.Serial,
		checkpointEvery: int64(opts.CheckpointEvery)}
	if v.now == nil {
		v.now = time.Now
	}
	if v.checkpointEvery == 0 {
		v.checkpointEvery = DefaultCheckpointEvery
	}
	v.bgCtx, v.bgCancel = context.WithCancel(context.Background())
	if err := v.init(ctx); err != nil {
		v.bgCancel()
		db.Close()
		return nil, fmt.Errorf("open vault %s: %w", path, err)
	}
	return v, nil
}

func (v *Vault) init(ctx context.Context) error {
	if err := CheckDurablePragmas(ctx, v.db); err != nil {
		return err
	}
	var tables, format int
	if err := v.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables); err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if err := v.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&format); err != nil {
		return fmt.Errorf("read format: %w", err)
	}
	switch {
	case tables == 0:
		if err := v.create(ctx); err != nil {
			return err
		}
	case format < firstMigratableFormat:
		return fmt.Errorf("%w (format %d, this postmeter needs %d: no keyed audit chain, no signed grants); "+
			"it cannot be checked or migrated: replace it with a new vault (the trainer resets its demo data)",
			ErrOldVault, format, vaultFormat)
	case format > vaultFormat:
		return fmt.Errorf("vault format %d is newer than this postmeter's %d: use the postmeter that wrote it", format, vaultFormat)
	case format < vaultFormat:
		if err := v.migrate(ctx, format); err != nil {
			return err
		}
		// The tables added within a format (CREATE … IF NOT EXISTS) come with the migrated vault too.
		if _, err := v.db.ExecContext(ctx, pieceSignatureSchema+autoRefillSchema+refundSchema); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	default:
		// The guards (CHECKs, triggers) are the first line against bugs, not against attackers: put back
		// any that were dropped. Verify below is what finds tampering.
		if _, err := v.db.ExecContext(ctx, vaultSchema+pieceSignatureSchema+autoRefillSchema+refundSchema+archiveSchema); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	if err := v.prepare(ctx); err != nil {
		return err
	}
	if err := v.loadAuditHead(ctx); err != nil {
		return err
	}
	// Only what was written since the newest checkpoint is verified before the vault is used; the whole
	// history is verified in the background, and a discrepancy there stops every write (fullcheck.go).
	h, err := v.verifyQuick(ctx, v.db, v.lastSeq)
	if err != nil {
		return err
	}
	v.lastCheckpoint = h.checkpointSeq
	if h.checkpointSeq == 0 {
		v.check = doneCheck(nil) // verifyQuick verified everything
	} else {
		v.check = v.StartFullCheck()
	}
	return nil
}

// create makes a new vault in one transaction: the schema, its format, the zero registers and the first
// audit entry, which records them. A crash leaves either nothing or a whole vault.
func (v *Vault) create(ctx context.Context) error {
	v.lastSeq, v.lastHash = 0, []byte{} // the first entry links to the empty hash
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, vaultSchema+pieceSignatureSchema+autoRefillSchema+refundSchema+archiveSchema+fmt.Sprintf("PRAGMA user_version = %d;", vaultFormat)); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO registers VALUES(1, 0, 0, 0, 0, 0, 0)`); err != nil {
			return fmt.Errorf("create registers: %w", err)
		}
		var regs Registers
		var touched touchList
		touched.registers(regs)
		return v.appendAudit(ctx, tx, "system", "vault-created", "", regs, touched)
	})
	if err != nil {
		return fmt.Errorf("create vault: %w", err)
	}
	return nil
}

// CheckDurablePragmas fails unless the connection runs WAL with synchronous=FULL and foreign keys on.
func CheckDurablePragmas(ctx context.Context, db *sql.DB) error {
	var mode string
	var sync, fk int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if mode != "wal" || sync != 2 || fk != 1 {
		return fmt.Errorf("%w: journal_mode=%s synchronous=%d foreign_keys=%d, want wal, 2 (FULL), 1",
			ErrNotDurable, mode, sync, fk)
	}
	return nil
}

// ErrNotDurable means SQLite did not accept the settings that make a commit survive a power cut.
var ErrNotDurable = errors.New("database is not configured for durable commits")

// Close stops the background verifications, seals a checkpoint if enough was written since the last
// (so the next start replays nothing) and closes the database.
func (v *Vault) Close() error {
	v.bgCancel()
	v.bg.Wait()
	var err error
	v.mu.Lock()
	seal := v.refused.Load() == nil && v.lastSeq-v.lastCheckpoint >= closeCheckpointMin
	v.mu.Unlock()
	if seal {
		err = v.Checkpoint(context.Background(), "system")
	}
	return errors.Join(err, v.db.Close())
}

// Registers reads the current registers.
func (v *Vault) Registers(ctx context.Context) (Registers, error) {
	regs, err := readRegisters(ctx, v.db)
	if err != nil {
		return Registers{}, fmt.Errorf("read registers: %w", err)
	}
	return regs, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readRegisters(ctx context.Context, q queryer) (Registers, error) {
	var r Registers
	err := q.QueryRowContext(ctx, `SELECT available, used, control, pieces, batch_count, batch_value
		FROM registers WHERE id = 1`).Scan(&r.Available, &r.Used, &r.Control, &r.Pieces, &r.BatchCount, &r.BatchValue)
	return r, err
}

// writeTx runs fn in one immediate transaction and commits it. On any error the transaction is rolled
// back and the cached audit head is reloaded, so memory never runs ahead of the file.
func (v *Vault) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if refused := v.refused.Load(); refused != nil {
		return refused
	}
	savedHash, savedSeq, savedCheckpoint := v.lastHash, v.lastSeq, v.lastCheckpoint
	restore := func() { v.lastHash, v.lastSeq, v.lastCheckpoint = savedHash, savedSeq, savedCheckpoint }
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		restore()
		if rbErr := tx.Rollback(); rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		restore()
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ResetBatch zeroes the batch counters (the clerk starts a new batch). Totals are untouched.
func (v *Vault) ResetBatch(ctx context.Context, actor string) error {
	return v.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE registers SET batch_count = 0, batch_value = 0 WHERE id = 1`); err != nil {
			return fmt.Errorf("reset batch: %w", err)
		}
		regs, err := readRegisters(ctx, tx)
		if err != nil {
			return fmt.Errorf("reset batch: %w", err)
		}
		var touched touchList
		touched.registers(regs)
		return v.appendAudit(ctx, tx, actor, "batch-reset", "", regs, touched)
	})
}

func (v *Vault) stamp() string { return v.now().UTC().Format(time.RFC3339Nano) }

const vaultSchema = `
CREATE TABLE IF NOT EXISTS registers(
	id          INTEGER PRIMARY KEY CHECK(id = 1),
	available   INTEGER NOT NULL CHECK(available >= 0),
	used        INTEGER NOT NULL CHECK(used >= 0),
	control     INTEGER NOT NULL,
	pieces      INTEGER NOT NULL CHECK(pieces >= 0),
	batch_count INTEGER NOT NULL CHECK(batch_count >= 0),
	batch_value INTEGER NOT NULL CHECK(batch_value >= 0),
	CHECK(available + used = control));
CREATE TRIGGER IF NOT EXISTS registers_ascend BEFORE UPDATE ON registers
	WHEN NEW.used < OLD.used OR NEW.pieces < OLD.pieces OR NEW.control < OLD.control
	BEGIN SELECT RAISE(ABORT, 'used, pieces and control never decrease'); END;
CREATE TRIGGER IF NOT EXISTS registers_keep BEFORE DELETE ON registers
	BEGIN SELECT RAISE(ABORT, 'registers are never deleted'); END;

CREATE TABLE IF NOT EXISTS pieces(
	seq          INTEGER PRIMARY KEY,
	amount       INTEGER NOT NULL CHECK(amount > 0),
	state        TEXT NOT NULL CHECK(state IN ('committed', 'printed', 'spoiled')),
	mail_class   TEXT NOT NULL,
	account_code TEXT NOT NULL,
	mailing_date TEXT NOT NULL,
	actor        TEXT NOT NULL,
	created      TEXT NOT NULL,
	note         TEXT NOT NULL DEFAULT '');
CREATE TRIGGER IF NOT EXISTS pieces_keep BEFORE DELETE ON pieces
	BEGIN SELECT RAISE(ABORT, 'pieces are never deleted'); END;

CREATE TABLE IF NOT EXISTS refills(
	id              TEXT PRIMARY KEY,
	amount          INTEGER NOT NULL CHECK(amount > 0),
	state           TEXT NOT NULL CHECK(state IN ('requested', 'applied', 'confirmed', 'abandoned', 'closed')),
	actor           TEXT NOT NULL,
	created         TEXT NOT NULL,
	updated         TEXT NOT NULL,
	decline_code    TEXT NOT NULL DEFAULT '',
	decline_message TEXT NOT NULL DEFAULT '',
	grant           TEXT NOT NULL DEFAULT ''); -- JSON of the Data Center's SignedAnswer, set when applied
CREATE TRIGGER IF NOT EXISTS refills_keep BEFORE DELETE ON refills
	BEGIN SELECT RAISE(ABORT, 'refills are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS refills_transitions BEFORE UPDATE OF state ON refills
	WHEN NEW.state <> OLD.state AND NOT (
		(OLD.state = 'requested' AND NEW.state IN ('applied', 'abandoned')) OR
		(OLD.state = 'applied'   AND NEW.state = 'confirmed') OR
		(OLD.state = 'abandoned' AND NEW.state = 'closed'))
	BEGIN SELECT RAISE(ABORT, 'refill state change not allowed'); END;

CREATE TABLE IF NOT EXISTS audit(
	seq       INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,
	kind      TEXT NOT NULL,
	body      TEXT NOT NULL,
	available INTEGER NOT NULL,
	used      INTEGER NOT NULL,
	control   INTEGER NOT NULL,
	pieces    INTEGER NOT NULL,
	touched   TEXT NOT NULL,
	prev_hash BLOB NOT NULL,
	hash      BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE IF NOT EXISTS settings(
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL);

-- The refills' and settings' newest digests when the newest checkpoint was sealed (checkpoint.go).
CREATE TABLE IF NOT EXISTS checkpoint_rows(
	tbl    TEXT NOT NULL,
	key    TEXT NOT NULL,
	digest INTEGER NOT NULL,
	seq    INTEGER NOT NULL,
	PRIMARY KEY(tbl, key));

-- Report summaries per mailing date, account code and mail class (totals.go).
CREATE TABLE IF NOT EXISTS piece_totals(
	day            TEXT NOT NULL,
	account_code   TEXT NOT NULL,
	mail_class     TEXT NOT NULL,
	pieces         INTEGER NOT NULL,
	value          INTEGER NOT NULL,
	spoiled_pieces INTEGER NOT NULL DEFAULT 0,
	spoiled_value  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY(day, account_code, mail_class));
`
