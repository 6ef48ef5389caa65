package funds

// archiveSchema is the live vault's side of the archive (format 4, archive.go). It runs after
// vaultSchema and pieceSignatureSchema, on creation, migration and every open, so the guards are the
// archive's even in a vault whose triggers were dropped and put back.
//
// archives keeps one row per archive file written, keyed by the audit entry that seals the same in the
// keyed chain (record_seq): what it holds and the file's hash. archive_rows keeps the refills' and
// settings' newest digests and the auto-refill records' digests at each archive's last entry,
// archive_totals the day summaries of its pieces (both by that entry):
// the full verification starts from the newest archive with them instead of from the first entry.
//
// The delete guards of pieces, their signatures and the audit log let a row go only while archive_gate
// holds its row, which the archive's transaction puts in and takes out again: a bug elsewhere still
// cannot delete history. They are guards against bugs, not attackers: the full verification is what
// finds a row gone without its archive.
const archiveSchema = `
CREATE TABLE IF NOT EXISTS archive_gate(id INTEGER PRIMARY KEY CHECK(id = 1));

CREATE TABLE IF NOT EXISTS archives(
	record_seq   INTEGER PRIMARY KEY,
	last_seq     INTEGER NOT NULL,
	period       TEXT NOT NULL,
	first_seq    INTEGER NOT NULL,
	first_piece  INTEGER NOT NULL,
	last_piece   INTEGER NOT NULL,
	file         TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	restored_seq INTEGER NOT NULL DEFAULT 0);

CREATE TABLE IF NOT EXISTS archive_rows(
	archive  INTEGER NOT NULL,
	tbl      TEXT NOT NULL,
	key      TEXT NOT NULL,
	digest   INTEGER NOT NULL,
	seq      INTEGER NOT NULL,
	PRIMARY KEY(archive, tbl, key));

CREATE TABLE IF NOT EXISTS archive_totals(
	archive        INTEGER NOT NULL,
	day            TEXT NOT NULL,
	account_code   TEXT NOT NULL,
	mail_class     TEXT NOT NULL,
	pieces         INTEGER NOT NULL,
	value          INTEGER NOT NULL,
	spoiled_pieces INTEGER NOT NULL,
	spoiled_value  INTEGER NOT NULL,
	PRIMARY KEY(archive, day, account_code, mail_class));

DROP TRIGGER IF EXISTS pieces_keep;
CREATE TRIGGER pieces_keep BEFORE DELETE ON pieces WHEN NOT EXISTS (SELECT 1 FROM archive_gate)
	BEGIN SELECT RAISE(ABORT, 'pieces are never deleted'); END;
DROP TRIGGER IF EXISTS piece_signatures_keep;
CREATE TRIGGER piece_signatures_keep BEFORE DELETE ON piece_signatures WHEN NOT EXISTS (SELECT 1 FROM archive_gate)
	BEGIN SELECT RAISE(ABORT, 'piece signatures are never deleted'); END;
DROP TRIGGER IF EXISTS audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit WHEN NOT EXISTS (SELECT 1 FROM archive_gate)
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`
