package funds

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"math"
)

// history is the newest digest of every row as the audit log tells it (rowDigest.short; 0 = none).
type history struct {
	registers    uint64
	registersSeq int64
	// pieces is filled by a full replay, indexed by seq: pieces are dense 1..n, so a slice beats a map.
	pieces []uint64
	// piecesSince is filled by a quick replay: only the pieces touched after the checkpoint.
	piecesSince map[int64]lastTouch
	refills     map[string]lastTouch
	settings    map[string]lastTouch
	// sealed are the piece sums the checkpoints passed on the way claim, checked against the pieces.
	sealed []checkpointBody
	// pieceBase and pieceSumBase are the pieces archived (1..pieceBase) and their sum: a full replay
	// after an archive starts there.
	pieceBase    int64
	pieceSumBase Amount
	// checkpointSeq is the checkpoint a quick verification started from (0: it verified everything).
	checkpointSeq int64
	// ledger is the refund ledger's rows, filled by a full replay only (refunds_verify.go).
	ledger ledgerHistory
	// autos is the auto-refill records by refill id, filled by a full replay only (autorefill_verify.go).
	autos map[string]lastTouch
}

type lastTouch struct {
	digest uint64
	seq    int64 // the audit entry, for the message
}

// walkChain reads the entries after seq after, oldest first, requiring each to follow the one before
// without a gap, to link to its hash (prev for the first) and to carry this vault's keyed hash; fn sees
// each entry with its parsed touched list. It returns the newest entry read (zero if none).
func (v *Vault) walkChain(ctx context.Context, r dbReader, after int64, prev []byte,
	fn func(e *AuditEntry, touches []touch) error) (AuditEntry, error) {
	return v.walkChainTo(ctx, r, after, math.MaxInt64, prev, fn)
}

// walkChainTo is walkChain that stops after entry upTo (the end of a segment being archived).
func (v *Vault) walkChainTo(ctx context.Context, r dbReader, after, upTo int64, prev []byte,
	fn func(e *AuditEntry, touches []touch) error) (AuditEntry, error) {
	var last AuditEntry
	rows, err := r.QueryContext(ctx, selectAuditSQL+` WHERE seq > ? AND seq <= ? ORDER BY seq`, after, upTo)
	if err != nil {
		return last, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	want := after + 1
	for rows.Next() {
		var e AuditEntry
		if err := scanAudit(rows, &e); err != nil {
			return last, fmt.Errorf("read audit log: %w", err)
		}
		if e.Seq != want {
			return last, &VerifyError{"audit sequence", fmt.Sprintf("entry %d follows %d", e.Seq, want-1)}
		}
		if !bytes.Equal(e.PrevHash, prev) {
			return last, &VerifyError{"audit chain", fmt.Sprintf("entry %d does not link to entry %d", e.Seq, e.Seq-1)}
		}
		if !hmac.Equal(auditHash(v.keys, prev, &e), e.Hash) {
			return last, &VerifyError{"audit chain", fmt.Sprintf("entry %d (%s) was not written by this meter's vault, or was altered", e.Seq, e.Kind)}
		}
		touches, err := parseTouched(e.Touched)
		if err != nil { // only the vault's own code can have written it: a bug, never to be trusted
			return last, &VerifyError{"audit chain", fmt.Sprintf("entry %d: %v", e.Seq, err)}
		}
		if err := fn(&e, touches); err != nil {
			return last, err
		}
		prev, last = e.Hash, e
		want++
	}
	if err := rows.Err(); err != nil {
		return last, fmt.Errorf("read audit log: %w", err)
	}
	return last, nil
}

// apply records the rows one entry wrote. maxPiece bounds the piece numbers (the pieces register).
func (h *history) apply(e *AuditEntry, touches []touch, maxPiece int64) error {
	for _, t := range touches {
		switch t.table {
		case "registers":
			h.registers, h.registersSeq = t.digest, e.Seq
		case "piece":
			if t.seq > maxPiece {
				return &VerifyError{"row missing", fmt.Sprintf("piece %d (audit entry %d) is gone: the pieces register is %d", t.seq, e.Seq, maxPiece)}
			}
			if h.pieces != nil {
				h.pieces[t.seq] = t.digest
			} else {
				h.piecesSince[t.seq] = lastTouch{t.digest, e.Seq}
			}
		case "refill":
			h.refills[t.key] = lastTouch{t.digest, e.Seq}
		case "setting":
			h.settings[t.key] = lastTouch{t.digest, e.Seq}
		}
	}
	return nil
}

// replayAudit walks the whole chain and builds the history of every row, checking each checkpoint it
// passes against the history before it. The sums were checked first, so the pieces register bounds the
// piece rows.
func (v *Vault) replayAudit(ctx context.Context, r dbReader, regs Registers, base *archiveBase) (*history, AuditEntry, error) {
	after, prev, h := base.startState()
	h.pieces, h.pieceBase, h.pieceSumBase = make([]uint64, regs.Pieces+1), base.lastPiece(), base.used()
	records := newArchiveRecords(base)
	last, err := v.walkChain(ctx, r, after, prev, func(e *AuditEntry, touches []touch) error {
		switch e.Kind {
		case checkpointKind:
			if err := h.checkSeal(e); err != nil {
				return err
			}
		case archiveKind, archiveRestoredKind:
			if err := records.take(e); err != nil {
				return err
			}
		}
		if err := h.ledger.apply(e); err != nil {
			return err
		}
		if err := h.noteAutoRefill(e, touches); err != nil {
			return err
		}
		return h.apply(e, touches, regs.Pieces)
	})
	if err != nil {
		return nil, last, err
	}
	if err := records.finish(); err != nil {
		return nil, last, err
	}
	if last.Seq == 0 {
		return nil, last, &VerifyError{"audit sequence", "the audit log is empty"}
	}
	return h, last, nil
}

// verifyRows requires every row to be exactly what the last audit entry touching it wrote, every row the
// log knows of to exist, and every grant and contact receipt to verify.
func (v *Vault) verifyRows(ctx context.Context, r dbReader, h *history, regs Registers) error {
	if err := h.checkRegisters(regs); err != nil {
		return err
	}
	if err := verifyPieces(ctx, r, h); err != nil {
		return err
	}
	if err := v.verifyRefills(ctx, r, h, 0); err != nil {
		return err
	}
	return v.verifySettings(ctx, r, h)
}

func (h *history) checkRegisters(regs Registers) error {
	if registersDigest(regs).short() != h.registers {
		return &VerifyError{"row history", fmt.Sprintf("the registers do not match audit entry %d, the last that changed them", h.registersSeq)}
	}
	return nil
}

const selectPieceSQL = `SELECT seq, amount, state, mail_class, account_code, mailing_date, actor, created, note FROM pieces`

func scanPiece(rows interface{ Scan(...any) error }, p *Piece) error {
	return rows.Scan(&p.Seq, &p.Amount, &p.State, &p.Info.MailClass, &p.Info.AccountCode, &p.Info.MailingDate,
		&p.Info.Actor, &p.Created, &p.Note)
}

// verifyPieces checks every piece against the full history, and the running sum of the pieces against
// the sum each checkpoint sealed.
func verifyPieces(ctx context.Context, r dbReader, h *history) error {
	rows, err := r.QueryContext(ctx, selectPieceSQL+` ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("verify: read pieces: %w", err)
	}
	defer rows.Close()
	sum := h.pieceSumBase
	sealed := h.sealed
	for len(sealed) > 0 && sealed[0].MaxSeq <= h.pieceBase {
		// Sealed before the first live piece: the sum there is the archived pieces'.
		if Amount(sealed[0].PieceSumMills) != sum {
			return &VerifyError{"checkpoint", fmt.Sprintf("a checkpoint after piece %d sealed a sum of %s, the archive records %s",
				sealed[0].MaxSeq, Amount(sealed[0].PieceSumMills).MillsString(), sum.MillsString())}
		}
		sealed = sealed[1:]
	}
	for rows.Next() {
		var p Piece
		if err := scanPiece(rows, &p); err != nil {
			return fmt.Errorf("verify: read pieces: %w", err)
		}
		if p.Seq < 1 || p.Seq >= int64(len(h.pieces)) || h.pieces[p.Seq] == 0 {
			return &VerifyError{"row unaudited", fmt.Sprintf("piece %d was never written by the vault", p.Seq)}
		}
		if pieceDigest(p).short() != h.pieces[p.Seq] {
			return &VerifyError{"row history", fmt.Sprintf("piece %d (%s, account %q) differs from its last audit entry", p.Seq, p.State, p.Info.AccountCode)}
		}
		h.pieces[p.Seq] = 0
		sum += p.Amount
		for len(sealed) > 0 && sealed[0].MaxSeq == p.Seq {
			if Amount(sealed[0].PieceSumMills) != sum {
				return &VerifyError{"checkpoint", fmt.Sprintf("the checkpoint after piece %d sealed a sum of %s, the pieces make %s",
					p.Seq, Amount(sealed[0].PieceSumMills).MillsString(), sum.MillsString())}
			}
			sealed = sealed[1:]
		}
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

// verifyRefills checks every refill against the history; grants are checked again for the refills last
// written after entry grantsAfter (0: all of them).
func (v *Vault) verifyRefills(ctx context.Context, r dbReader, h *history, grantsAfter int64) error {
	list, err := listRefills(ctx, r, `ORDER BY id`, -1)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	seen := make(map[string]bool, len(list))
	for _, r := range list {
		lt, ok := h.refills[r.ID]
		if !ok {
			return &VerifyError{"row unaudited", fmt.Sprintf("refill %s (%s, %s) was never written by the vault", r.ID, r.State, r.Amount.MillsString())}
		}
		if refillDigest(r).short() != lt.digest {
			return &VerifyError{"row history", fmt.Sprintf("refill %s (%s, %s) differs from audit entry %d", r.ID, r.State, r.Amount.MillsString(), lt.seq)}
		}
		seen[r.ID] = true
		if (r.State != RefillApplied && r.State != RefillConfirmed) || lt.seq <= grantsAfter {
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
		if !seen[id] {
			return &VerifyError{"row missing", fmt.Sprintf("refill %s (audit entry %d) is not in the vault", id, lt.seq)}
		}
	}
	return nil
}

func (v *Vault) verifySettings(ctx context.Context, r dbReader, h *history) error {
	rows, err := r.QueryContext(ctx, `SELECT key, value FROM settings ORDER BY key`)
	if err != nil {
		return fmt.Errorf("verify: read settings: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
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
		seen[key] = true
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
		if !seen[key] {
			return &VerifyError{"row missing", fmt.Sprintf("setting %q (audit entry %d) is not in the vault", key, lt.seq)}
		}
	}
	return nil
}
