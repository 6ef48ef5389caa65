package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// BatchSummary is a batch as it ended: its count and value, and its pieces by account code.
type BatchSummary struct {
	Count     int64
	Value     Amount
	FirstSeq  int64 // the batch's first piece; 0 when the batch had none
	LastSeq   int64
	ByAccount []BatchAccountTotal
}

// BatchAccountTotal is a batch's pieces of one account code, every state and class together.
type BatchAccountTotal struct {
	AccountCode string
	Pieces      int64
	Postage     Amount
}

// EndBatch reads the batch (the pieces since the last reset, by account code) and starts a new one,
// in one transaction: a piece debited meanwhile is either in this batch's summary or in the next
// batch, never lost between them. The summary's sums must equal the batch registers, or nothing
// is reset. The audit entry records the batch's count and value.
func (v *Vault) EndBatch(ctx context.Context, actor string) (BatchSummary, error) {
	var sum BatchSummary
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		regs, err := readRegisters(ctx, tx)
		if err != nil {
			return err
		}
		if sum, err = readBatch(ctx, tx, regs); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE registers SET batch_count = 0, batch_value = 0 WHERE id = 1`); err != nil {
			return err
		}
		regs.BatchCount, regs.BatchValue = 0, 0
		var touched touchList
		touched.registers(regs)
		body := fmt.Sprintf("batch ended: %d pieces %s", sum.Count, sum.Value.MillsString())
		return v.appendAudit(ctx, tx, actor, "batch-reset", body, regs, touched)
	})
	if err != nil {
		return BatchSummary{}, fmt.Errorf("end batch: %w", err)
	}
	return sum, nil
}

// Batch is the batch so far, by account code: the counters of the batch per meter and per code.
func (v *Vault) Batch(ctx context.Context) (BatchSummary, error) {
	// One read transaction: the registers and the pieces from the same snapshot.
	tx, err := v.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return BatchSummary{}, fmt.Errorf("read batch: %w", err)
	}
	defer tx.Rollback()
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return BatchSummary{}, fmt.Errorf("read batch: %w", err)
	}
	sum, err := readBatch(ctx, tx, regs)
	if err != nil {
		return BatchSummary{}, fmt.Errorf("read batch: %w", err)
	}
	return sum, nil
}

// readBatch sums the batch's pieces by account code and checks the sums against the batch registers
// read in the same transaction.
func readBatch(ctx context.Context, q dbReader, regs Registers) (BatchSummary, error) {
	// Pieces are numbered by the pieces register, so the batch is the last BatchCount of them.
	sum := BatchSummary{Count: regs.BatchCount, Value: regs.BatchValue}
	if regs.BatchCount > 0 {
		sum.FirstSeq, sum.LastSeq = regs.Pieces-regs.BatchCount+1, regs.Pieces
	}
	rows, err := q.QueryContext(ctx, `SELECT account_code, COUNT(*), SUM(amount) FROM pieces
		WHERE seq BETWEEN ? AND ? GROUP BY account_code ORDER BY account_code`, sum.FirstSeq, sum.LastSeq)
	if err != nil {
		return sum, err
	}
	defer rows.Close()
	var n int64
	var value Amount
	for rows.Next() {
		var t BatchAccountTotal
		if err := rows.Scan(&t.AccountCode, &t.Pieces, &t.Postage); err != nil {
			return sum, err
		}
		sum.ByAccount = append(sum.ByAccount, t)
		n += t.Pieces
		if value, err = value.Add(t.Postage); err != nil {
			return sum, err
		}
	}
	if err := rows.Err(); err != nil {
		return sum, err
	}
	if n != regs.BatchCount || value != regs.BatchValue {
		return sum, fmt.Errorf("%w: the batch registers (%d pieces, %s) disagree with its pieces (%d, %s)",
			ErrBatchDisagrees, regs.BatchCount, regs.BatchValue.MillsString(), n, value.MillsString())
	}
	return sum, nil
}

// ErrBatchDisagrees is returned when the batch registers and the batch's pieces do not add up.
var ErrBatchDisagrees = errors.New("the batch does not add up")
