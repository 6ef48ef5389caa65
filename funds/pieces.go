package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// Piece states: committed (debited, not yet known printed), printed, spoiled (debited but not printed,
// kept for a refund request and never reprinted).
const (
	PieceCommitted = "committed"
	PiecePrinted   = "printed"
	PieceSpoiled   = "spoiled"
)

// PieceInfo describes a mail piece being debited.
type PieceInfo struct {
	MailClass   string // e.g. "First-Class letter", or "key-in"
	AccountCode string // cost centre, may be empty
	MailingDate string // YYYY-MM-DD printed in the indicium
	Actor       string // the signed-in user
}

// Piece is one debited mail piece and the registers right after its debit.
type Piece struct {
	Seq       int64
	Amount    Amount
	State     string
	Info      PieceInfo
	Created   string
	Note      string
	Registers Registers
}

// InsufficientFundsError is returned by Debit when a piece costs more than is in the meter.
type InsufficientFundsError struct {
	Needed    Amount
	Available Amount
}

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("insufficient funds: the piece needs %s but the meter holds %s; add postage to the meter",
		e.Needed, e.Available)
}

// ErrInvalidAmount is wrapped when an amount is zero or negative where it must be positive.
var ErrInvalidAmount = errors.New("amount must be greater than zero")

// Debit takes the postage for one piece: available -= amount, used += amount, pieces += 1, batch
// counters, the piece row and the audit entry, in one committed transaction. Only after Debit returns
// may the print engine print; a print that then fails must be reported with MarkSpoiled.
func (v *Vault) Debit(ctx context.Context, amount Amount, info PieceInfo) (Piece, error) {
	if amount <= 0 {
		return Piece{}, fmt.Errorf("debit %s: %w", amount.MillsString(), ErrInvalidAmount)
	}
	var piece Piece
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		piece, err = v.debitTx(ctx, tx, amount, info)
		return err
	})
	if err != nil {
		return Piece{}, fmt.Errorf("debit %s: %w", amount.MillsString(), err)
	}
	return piece, nil
}

// debitTx is Debit inside the caller's transaction; every CheckpointEvery pieces it seals a checkpoint
// in the same transaction.
func (v *Vault) debitTx(ctx context.Context, tx *sql.Tx, amount Amount, info PieceInfo) (Piece, error) {
	// One statement checks and moves the registers; no row back means the meter holds too little.
	var regs Registers
	err := tx.StmtContext(ctx, v.stmts.debit).QueryRowContext(ctx, amount, amount, amount, amount).Scan(
		&regs.Available, &regs.Used, &regs.Control, &regs.Pieces, &regs.BatchCount, &regs.BatchValue)
	if errors.Is(err, sql.ErrNoRows) {
		avail, rerr := readRegisters(ctx, tx)
		if rerr != nil {
			return Piece{}, fmt.Errorf("read registers: %w", rerr)
		}
		return Piece{}, &InsufficientFundsError{Needed: amount, Available: avail.Available}
	}
	if err != nil {
		return Piece{}, fmt.Errorf("update registers: %w", err)
	}
	assertControlSum(regs)
	created := v.stamp()
	if _, err := tx.StmtContext(ctx, v.stmts.insertPiece).ExecContext(ctx, regs.Pieces, amount, info.MailClass,
		info.AccountCode, info.MailingDate, info.Actor, created); err != nil {
		return Piece{}, fmt.Errorf("insert piece %d: %w", regs.Pieces, err)
	}
	piece := Piece{Seq: regs.Pieces, Amount: amount, State: PieceCommitted, Info: info, Created: created, Registers: regs}
	// The digests come from the values just written: no read back on the hot path.
	touched := make(touchList, 0, 2)
	touched.piece(piece)
	touched.registers(regs)
	body := "piece " + strconv.FormatInt(regs.Pieces, 10) + " " + amount.MillsString()
	if err := v.appendAudit(ctx, tx, info.Actor, "debit", body, regs, touched); err != nil {
		return Piece{}, err
	}
	if err := v.addTotal(ctx, tx, piece); err != nil {
		return Piece{}, err
	}
	if v.checkpointEvery > 0 && regs.Pieces%v.checkpointEvery == 0 {
		if err := v.writeCheckpoint(ctx, tx, "system"); err != nil {
			return Piece{}, err
		}
	}
	return piece, nil
}

// assertControlSum panics if the in-memory registers break the PSD control sum: that is a bug in this
// package, and carrying on would write it to disk (the CHECK constraint would refuse it anyway).
func assertControlSum(r Registers) {
	if r.Available < 0 || r.Available+r.Used != r.Control || r.BatchValue < 0 {
		panic(fmt.Sprintf("funds: register invariant broken: %+v", r))
	}
}

// MarkPrinted records that the print engine confirmed the piece's impression.
func (v *Vault) MarkPrinted(ctx context.Context, seq int64) error {
	return v.markPiece(ctx, seq, PiecePrinted, "", "system")
}

// MarkSpoiled records that the piece was debited but not printed; it stays in the used register and on
// the spoiled list for a refund request, and is never reprinted.
func (v *Vault) MarkSpoiled(ctx context.Context, seq int64, reason, actor string) error {
	return v.markPiece(ctx, seq, PieceSpoiled, reason, actor)
}

func (v *Vault) markPiece(ctx context.Context, seq int64, state, note, actor string) error {
	err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.markPieceTx(ctx, tx, seq, state, note, actor) })
	if err != nil {
		return fmt.Errorf("mark piece %d %s: %w", seq, state, err)
	}
	return nil
}

// markPieceTx is markPiece inside the caller's transaction.
func (v *Vault) markPieceTx(ctx context.Context, tx *sql.Tx, seq int64, state, note, actor string) error {
	var p Piece
	err := tx.QueryRowContext(ctx, `UPDATE pieces SET state = ?, note = ? WHERE seq = ? AND state = 'committed'
		RETURNING seq, amount, state, mail_class, account_code, mailing_date, actor, created, note`,
		state, note, seq).Scan(&p.Seq, &p.Amount, &p.State, &p.Info.MailClass, &p.Info.AccountCode,
		&p.Info.MailingDate, &p.Info.Actor, &p.Created, &p.Note)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM pieces WHERE seq = ?`, seq).Scan(&cur); err != nil {
			return fmt.Errorf("no piece %d: %w", seq, err)
		}
		if cur == state {
			return nil // already recorded; marking is idempotent
		}
		return fmt.Errorf("piece %d is %s, only a committed piece can become %s", seq, cur, state)
	}
	// Printing moves no money but changes the row, and a printed piece must never pass for a spoiled
	// one (a refund), so both are audited.
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return err
	}
	var touched touchList
	touched.piece(p)
	body := fmt.Sprintf("piece %d", seq)
	if note != "" {
		body += ": " + note
	}
	if state == PieceSpoiled {
		if _, err := tx.ExecContext(ctx, addSpoiledTotalSQL, p.Info.MailingDate, p.Info.AccountCode, p.Info.MailClass, p.Amount); err != nil {
			return fmt.Errorf("piece totals: %w", err)
		}
	}
	return v.appendAudit(ctx, tx, actor, state, body, regs, touched)
}

// Pieces lists pieces in the given state (all states if empty), newest first, at most limit.
func (v *Vault) Pieces(ctx context.Context, state string, limit int) ([]Piece, error) {
	rows, err := v.db.QueryContext(ctx, selectPieceSQL+` WHERE ? = '' OR state = ? ORDER BY seq DESC LIMIT ?`,
		state, state, limit)
	if err != nil {
		return nil, fmt.Errorf("list pieces: %w", err)
	}
	defer rows.Close()
	var out []Piece
	for rows.Next() {
		var p Piece
		if err := scanPiece(rows, &p); err != nil {
			return nil, fmt.Errorf("list pieces: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
