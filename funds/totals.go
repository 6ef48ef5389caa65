package funds

import (
	"context"
	"fmt"
)

// PieceTotal is how many pieces of one account code, mail class and state were mailed in a date range,
// and their postage. Reports charge postage back to departments from these.
type PieceTotal struct {
	AccountCode string
	MailClass   string
	State       string
	Pieces      int64
	Postage     Amount
}

// PieceTotals sums the pieces whose mailing date is from..to (YYYY-MM-DD, both included; "" leaves that
// end open), by account code, mail class and state, ordered by those. SQLite's SUM fails rather than
// wrap on an overflow, so a total is never wrong silently.
func (v *Vault) PieceTotals(ctx context.Context, from, to string) ([]PieceTotal, error) {
	rows, err := v.db.QueryContext(ctx, `SELECT account_code, mail_class, state, COUNT(*), SUM(amount) FROM pieces
		WHERE (? = '' OR mailing_date >= ?) AND (? = '' OR mailing_date <= ?)
		GROUP BY account_code, mail_class, state ORDER BY account_code, mail_class, state`, from, from, to, to)
	if err != nil {
		return nil, fmt.Errorf("sum pieces: %w", err)
	}
	defer rows.Close()
	var out []PieceTotal
	for rows.Next() {
		var t PieceTotal
		if err := rows.Scan(&t.AccountCode, &t.MailClass, &t.State, &t.Pieces, &t.Postage); err != nil {
			return nil, fmt.Errorf("sum pieces: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sum pieces: %w", err)
	}
	return out, nil
}
