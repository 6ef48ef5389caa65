package funds

import (
	"context"
	"fmt"
)

// VerifyError reports the first discrepancy Verify found. Check names the rule that failed:
//
//	control sum, used register, piece count, control register  the registers against the rows
//	audit sequence, audit chain                                 the keyed chain (audit.go)
//	row history      a row differs from the last audit entry that touched it (edited, an old version put
//	                 back, or the newest entries cut off)
//	row missing      a row the audit log knows of is gone
//	row unaudited    a row no audit entry ever wrote
//	refill grant     an applied refill without a valid grant signed by the pinned Data Center key
//	contact receipt  the stored contact receipt does not verify
//	audit head, audit snapshot  the newest entry against this process and the registers
type VerifyError struct {
	Check  string
	Detail string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("vault check %q failed: %s", e.Check, e.Detail)
}

// Verify re-checks the whole vault (RELIABILITY §5.6, M1–M6): the registers against the pieces and the
// refills, the keyed audit chain, every row against the audit entry that last wrote it, and every grant
// and contact receipt against the pinned Data Center key. It returns the first discrepancy as a
// *VerifyError. Memory stays small: 8 bytes per piece, and a map entry per refill and setting.
func (v *Vault) Verify(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	regs, err := readRegisters(ctx, v.db)
	if err != nil {
		return fmt.Errorf("verify: read registers: %w", err)
	}
	if err := v.verifySums(ctx, regs); err != nil {
		return err
	}
	hist, last, err := v.replayAudit(ctx, regs)
	if err != nil {
		return err
	}
	if last.Seq != v.lastSeq {
		return &VerifyError{"audit head", fmt.Sprintf("newest entry %d, expected %d", last.Seq, v.lastSeq)}
	}
	if err := v.verifyRows(ctx, hist, regs); err != nil {
		return err
	}
	lr := last.Registers
	if lr.Available != regs.Available || lr.Used != regs.Used || lr.Control != regs.Control || lr.Pieces != regs.Pieces {
		return &VerifyError{"audit snapshot", fmt.Sprintf("newest audit entry %d records available %s used %s pieces %d, registers hold available %s used %s pieces %d",
			last.Seq, lr.Available.MillsString(), lr.Used.MillsString(), lr.Pieces,
			regs.Available.MillsString(), regs.Used.MillsString(), regs.Pieces)}
	}
	return nil
}

// verifySums checks the register arithmetic against the rows: the PSD invariants.
func (v *Vault) verifySums(ctx context.Context, regs Registers) error {
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
	return nil
}
