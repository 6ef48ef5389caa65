package funds

import (
	"context"
	"fmt"
)

// VerifyError reports the first discrepancy Verify found.
type VerifyError struct {
	Check  string
	Detail string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("vault check %q failed: %s", e.Check, e.Detail)
}

// Verify re-checks the registers against the pieces, the refills and the audit chain (RELIABILITY §5.6,
// M1–M6) and returns the first discrepancy as a *VerifyError.
func (v *Vault) Verify(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	regs, err := readRegisters(ctx, v.db)
	if err != nil {
		return fmt.Errorf("verify: read registers: %w", err)
	}
	if regs.Available < 0 {
		return &VerifyError{"available register", fmt.Sprintf("negative: %s", regs.Available.MillsString())}
	}
	if regs.Available+regs.Used != regs.Control {
		return &VerifyError{"control sum", fmt.Sprintf("available %s + used %s != control %s",
			regs.Available.MillsString(), regs.Used.MillsString(), regs.Control.MillsString())}
	}
	var pieceSum Amount
	var pieceCount, maxSeq int64
	if err := v.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0), COUNT(*), COALESCE(MAX(seq), 0) FROM pieces`).
		Scan(&pieceSum, &pieceCount, &maxSeq); err != nil {
		return fmt.Errorf("verify: sum pieces: %w", err)
	}
	if pieceSum != regs.Used {
		return &VerifyError{"used register", fmt.Sprintf("used %s != sum of pieces %s",
			regs.Used.MillsString(), pieceSum.MillsString())}
	}
	if pieceCount != regs.Pieces || maxSeq != regs.Pieces {
		return &VerifyError{"piece count", fmt.Sprintf("pieces register %d, %d piece rows, highest piece %d",
			regs.Pieces, pieceCount, maxSeq)}
	}
	var refillSum Amount
	if err := v.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM refills
		WHERE state IN ('applied', 'confirmed')`).Scan(&refillSum); err != nil {
		return fmt.Errorf("verify: sum refills: %w", err)
	}
	if refillSum != regs.Control {
		return &VerifyError{"control register", fmt.Sprintf("control %s != sum of applied refills %s",
			regs.Control.MillsString(), refillSum.MillsString())}
	}
	last, err := verifyAuditChain(ctx, v.db)
	if err != nil {
		return err
	}
	if last.Seq != v.lastSeq {
		return &VerifyError{"audit head", fmt.Sprintf("newest entry %d, expected %d", last.Seq, v.lastSeq)}
	}
	lr := last.Registers
	if lr.Available != regs.Available || lr.Used != regs.Used || lr.Control != regs.Control || lr.Pieces != regs.Pieces {
		return &VerifyError{"audit snapshot", fmt.Sprintf("newest audit entry %d records available %s used %s pieces %d, registers hold available %s used %s pieces %d",
			last.Seq, lr.Available.MillsString(), lr.Used.MillsString(), lr.Pieces,
			regs.Available.MillsString(), regs.Used.MillsString(), regs.Pieces)}
	}
	return nil
}
