package funds

import (
	"context"
	"database/sql"
	"fmt"
)

// VerifyError reports the first discrepancy a verification found. Check names the rule that failed:
//
//	control sum, used register, piece count, control register  the registers against the rows
//	audit sequence, audit chain                                 the keyed chain (audit.go)
//	checkpoint       a sealed checkpoint disagrees with the history before it, or its saved rows were
//	                 changed (checkpoint.go)
//	row history      a row differs from the last audit entry that touched it (edited, an old version put
//	                 back, or the newest entries cut off)
//	row missing      a row the audit log knows of is gone
//	row unaudited    a row no audit entry ever wrote
//	                 (the three row checks cover the auto-refill records too: autorefill_verify.go)
//	refill grant     an applied refill without a valid grant signed by the pinned Data Center key
//	contact receipt  the stored contact receipt does not verify
//	audit head, audit snapshot  the newest entry against this process and the registers
//	piece totals     the report summaries disagree with the pieces (totals.go)
type VerifyError struct {
	Check  string
	Detail string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("vault check %q failed: %s", e.Check, e.Detail)
}

// dbReader is what a verification reads through: the vault's connection, a write transaction (a
// checkpoint verifies what it seals) or a read snapshot of its own (the background check).
type dbReader interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Verify re-checks the whole vault from its first entry (RELIABILITY §5.6, M1–M6): the registers against
// the pieces and the refills, the keyed audit chain, every sealed checkpoint against the history before
// it, every row against the audit entry that last wrote it, every grant and contact receipt against the
// pinned Data Center key, and the report summaries. It returns the first discrepancy as a *VerifyError.
// Memory stays small: 8 bytes per piece, and a map entry per refill and setting. It holds the writer
// for its whole run; a meter in service uses the background check instead (fullcheck.go).
func (v *Vault) Verify(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, err := v.verifyFull(ctx, v.db, v.lastSeq)
	return err
}

// verifyFull is Verify over r. wantHead is the newest entry the caller knows of (-1: whatever r holds).
// It returns the history of the refills and settings, which a checkpoint seals.
func (v *Vault) verifyFull(ctx context.Context, r dbReader, wantHead int64) (*history, error) {
	regs, err := readRegisters(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("verify: read registers: %w", err)
	}
	// After an archive the history starts at its end, from the state its record sealed (archive.go).
	base, err := v.liveArchiveBase(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := verifySums(ctx, r, regs, base); err != nil {
		return nil, err
	}
	hist, last, err := v.replayAudit(ctx, r, regs, base)
	if err != nil {
		return nil, err
	}
	if err := checkHead(last, wantHead); err != nil {
		return nil, err
	}
	if err := v.verifyRows(ctx, r, hist, regs); err != nil {
		return nil, err
	}
	if err := verifyLedger(ctx, r, &hist.ledger); err != nil {
		return nil, err
	}
	if err := verifyAutoRefills(ctx, r, hist); err != nil {
		return nil, err
	}
	if err := checkSnapshot(last, regs); err != nil {
		return nil, err
	}
	if _, err := v.loadCheckpoint(ctx, r); err != nil {
		return nil, err
	}
	return hist, verifyTotals(ctx, r)
}

// checkHead compares the newest entry with the head this process wrote.
func checkHead(last AuditEntry, wantHead int64) error {
	if wantHead >= 0 && last.Seq != wantHead {
		return &VerifyError{"audit head", fmt.Sprintf("newest entry %d, expected %d", last.Seq, wantHead)}
	}
	return nil
}

// checkSnapshot compares the registers the newest entry recorded with the registers row.
func checkSnapshot(last AuditEntry, regs Registers) error {
	lr := last.Registers
	if lr.Available != regs.Available || lr.Used != regs.Used || lr.Control != regs.Control || lr.Pieces != regs.Pieces {
		return &VerifyError{"audit snapshot", fmt.Sprintf("newest audit entry %d records available %s used %s pieces %d, registers hold available %s used %s pieces %d",
			last.Seq, lr.Available.MillsString(), lr.Used.MillsString(), lr.Pieces,
			regs.Available.MillsString(), regs.Used.MillsString(), regs.Pieces)}
	}
	return nil
}

// checkRegisterArithmetic is the part of the PSD invariants that needs no rows.
func checkRegisterArithmetic(regs Registers) error {
	if regs.Available < 0 {
		return &VerifyError{"available register", fmt.Sprintf("negative: %s", regs.Available.MillsString())}
	}
	if regs.Available+regs.Used != regs.Control {
		return &VerifyError{"control sum", fmt.Sprintf("available %s + used %s != control %s",
			regs.Available.MillsString(), regs.Used.MillsString(), regs.Control.MillsString())}
	}
	return nil
}

// verifySums checks the register arithmetic against the rows: the PSD invariants.
func verifySums(ctx context.Context, r dbReader, regs Registers, base *archiveBase) error {
	if err := checkRegisterArithmetic(regs); err != nil {
		return err
	}
	if err := checkPieceSums(ctx, r, regs, base.lastPiece(), base.lastPiece(), base.used()); err != nil {
		return err
	}
	return checkRefillSum(ctx, r, regs)
}

// checkPieceSums requires the pieces after afterSeq, added to the count and sum sealed up to it, to make
// the registers, with the highest piece equal to the count (pieces are numbered 1..n without gaps).
func checkPieceSums(ctx context.Context, r dbReader, regs Registers, afterSeq, sealedCount int64, sealedSum Amount) error {
	var pieceSum Amount
	var pieceCount, maxSeq int64
	if err := r.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0), COUNT(*), COALESCE(MAX(seq), ?) FROM pieces
		WHERE seq > ?`, afterSeq, afterSeq).Scan(&pieceSum, &pieceCount, &maxSeq); err != nil {
		return fmt.Errorf("verify: sum pieces: %w", err)
	}
	if sealedSum+pieceSum != regs.Used {
		return &VerifyError{"used register", fmt.Sprintf("used %s != sum of pieces %s",
			regs.Used.MillsString(), (sealedSum + pieceSum).MillsString())}
	}
	if sealedCount+pieceCount != regs.Pieces || maxSeq != regs.Pieces {
		return &VerifyError{"piece count", fmt.Sprintf("pieces register %d, %d piece rows, highest piece %d",
			regs.Pieces, sealedCount+pieceCount, maxSeq)}
	}
	return nil
}

// checkRefillSum requires the applied refills to make the control register. There are few refills (a
// handful a month), so every check sums them all.
func checkRefillSum(ctx context.Context, r dbReader, regs Registers) error {
	var refillSum Amount
	if err := r.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM refills
		WHERE state IN ('applied', 'confirmed')`).Scan(&refillSum); err != nil {
		return fmt.Errorf("verify: sum refills: %w", err)
	}
	if refillSum != regs.Control {
		return &VerifyError{"control register", fmt.Sprintf("control %s != sum of applied refills %s",
			regs.Control.MillsString(), refillSum.MillsString())}
	}
	return nil
}
