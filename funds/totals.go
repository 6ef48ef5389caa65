package funds

import (
	"context"
	"database/sql"
	"fmt"
)

// Reports read summaries, not pieces: piece_totals keeps, per mailing date, account code and mail class, the count
// and value of the pieces debited and of those spoiled, updated in the same transaction as each debit
// and each spoiling. A report over any range then reads at most a row per day and account code, however
// many pieces the meter has printed. The summaries move no money and are not in the audit chain: the
// full verification recomputes them from the pieces ("piece totals").

// DayTotal is what one account code used in one mail class on one mailing date. Pieces and Value count
// every piece debited, the spoiled ones included; SpoiledPieces and SpoiledValue those spoiled since.
type DayTotal struct {
	Day           string // YYYY-MM-DD, the mailing date printed in the indicium; "" in AccountTotals
	AccountCode   string
	MailClass     string
	Pieces        int64
	Value         Amount
	SpoiledPieces int64
	SpoiledValue  Amount
}

const addPieceTotalSQL = `INSERT INTO piece_totals(day, account_code, mail_class, pieces, value) VALUES(?, ?, ?, 1, ?)
	ON CONFLICT(day, account_code, mail_class) DO UPDATE SET pieces = pieces + 1, value = value + excluded.value`

const addSpoiledTotalSQL = `INSERT INTO piece_totals(day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value)
	VALUES(?, ?, ?, 0, 0, 1, ?) ON CONFLICT(day, account_code, mail_class) DO UPDATE SET spoiled_pieces = spoiled_pieces + 1,
	spoiled_value = spoiled_value + excluded.spoiled_value`

// rebuildTotalsSQL fills the summaries from the pieces (the migration from format 2).
const rebuildTotalsSQL = `DELETE FROM piece_totals;
INSERT INTO piece_totals(day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value)
	SELECT mailing_date, account_code, mail_class, COUNT(*), SUM(amount), SUM(state = 'spoiled'),
		SUM(CASE WHEN state = 'spoiled' THEN amount ELSE 0 END)
	FROM pieces GROUP BY mailing_date, account_code, mail_class;`

// Totals lists the summaries of the mailing dates from..to (inclusive, YYYY-MM-DD; empty means open),
// by date then account code.
func (v *Vault) Totals(ctx context.Context, from, to string) ([]DayTotal, error) {
	if to == "" {
		to = "\uffff"
	}
	rows, err := v.db.QueryContext(ctx, `SELECT day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value
		FROM piece_totals WHERE day >= ? AND day <= ? ORDER BY day, account_code, mail_class`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read totals: %w", err)
	}
	defer rows.Close()
	var out []DayTotal
	for rows.Next() {
		var t DayTotal
		if err := rows.Scan(&t.Day, &t.AccountCode, &t.MailClass, &t.Pieces, &t.Value, &t.SpoiledPieces, &t.SpoiledValue); err != nil {
			return nil, fmt.Errorf("read totals: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AccountTotals adds the summaries of the mailing dates from..to (inclusive, YYYY-MM-DD; empty means
// open) up by account code and mail class, in that order: the account report's figures. SQLite's SUM
// fails rather than wrap on an overflow, so a total is never wrong silently.
func (v *Vault) AccountTotals(ctx context.Context, from, to string) ([]DayTotal, error) {
	if to == "" {
		to = "\uffff"
	}
	rows, err := v.db.QueryContext(ctx, `SELECT account_code, mail_class, SUM(pieces), SUM(value), SUM(spoiled_pieces),
		SUM(spoiled_value) FROM piece_totals WHERE day >= ? AND day <= ? GROUP BY account_code, mail_class
		ORDER BY account_code, mail_class`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read account totals: %w", err)
	}
	defer rows.Close()
	var out []DayTotal
	for rows.Next() {
		var t DayTotal
		if err := rows.Scan(&t.AccountCode, &t.MailClass, &t.Pieces, &t.Value, &t.SpoiledPieces, &t.SpoiledValue); err != nil {
			return nil, fmt.Errorf("read account totals: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SpoiledTotal is the count and value of spoiled pieces, for the funds report and refund requests.
func (v *Vault) SpoiledTotal(ctx context.Context) (count int64, value Amount, err error) {
	err = v.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(spoiled_pieces), 0), COALESCE(SUM(spoiled_value), 0)
		FROM piece_totals`).Scan(&count, &value)
	if err != nil {
		return 0, 0, fmt.Errorf("sum spoiled pieces: %w", err)
	}
	return count, value, nil
}

// addTotal counts a debited piece in its day's summary, inside the debit's transaction.
func (v *Vault) addTotal(ctx context.Context, tx *sql.Tx, p Piece) error {
	if _, err := tx.StmtContext(ctx, v.stmts.addTotal).ExecContext(ctx, p.Info.MailingDate, p.Info.AccountCode, p.Info.MailClass, p.Amount); err != nil {
		return fmt.Errorf("piece totals: %w", err)
	}
	return nil
}

// verifyTotals recomputes every summary from the pieces.
func verifyTotals(ctx context.Context, r dbReader) error {
	var day, account string
	var diff int
	// The summaries of archived pieces count too: they are kept with each archive not restored (archive.go).
	err := r.QueryRowContext(ctx, `WITH live AS (
		SELECT mailing_date AS day, account_code, mail_class, COUNT(*) AS pieces, SUM(amount) AS value,
			SUM(state = 'spoiled') AS spoiled_pieces, SUM(CASE WHEN state = 'spoiled' THEN amount ELSE 0 END) AS spoiled_value
		FROM pieces GROUP BY mailing_date, account_code, mail_class),
	fresh AS (
		SELECT day, account_code, mail_class, SUM(pieces) AS pieces, SUM(value) AS value, SUM(spoiled_pieces) AS spoiled_pieces,
			SUM(spoiled_value) AS spoiled_value FROM (
			SELECT * FROM live UNION ALL
			SELECT day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value FROM archive_totals
			WHERE archive IN (SELECT record_seq FROM archives WHERE restored_seq = 0))
		GROUP BY day, account_code, mail_class),
	missing AS (
		SELECT day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value FROM fresh
		EXCEPT SELECT day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value FROM piece_totals),
	extra AS (
		SELECT day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value FROM piece_totals
		EXCEPT SELECT day, account_code, mail_class, pieces, value, spoiled_pieces, spoiled_value FROM fresh),
	diff AS (SELECT day, account_code FROM missing UNION ALL SELECT day, account_code FROM extra)
	SELECT COUNT(*), COALESCE(MIN(day), ''), COALESCE(MIN(account_code), '') FROM diff`).Scan(&diff, &day, &account)
	if err != nil {
		return fmt.Errorf("verify: piece totals: %w", err)
	}
	if diff != 0 {
		return &VerifyError{"piece totals", fmt.Sprintf("the summary of %s, account %q, does not match the pieces", day, account)}
	}
	return nil
}
