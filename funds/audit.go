package funds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// AuditEntry is one line of the vault's append-only audit log. Each entry carries the registers after
// the change it records and chains to the previous entry by SHA-256, so editing or deleting any entry
// breaks every later hash.
type AuditEntry struct {
	Seq       int64
	At        string
	Actor     string
	Kind      string
	Body      string
	Registers Registers // Available, Used, Control and Pieces; batch counters are not audited
	PrevHash  []byte
	Hash      []byte
}

// auditHash is h_n = SHA-256(h_{n-1} || canonical(entry_n)).
func auditHash(prev []byte, seq int64, at, actor, kind, body string, r Registers) []byte {
	h := sha256.New()
	h.Write(prev)
	fmt.Fprintf(h, "%d|%q|%q|%q|%q|%d|%d|%d|%d", seq, at, actor, kind, body,
		r.Available, r.Used, r.Control, r.Pieces)
	return h.Sum(nil)
}

// appendAudit writes the next entry inside the caller's transaction, with the registers after the change.
func (v *Vault) appendAudit(ctx context.Context, tx *sql.Tx, actor, kind, body string, r Registers) error {
	seq := v.lastSeq + 1
	at := v.stamp()
	hash := auditHash(v.lastHash, seq, at, actor, kind, body, r)
	if _, err := tx.StmtContext(ctx, v.stmts.insertAudit).ExecContext(ctx,
		seq, at, actor, kind, body, r.Available, r.Used, r.Control, r.Pieces, v.lastHash, hash); err != nil {
		return fmt.Errorf("append audit %s #%d: %w", kind, seq, err)
	}
	v.lastSeq, v.lastHash = seq, hash
	return nil
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

// AuditLog returns entries from seq onwards, oldest first, at most limit of them.
func (v *Vault) AuditLog(ctx context.Context, fromSeq int64, limit int) ([]AuditEntry, error) {
	rows, err := v.db.QueryContext(ctx, `SELECT seq, at, actor, kind, body, available, used, control, pieces,
		prev_hash, hash FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?`, fromSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Kind, &e.Body, &e.Registers.Available, &e.Registers.Used,
			&e.Registers.Control, &e.Registers.Pieces, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// verifyAuditChain walks the whole chain and returns the first broken link, and the last entry.
func verifyAuditChain(ctx context.Context, db *sql.DB) (last AuditEntry, err error) {
	rows, err := db.QueryContext(ctx, `SELECT seq, at, actor, kind, body, available, used, control, pieces,
		prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return last, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	prev := []byte{}
	var want int64 = 1
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Kind, &e.Body, &e.Registers.Available, &e.Registers.Used,
			&e.Registers.Control, &e.Registers.Pieces, &e.PrevHash, &e.Hash); err != nil {
			return last, fmt.Errorf("read audit log: %w", err)
		}
		if e.Seq != want {
			return last, &VerifyError{Check: "audit sequence", Detail: fmt.Sprintf("entry %d follows %d", e.Seq, want-1)}
		}
		if !bytes.Equal(e.PrevHash, prev) {
			return last, &VerifyError{Check: "audit chain", Detail: fmt.Sprintf("entry %d does not link to entry %d", e.Seq, e.Seq-1)}
		}
		if got := auditHash(prev, e.Seq, e.At, e.Actor, e.Kind, e.Body, e.Registers); !bytes.Equal(got, e.Hash) {
			return last, &VerifyError{Check: "audit chain", Detail: fmt.Sprintf("entry %d (%s) was altered: its hash does not match its contents", e.Seq, e.Kind)}
		}
		prev, last = e.Hash, e
		want++
	}
	if err := rows.Err(); err != nil {
		return last, fmt.Errorf("read audit log: %w", err)
	}
	return last, nil
}
