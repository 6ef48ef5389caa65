package funds

import (
	"context"
	"database/sql"
	"fmt"
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

// GenerateHistory debits opts.Pieces pieces and marks each printed through the vault's own code
// (debitTx, markPieceTx: every row, audit entry, summary and checkpoint is exactly what a meter printing
// them would have written, keyed with this vault's keys) but many pieces to a transaction instead of
// one: a history of millions of pieces for tests and benchmarks takes minutes, not hours. The vault must
// hold the postage (fill it with a refill first). A meter in service never calls it: nothing is printed.
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
		err := v.writeTx(ctx, func(tx *sql.Tx) error {
			for i := done; i < done+n; i++ {
				info := PieceInfo{MailClass: "First-Class letter", Actor: opts.Actor,
					MailingDate: opts.FirstDay.AddDate(0, 0, i/opts.PerDay).Format(time.DateOnly)}
				if len(opts.Accounts) > 0 {
					info.AccountCode = opts.Accounts[i%len(opts.Accounts)]
				}
				p, err := v.debitTx(ctx, tx, opts.Amount, info)
				if err != nil {
					return err
				}
				if err := v.markPieceTx(ctx, tx, p.Seq, PiecePrinted, "", "system"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("generate history: %w", err)
		}
		done += n
	}
	return nil
}
