package funds

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
)

// history is the newest digest of every row as the audit log tells it (rowDigest.short; 0 = none).
type history struct {
	registers    uint64
	registersSeq int64
	pieces       []uint64 // indexed by seq: pieces are dense 1..n, so a slice beats a map by far
	refills      map[string]lastTouch
	settings     map[string]lastTouch
}

type lastTouch struct {
	digest uint64
	seq    int64 // the audit entry, for the message
}

// replayAudit walks the whole chain, checking each keyed link, and builds the history of every row.
// The sums were checked first, so the pieces register bounds the piece rows.
func (v *Vault) replayAudit(ctx context.Context, regs Registers) (*history, AuditEntry, error) {
	var last AuditEntry
	h := &history{pieces: make([]uint64, regs.Pieces+1), refills: map[string]lastTouch{}, settings: map[string]lastTouch{}}
	rows, err := v.db.QueryContext(ctx, selectAuditSQL+` ORDER BY seq`)
	if err != nil {
		return nil, last, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	prev := []byte{}
	var want int64 = 1
	for rows.Next() {
		var e AuditEntry
		if err := scanAudit(rows, &e); err != nil {
			return nil, last, fmt.Errorf("read audit log: %w", err)
		}
		if e.Seq != want {
			return nil, last, &VerifyError{"audit sequence", fmt.Sprintf("entry %d follows %d", e.Seq, want-1)}
		}
		if !bytes.Equal(e.PrevHash, prev) {
			return nil, last, &VerifyError{"audit chain", fmt.Sprintf("entry %d does not link to entry %d", e.Seq, e.Seq-1)}
		}
		if !hmac.Equal(auditHash(v.keys, prev, &e), e.Hash) {
			return nil, last, &VerifyError{"audit chain", fmt.Sprintf("entry %d (%s) was not written by this meter's vault, or was altered", e.Seq, e.Kind)}
		}
		touches, err := parseTouched(e.Touched)
		if err != nil { // only the vault's own code can have written it: a bug, never to be trusted
			return nil, last, &VerifyError{"audit chain", fmt.Sprintf("entry %d: %v", e.Seq, err)}
		}
		for _, t := range touches {
			switch t.table {
			case "registers":
				h.registers, h.registersSeq = t.digest, e.Seq
			case "piece":
				if t.seq >= int64(len(h.pieces)) {
					return nil, last, &VerifyError{"row missing", fmt.Sprintf("piece %d (audit entry %d) is gone: the pieces register is %d", t.seq, e.Seq, regs.Pieces)}
				}
				h.pieces[t.seq] = t.digest
			case "refill":
				h.refills[t.key] = lastTouch{t.digest, e.Seq}
			case "setting":
				h.settings[t.key] = lastTouch{t.digest, e.Seq}
			}
		}
		prev, last = e.Hash, e
		want++
	}
	if err := rows.Err(); err != nil {
		return nil, last, fmt.Errorf("read audit log: %w", err)
	}
	if last.Seq == 0 {
		return nil, last, &VerifyError{"audit sequence", "the audit log is empty"}
	}
	return h, last, nil
}

// verifyRows requires every row to be exactly what the last audit entry touching it wrote, every row the
// log knows of to exist, and every grant and contact receipt to verify.
func (v *Vault) verifyRows(ctx context.Context, h *history, regs Registers) error {
	if registersDigest(regs).short() != h.registers {
		return &VerifyError{"row history", fmt.Sprintf("the registers do not match audit entry %d, the last that changed them", h.registersSeq)}
	}
	if err := v.verifyPieces(ctx, h); err != nil {
		return err
	}
	if err := v.verifyRefills(ctx, h); err != nil {
		return err
	}
	return v.verifySettings(ctx, h)
}

func (v *Vault) verifyPieces(ctx context.Context, h *history) error {
	rows, err := v.db.QueryContext(ctx, `SELECT seq, amount, state, mail_class, account_code, mailing_date, actor,
		created, note FROM pieces ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("verify: read pieces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Piece
		if err := rows.Scan(&p.Seq, &p.Amount, &p.State, &p.Info.MailClass, &p.Info.AccountCode, &p.Info.MailingDate,
			&p.Info.Actor, &p.Created, &p.Note); err != nil {
			return fmt.Errorf("verify: read pieces: %w", err)
		}
		if p.Seq < 1 || p.Seq >= int64(len(h.pieces)) || h.pieces[p.Seq] == 0 {
			return &VerifyError{"row unaudited", fmt.Sprintf("piece %d was never written by the vault", p.Seq)}
		}
		if pieceDigest(p).short() != h.pieces[p.Seq] {
			return &VerifyError{"row history", fmt.Sprintf("piece %d (%s, account %q) differs from its last audit entry", p.Seq, p.State, p.Info.AccountCode)}
		}
		h.pieces[p.Seq] = 0
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read pieces: %w", err)
	}
	for seq, d := range h.pieces {
		if d != 0 {
			return &VerifyError{"row missing", fmt.Sprintf("piece %d is in the audit log but not in the vault", seq)}
		}
	}
	return nil
}

func (v *Vault) verifyRefills(ctx context.Context, h *history) error {
	list, err := v.listRefills(ctx, `ORDER BY id`, -1)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, r := range list {
		lt, ok := h.refills[r.ID]
		if !ok {
			return &VerifyError{"row unaudited", fmt.Sprintf("refill %s (%s, %s) was never written by the vault", r.ID, r.State, r.Amount.MillsString())}
		}
		if refillDigest(r).short() != lt.digest {
			return &VerifyError{"row history", fmt.Sprintf("refill %s (%s, %s) differs from audit entry %d", r.ID, r.State, r.Amount.MillsString(), lt.seq)}
		}
		delete(h.refills, r.ID)
		if r.State != RefillApplied && r.State != RefillConfirmed {
			continue
		}
		// The row is the vault's own, but only the Data Center can have granted the money.
		var grant SignedAnswer
		if err := json.Unmarshal([]byte(r.Grant), &grant); err != nil {
			return &VerifyError{"refill grant", fmt.Sprintf("refill %s of %s has no readable grant: %v", r.ID, r.Amount.MillsString(), err)}
		}
		if err := v.checkGrant(grant, r.ID, r.Amount); err != nil {
			return &VerifyError{"refill grant", fmt.Sprintf("refill %s of %s: %v", r.ID, r.Amount.MillsString(), err)}
		}
	}
	for id, lt := range h.refills {
		return &VerifyError{"row missing", fmt.Sprintf("refill %s (audit entry %d) is not in the vault", id, lt.seq)}
	}
	return nil
}

func (v *Vault) verifySettings(ctx context.Context, h *history) error {
	rows, err := v.db.QueryContext(ctx, `SELECT key, value FROM settings ORDER BY key`)
	if err != nil {
		return fmt.Errorf("verify: read settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return fmt.Errorf("verify: read settings: %w", err)
		}
		lt, ok := h.settings[key]
		if !ok {
			return &VerifyError{"row unaudited", fmt.Sprintf("setting %q was never written by the vault", key)}
		}
		if settingDigest(key, value).short() != lt.digest {
			return &VerifyError{"row history", fmt.Sprintf("setting %q differs from audit entry %d", key, lt.seq)}
		}
		delete(h.settings, key)
		if key == contactReceiptKey {
			if _, err := v.checkReceipt(value); err != nil {
				return &VerifyError{"contact receipt", err.Error()}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read settings: %w", err)
	}
	for key, lt := range h.settings {
		return &VerifyError{"row missing", fmt.Sprintf("setting %q (audit entry %d) is not in the vault", key, lt.seq)}
	}
	return nil
}
