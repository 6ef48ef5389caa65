package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// verifyQuick is the verification at open and before each checkpoint: everything written since the
// newest checkpoint, with the same rules as Verify (checkpoint.go says what it leaves to the full
// verification). Without a checkpoint it is the full verification. It returns the history of the refills
// and settings.
func (v *Vault) verifyQuick(ctx context.Context, r dbReader, wantHead int64) (*history, error) {
	regs, err := readRegisters(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("verify: read registers: %w", err)
	}
	if err := checkRegisterArithmetic(regs); err != nil {
		return nil, err
	}
	cp, err := v.loadCheckpoint(ctx, r)
	if err != nil {
		return nil, err
	}
	if cp == nil {
		return v.verifyFull(ctx, r, wantHead)
	}
	b := cp.body
	if err := checkPieceSums(ctx, r, regs, b.MaxSeq, b.Pieces, Amount(b.PieceSumMills)); err != nil {
		return nil, err
	}
	if err := checkRefillSum(ctx, r, regs); err != nil {
		return nil, err
	}
	h := &history{piecesSince: map[int64]lastTouch{}, refills: cp.refills, settings: cp.settings,
		registersSeq: cp.entry.Seq, checkpointSeq: cp.entry.Seq}
	if _, err := fmt.Sscanf(b.Registers, "%x", &h.registers); err != nil {
		return nil, &VerifyError{"checkpoint", fmt.Sprintf("entry %d: registers digest %q", cp.entry.Seq, b.Registers)}
	}
	last, err := v.walkChain(ctx, r, cp.entry.Seq, cp.entry.Hash, func(e *AuditEntry, touches []touch) error {
		if e.Kind == checkpointKind {
			return &VerifyError{"checkpoint", fmt.Sprintf("entry %d is a checkpoint after the newest checkpoint %d", e.Seq, cp.entry.Seq)}
		}
		return h.apply(e, touches, regs.Pieces)
	})
	if err != nil {
		return nil, err
	}
	if last.Seq == 0 {
		last = cp.entry
	}
	if err := checkHead(last, wantHead); err != nil {
		return nil, err
	}
	if err := h.checkRegisters(regs); err != nil {
		return nil, err
	}
	if err := verifyPiecesSince(ctx, r, h, b.MaxSeq, regs.Pieces); err != nil {
		return nil, err
	}
	if err := v.verifyRefills(ctx, r, h, cp.entry.Seq); err != nil {
		return nil, err
	}
	if err := v.verifySettings(ctx, r, h); err != nil {
		return nil, err
	}
	if err := checkSnapshot(last, regs); err != nil {
		return nil, err
	}
	return h, nil
}

// verifyPiecesSince checks each piece touched after the checkpoint against its newest entry, that each
// still exists, and that every piece after the checkpoint's highest (sealedMax) was written by an entry
// after it. checkPieceSums made sure the pieces after sealedMax are exactly sealedMax+1..maxPiece.
func verifyPiecesSince(ctx context.Context, r dbReader, h *history, sealedMax, maxPiece int64) error {
	for seq := sealedMax + 1; seq <= maxPiece; seq++ {
		if _, ok := h.piecesSince[seq]; !ok {
			return &VerifyError{"row unaudited", fmt.Sprintf("piece %d was never written by the vault", seq)}
		}
	}
	seen := 0
	check := func(p Piece) error {
		lt, ok := h.piecesSince[p.Seq]
		if !ok {
			return nil
		}
		seen++
		if pieceDigest(p).short() != lt.digest {
			return &VerifyError{"row history", fmt.Sprintf("piece %d (%s, account %q) differs from audit entry %d", p.Seq, p.State, p.Info.AccountCode, lt.seq)}
		}
		return nil
	}
	// Pieces from before the checkpoint touched since (marked printed or spoiled after it) are few: one
	// lookup each. The pieces after it are all touched: one pass.
	for seq := range h.piecesSince {
		if seq > sealedMax {
			continue
		}
		var p Piece
		err := scanPiece(r.QueryRowContext(ctx, selectPieceSQL+` WHERE seq = ?`, seq), &p)
		if errors.Is(err, sql.ErrNoRows) {
			continue // counted as missing below
		}
		if err != nil {
			return fmt.Errorf("verify: read piece %d: %w", seq, err)
		}
		if err := check(p); err != nil {
			return err
		}
	}
	rows, err := r.QueryContext(ctx, selectPieceSQL+` WHERE seq > ? ORDER BY seq`, sealedMax)
	if err != nil {
		return fmt.Errorf("verify: read pieces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Piece
		if err := scanPiece(rows, &p); err != nil {
			return fmt.Errorf("verify: read pieces: %w", err)
		}
		if err := check(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read pieces: %w", err)
	}
	if seen != len(h.piecesSince) {
		return &VerifyError{"row missing", fmt.Sprintf("%d pieces written since the checkpoint are not in the vault", len(h.piecesSince)-seen)}
	}
	return nil
}
