package datacenter

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"time"

	"postmeter/funds"
)

// This file keeps the rate tables the Data Center publishes to its meters (docs/rates.md): each is
// stored signed with the Data Center key, exactly as meters receive it; meters download them all at a
// contact and switch to each on its effective date.

// ratesSchema (version 4) adds the published rate tables.
const ratesSchema = `
CREATE TABLE rate_table(
  effective TEXT PRIMARY KEY CHECK(length(effective) = 10),
  body      BLOB NOT NULL,
  signature BLOB NOT NULL CHECK(length(signature) = 64),
  published TEXT NOT NULL
) STRICT;
`

// PublishRates signs table (a rate table's JSON file, checked by the caller) with key and stores it for
// the date effective (YYYY-MM-DD). Publishing a table for a date again replaces it, so a correction
// reaches the meters at their next contact; the same table again changes nothing.
func (s *SQLiteStore) PublishRates(ctx context.Context, key ed25519.PrivateKey, effective string, table []byte) error {
	if _, err := time.Parse(time.DateOnly, effective); err != nil {
		return invalidf("effective date %q: want YYYY-MM-DD", effective)
	}
	if len(table) == 0 || len(table) > funds.MaxRequestBody {
		return invalidf("a rate table of %d bytes: want 1 to %d", len(table), funds.MaxRequestBody)
	}
	signed := funds.SignRates(key, effective, table)
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT body FROM rate_table WHERE effective = ?`, effective).Scan(&old)
		switch {
		case err == nil && bytes.Equal(old, table):
			return nil
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE rate_table SET body = ?, signature = ?, published = ? WHERE effective = ?`,
				table, signed.Signature, fmtTime(now), effective)
			return err
		case err == sql.ErrNoRows:
			_, err = tx.ExecContext(ctx, `INSERT INTO rate_table(effective, body, signature, published) VALUES(?, ?, ?, ?)`,
				effective, table, signed.Signature, fmtTime(now))
			return err
		default:
			return fmt.Errorf("read rate table %s: %w", effective, err)
		}
	})
}

// RateTables returns every published table, oldest effective date first.
func (s *SQLiteStore) RateTables(ctx context.Context) ([]funds.SignedRates, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT effective, body, signature FROM rate_table ORDER BY effective`)
	if err != nil {
		return nil, fmt.Errorf("read rate tables: %w", err)
	}
	defer rows.Close()
	var out []funds.SignedRates
	for rows.Next() {
		var r funds.SignedRates
		if err := rows.Scan(&r.Effective, &r.Table, &r.Signature); err != nil {
			return nil, fmt.Errorf("read rate tables: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ratesStore is a Store that publishes rate tables; the SQLite store does.
type ratesStore interface {
	RateTables(ctx context.Context) ([]funds.SignedRates, error)
}

// rates answers GET …/rates with every published table. It records no contact: downloading tables
// reports nothing about the meter.
func (s *Server) rates(ctx context.Context, req meterRequest) (any, error) {
	ans := funds.RatesAnswer{Serial: req.Serial, Time: s.now().UTC(), Tables: []funds.SignedRates{}}
	rs, ok := s.store.(ratesStore)
	if !ok {
		return ans, nil
	}
	tables, err := rs.RateTables(ctx)
	if tables != nil {
		ans.Tables = tables
	}
	return ans, err
}
