package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HistoryOptions describe a generated history (GenerateHistory).
type HistoryOptions struct {
	Pieces   int       // how many pieces to debit and mark printed
	Amount   Amount    // the postage of each; 1 mill if zero
	PerDay   int       // pieces per mailing date; 20,000 if zero
	FirstDay time.Time // the first mailing date; 2026-01-01 if zero
	Accounts []string  // account codes, taken in turn; none if empty
	PerTx    int       // pieces per transaction; 10,000 if zero
	Actor    string    // who "printed" them; "generator" if empty
}

// GenerateHistory writes what a meter debiting and printing opts.Pieces pieces writes: for each piece
// the piece row, the debit entry and the printed entry of the keyed audit chain (with the same bodies,
// touched rows and digests as Debit and MarkPrinted), the registers, the summaries and a checkpoint every
// CheckpointEvery pieces — but many pieces to a transaction, with the registers and summaries written
// once per transaction and before each checkpoint. So a history of millions of pieces for tests and
// benchmarks takes minutes, not hours. Each checkpoint verifies what was generated since the one before
// (checkpoint.go), so a generator that wrote what Debit would not fails there. The vault must hold the
// postage (fill it with a refill first). A meter in service never calls it: nothing is printed.
func (v *Vault) GenerateHistory(ctx context.Context, opts HistoryOptions) error {
	if opts.Amount <= 0 {
		opts.Amount = Mill
	}
	if opts.PerDay <= 0 {
		opts.PerDay = 20000
	}
	if opts.FirstDay.IsZero() {
		opts.FirstDay = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.PerTx <= 0 {
		opts.PerTx = 10000
	}
	if opts.Actor == "" {
		opts.Actor = "generator"
	}
	for done := 0; done < opts.Pieces; {
		n := min(opts.PerTx, opts.Pieces-done)
		if err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.generate(ctx, tx, opts, done, n) }); err != nil {
			return fmt.Errorf("generate history: %w", err)
		}
		done += n
	}
	return nil
}

// generate writes pieces from..from+n-1 of opts in tx.
func (v *Vault) generate(ctx context.Context, tx *sql.Tx, opts HistoryOptions, from, n int) error {
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return err
	}
	if need := Amount(n) * opts.Amount; regs.Available < need {
		return &InsufficientFundsError{Needed: need, Available: regs.Available}
	}
	// Rows go in by genBatch to an INSERT: one statement per row would cost more than the row.
	pieceRows := newRowBatch(tx, `INSERT INTO pieces(seq, amount, state, mail_class, account_code, mailing_date,
		actor, created) VALUES `, "(?, ?, 'printed', ?, ?, ?, ?, ?)")
	defer pieceRows.close()
	auditRows := newRowBatch(tx, `INSERT INTO audit(seq, at, actor, kind, body, available, used, control, pieces,
		touched, prev_hash, hash) VALUES `, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	defer auditRows.close()
	type key struct{ day, account, class string }
	totals := map[key]DayTotal{}
	flush := func() error {
		if err := errors.Join(pieceRows.flush(ctx), auditRows.flush(ctx)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE registers SET available = ?, used = ?, pieces = ?, batch_count = ?,
			batch_value = ? WHERE id = 1`, regs.Available, regs.Used, regs.Pieces, regs.BatchCount, regs.BatchValue); err != nil {
			return err
		}
		for k, t := range totals {
			if _, err := tx.ExecContext(ctx, `INSERT INTO piece_totals(day, account_code, mail_class, pieces, value)
				VALUES(?, ?, ?, ?, ?) ON CONFLICT(day, account_code, mail_class) DO UPDATE SET pieces = pieces + excluded.pieces,
				value = value + excluded.value`, k.day, k.account, k.class, t.Pieces, t.Value); err != nil {
				return err
			}
		}
		clear(totals)
		return nil
	}
	audit := func(actor, kind, body string, touched touchList) error {
		e, hash, args := v.nextAudit(actor, kind, body, regs, touched)
		if err := auditRows.add(ctx, args...); err != nil {
			return fmt.Errorf("append audit %s #%d: %w", kind, e.Seq, err)
		}
		v.lastSeq, v.lastHash = e.Seq, hash
		return nil
	}
	for i := from; i < from+n; i++ {
		info := PieceInfo{MailClass: "First-Class letter", Actor: opts.Actor,
			MailingDate: opts.FirstDay.AddDate(0, 0, i/opts.PerDay).Format(time.DateOnly)}
		if len(opts.Accounts) > 0 {
			info.AccountCode = opts.Accounts[i%len(opts.Accounts)]
		}
		regs.Available -= opts.Amount
		regs.Used += opts.Amount
		regs.Pieces++
		regs.BatchCount++
		regs.BatchValue += opts.Amount
		assertControlSum(regs)
		p := Piece{Seq: regs.Pieces, Amount: opts.Amount, State: PieceCommitted, Info: info, Created: v.stamp()}
		if err := pieceRows.add(ctx, p.Seq, p.Amount, info.MailClass, info.AccountCode, info.MailingDate,
			info.Actor, p.Created); err != nil {
			return fmt.Errorf("insert piece %d: %w", p.Seq, err)
		}
		debit := make(touchList, 0, 2) // as debitTx
		debit.piece(p)
		debit.registers(regs)
		seq := strconv.FormatInt(p.Seq, 10)
		if err := audit(info.Actor, "debit", "piece "+seq+" "+p.Amount.MillsString(), debit); err != nil {
			return err
		}
		p.State = PiecePrinted // as markPieceTx
		printed := make(touchList, 0, 1)
		printed.piece(p)
		if err := audit("system", PiecePrinted, "piece "+seq, printed); err != nil {
			return err
		}
		t := totals[key{info.MailingDate, info.AccountCode, info.MailClass}]
		t.Pieces++
		t.Value += p.Amount
		totals[key{info.MailingDate, info.AccountCode, info.MailClass}] = t
		if v.checkpointEvery > 0 && regs.Pieces%v.checkpointEvery == 0 {
			if err := flush(); err != nil {
				return err
			}
			if err := v.writeCheckpoint(ctx, tx, "system"); err != nil {
				return err
			}
		}
	}
	return flush()
}

// genBatch is how many rows the generator puts in one INSERT.
const genBatch = 64

// rowBatch collects the arguments of rows and inserts them genBatch to a statement.
type rowBatch struct {
	tx          *sql.Tx
	head, tuple string
	full        *sql.Stmt
	args        []any
	rows        int
}

func newRowBatch(tx *sql.Tx, head, tuple string) *rowBatch {
	return &rowBatch{tx: tx, head: head, tuple: tuple}
}

func (b *rowBatch) sql(rows int) string {
	return b.head + strings.TrimSuffix(strings.Repeat(b.tuple+", ", rows), ", ")
}

func (b *rowBatch) add(ctx context.Context, args ...any) error {
	b.args = append(b.args, args...)
	b.rows++
	if b.rows < genBatch {
		return nil
	}
	if b.full == nil {
		stmt, err := b.tx.PrepareContext(ctx, b.sql(genBatch))
		if err != nil {
			return err
		}
		b.full = stmt
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.args, b.rows = b.args[:0], 0
	return err
}

// flush inserts the rows collected so far.
func (b *rowBatch) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.sql(b.rows), b.args...)
	b.args, b.rows = b.args[:0], 0
	return err
}

func (b *rowBatch) close() {
	if b.full != nil {
		b.full.Close()
	}
}
