package funds

// The audit log is how the vault proves its own history (DESIGN.md, The PSD).
//
// Why keyed: every entry's hash is HMAC-SHA256 under a key derived from the device key, over the previous
// entry's hash and the entry itself. The device key lives in the key store, never in the database, so
// someone who can edit the file with sqlite3 cannot write an entry that verifies: a plain SHA-256 chain
// they could simply recompute after adding money.
//
// Why replay: an entry also lists the rows its transaction changed ("touched"), each with a digest of
// the whole row. Verify walks the chain, keeps the newest digest of every row, and then requires every
// row in registers, pieces, refills and settings to match the last entry that touched it, and every row
// the log knows of to still exist. So a change made outside the vault's own code shows, whichever column
// or table it hits: an edited setting (users, contact receipt), a piece turned from printed to spoiled, an
// old version of a row put back, a row added or removed, or the newest entry cut off (its rows then match
// no entry). Money added with the device key stolen is still caught: a credit needs the Data Center's
// signed grant, which Verify checks against the pinned Data Center key (refills.go, verify.go).
//
// What it cannot see is the whole file rolled back to an older copy; the Data Center catches that from
// the audit seq and head each contact reports (Report).

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// AuditEntry is one line of the vault's append-only audit log: what happened, the registers after it,
// the rows it changed and the keyed hash chaining it to the entry before.
type AuditEntry struct {
	Seq       int64
	At        string
	Actor     string
	Kind      string
	Body      string
	Registers Registers // Available, Used, Control and Pieces; the batch counters are in the registers row digest
	Touched   string    // the rows changed, "name=digest;…" (rowdigest.go)
	PrevHash  []byte
	Hash      []byte
}

// auditPurpose is the key purpose of the audit chain (Keys.MAC).
const auditPurpose = "audit"

// auditHash is h_n = MAC_audit(h_{n-1} || canonical(entry_n)).
func auditHash(keys Keys, prev []byte, e *AuditEntry) []byte {
	c := append(canon(make([]byte, 0, len(prev)+256)), prev...)
	c = c.str("audit").int(e.Seq).str(e.At).str(e.Actor).str(e.Kind).str(e.Body).
		int(e.Registers.Available.Mills()).int(e.Registers.Used.Mills()).int(e.Registers.Control.Mills()).
		int(e.Registers.Pieces).str(e.Touched)
	return keys.MAC(auditPurpose, c)
}

const insertAuditSQL = `INSERT INTO audit(seq, at, actor, kind, body, available, used, control, pieces,
	touched, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// appendAudit writes the next entry inside the caller's transaction, with the registers after the change
// and the rows it changed. The caller holds v.mu (writeTx).
func (v *Vault) appendAudit(ctx context.Context, tx *sql.Tx, actor, kind, body string, r Registers, touched touchList) error {
	e, hash, args := v.nextAudit(actor, kind, body, r, touched)
	var err error
	if v.stmts.insertAudit != nil {
		_, err = tx.StmtContext(ctx, v.stmts.insertAudit).ExecContext(ctx, args...)
	} else { // the vault's first entry, written with the schema before statements are prepared
		_, err = tx.ExecContext(ctx, insertAuditSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("append audit %s #%d: %w", kind, e.Seq, err)
	}
	v.lastSeq, v.lastHash = e.Seq, hash
	return nil
}

// nextAudit makes the entry after the cached head, its keyed hash and the arguments of insertAuditSQL.
func (v *Vault) nextAudit(actor, kind, body string, r Registers, touched touchList) (AuditEntry, []byte, []any) {
	e := AuditEntry{Seq: v.lastSeq + 1, At: v.stamp(), Actor: actor, Kind: kind, Body: body, Registers: r,
		Touched: touched.String()}
	hash := auditHash(v.keys, v.lastHash, &e)
	return e, hash, []any{e.Seq, e.At, e.Actor, e.Kind, e.Body, r.Available, r.Used, r.Control, r.Pieces, e.Touched, v.lastHash, hash}
}

func (v *Vault) loadAuditHead(ctx context.Context) error {
	err := v.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&v.lastSeq, &v.lastHash)
	if errors.Is(err, sql.ErrNoRows) {
		v.lastSeq, v.lastHash = 0, []byte{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	return nil
}

// AuditHead returns the sequence number and hex hash of the newest audit entry, as uploaded with postal
// information so the Data Center can anchor the chain.
func (v *Vault) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash []byte
	if err := v.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return seq, hex.EncodeToString(hash), nil
}

// Report is the registers and the audit head read as one snapshot, for the Data Center's checks at
// every contact. It holds the writer lock, so no write falls between the two reads.
func (v *Vault) Report(ctx context.Context) (Report, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	regs, err := readRegisters(ctx, v.db)
	if err != nil {
		return Report{}, fmt.Errorf("report: read registers: %w", err)
	}
	var seq int64
	var hash []byte
	if err := v.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash); err != nil {
		return Report{}, fmt.Errorf("report: read audit head: %w", err)
	}
	return Report{Registers: regs.Readings(), AuditSeq: seq, AuditHead: hex.EncodeToString(hash)}, nil
}

const selectAuditSQL = `SELECT seq, at, actor, kind, body, available, used, control, pieces, touched,
	prev_hash, hash FROM audit`

func scanAudit(rows *sql.Rows, e *AuditEntry) error {
	return rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Kind, &e.Body, &e.Registers.Available, &e.Registers.Used,
		&e.Registers.Control, &e.Registers.Pieces, &e.Touched, &e.PrevHash, &e.Hash)
}

// AuditLog returns entries from seq onwards, oldest first, at most limit of them.
func (v *Vault) AuditLog(ctx context.Context, fromSeq int64, limit int) ([]AuditEntry, error) {
	rows, err := v.db.QueryContext(ctx, selectAuditSQL+` WHERE seq >= ? ORDER BY seq LIMIT ?`, fromSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := scanAudit(rows, &e); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
