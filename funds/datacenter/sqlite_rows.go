package datacenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
)

// Row access shared by the SQLite store's operations. Each takes a queryer so it runs inside the caller's
// transaction.

const accountCols = `number, deposits, prepaid, credit_limit, credit_used, reserved, posted, locked, created`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var created sql.NullString
	err := row.Scan(&a.Number, &a.Deposits, &a.Prepaid, &a.CreditLimit, &a.CreditUsed, &a.Reserved, &a.Posted,
		&a.Locked, &created)
	if err != nil {
		return Account{}, err
	}
	if a.Created, err = parseTime("account.created", created); err != nil {
		return Account{}, err
	}
	return a, nil
}

func getAccount(ctx context.Context, q queryer, number string) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM account WHERE number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %s: %w", number, ErrUnknownAccount)
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", number, err)
	}
	return a, nil
}

// putAccount writes the account's figures (computed and checked in Go, so SQLite never does the arithmetic).
func putAccount(ctx context.Context, q queryer, a Account) error {
	res, err := q.ExecContext(ctx, `UPDATE account SET deposits = ?, prepaid = ?, credit_limit = ?, credit_used = ?,
		reserved = ?, posted = ?, locked = ? WHERE number = ?`,
		a.Deposits, a.Prepaid, a.CreditLimit, a.CreditUsed, a.Reserved, a.Posted, a.Locked, a.Number)
	if err != nil {
		return fmt.Errorf("update account %s: %w", a.Number, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("update account %s: %d rows changed (%v)", a.Number, n, err)
	}
	return nil
}

// meterRow is a meter as the store uses it internally.
type meterRow struct {
	Meter
}

func getMeter(ctx context.Context, q queryer, serial string) (meterRow, error) {
	var m meterRow
	var created, contact, postalAt, head, suspect sql.NullString
	var avail, used, control, pieces, seq sql.NullInt64
	var key []byte
	var lastReportMs int64
	err := q.QueryRowContext(ctx, `SELECT serial, account_number, public_key, suspect, high_used, high_pieces, last_report_ms,
		min_refill, max_refill, created,
		last_contact, postal_at, postal_available, postal_used, postal_control, postal_pieces, audit_head, audit_seq
		FROM meter WHERE serial = ?`, serial).Scan(&m.Serial, &m.Account, &key, &suspect, &m.HighUsed, &m.HighPieces, &lastReportMs,
		&m.MinRefill, &m.MaxRefill, &created, &contact, &postalAt, &avail, &used, &control, &pieces, &head, &seq)
	if lastReportMs > 0 {
		m.LastReport = time.UnixMilli(lastReportMs).UTC()
	}
	if key != nil {
		m.PublicKey = key
	}
	m.Suspect = suspect.String
	if errors.Is(err, sql.ErrNoRows) {
		return meterRow{}, fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
	}
	if err != nil {
		return meterRow{}, fmt.Errorf("read meter %q: %w", serial, err)
	}
	if m.Created, err = parseTime("meter.created", created); err != nil {
		return meterRow{}, err
	}
	if m.LastContact, err = parseTime("meter.last_contact", contact); err != nil {
		return meterRow{}, err
	}
	if m.PostalInfoAt, err = parseTime("meter.postal_at", postalAt); err != nil {
		return meterRow{}, err
	}
	if postalAt.Valid {
		m.PostalInfo = &funds.PostalInfo{
			Registers: funds.RegisterReadings{AvailableMills: avail.Int64, UsedMills: used.Int64,
				ControlMills: control.Int64, Pieces: pieces.Int64},
			AuditHead: head.String,
			AuditSeq:  seq.Int64,
		}
	}
	return m, nil
}

// touchMeter records a contact (refill, balance inquiry, postal-info upload).
func touchMeter(ctx context.Context, q queryer, serial string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE meter SET last_contact = ? WHERE serial = ?`, fmtTime(now), serial); err != nil {
		return fmt.Errorf("record contact of meter %q: %w", serial, err)
	}
	return nil
}

const refillCols = `id, meter_serial, account_number, amount, state, tombstone, from_prepaid, from_credit,
	decline_code, decline_message, decline_min, decline_max, reg_available, reg_used, reg_control, reg_pieces,
	created, resolved`

func scanRefill(row interface{ Scan(...any) error }) (Refill, error) {
	var r Refill
	var code, msg, created, resolved sql.NullString
	var dmin, dmax, avail, used, control, pieces sql.NullInt64
	err := row.Scan(&r.ID, &r.Meter, &r.Account, &r.Amount, &r.State, &r.Tombstone, &r.FromPrepaid, &r.FromCredit,
		&code, &msg, &dmin, &dmax, &avail, &used, &control, &pieces, &created, &resolved)
	if err != nil {
		return Refill{}, err
	}
	if code.Valid {
		r.Decline = &funds.Decline{Code: code.String, Message: msg.String, MinMills: dmin.Int64, MaxMills: dmax.Int64}
	}
	if avail.Valid {
		r.Registers = &funds.RegisterReadings{AvailableMills: avail.Int64, UsedMills: used.Int64,
			ControlMills: control.Int64, Pieces: pieces.Int64}
	}
	if r.Created, err = parseTime("refill.created", created); err != nil {
		return Refill{}, err
	}
	if r.Resolved, err = parseTime("refill.resolved", resolved); err != nil {
		return Refill{}, err
	}
	return r, nil
}

// findRefill returns the refill with this id whichever meter owns it, and whether there is one.
func findRefill(ctx context.Context, q queryer, id string) (Refill, bool, error) {
	r, err := scanRefill(q.QueryRowContext(ctx, `SELECT `+refillCols+` FROM refill WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Refill{}, false, nil
	}
	if err != nil {
		return Refill{}, false, fmt.Errorf("read refill %s: %w", id, err)
	}
	return r, true, nil
}

func listRefills(ctx context.Context, q queryer, where string, args ...any) ([]Refill, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+refillCols+` FROM refill `+where+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list refills: %w", err)
	}
	defer rows.Close()
	var out []Refill
	for rows.Next() {
		r, err := scanRefill(rows)
		if err != nil {
			return nil, fmt.Errorf("list refills: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list refills: %w", err)
	}
	return out, nil
}

func nullIfZeroTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

func insertRefill(ctx context.Context, q queryer, r Refill) error {
	var code, msg, dmin, dmax any
	if r.Decline != nil {
		code, msg, dmin, dmax = r.Decline.Code, r.Decline.Message, r.Decline.MinMills, r.Decline.MaxMills
	}
	var avail, used, control, pieces any
	if r.Registers != nil {
		avail, used, control, pieces = r.Registers.AvailableMills, r.Registers.UsedMills, r.Registers.ControlMills, r.Registers.Pieces
	}
	_, err := q.ExecContext(ctx, `INSERT INTO refill(`+refillCols+`)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Meter, r.Account, r.Amount, r.State, r.Tombstone, r.FromPrepaid, r.FromCredit,
		code, msg, dmin, dmax, avail, used, control, pieces, fmtTime(r.Created), nullIfZeroTime(r.Resolved))
	if err != nil {
		return fmt.Errorf("insert refill %s: %w", r.ID, err)
	}
	return nil
}

// resolveRefill moves a reserved refill to posted or voided; the WHERE clause makes it happen at most once.
func resolveRefill(ctx context.Context, q queryer, id, state string, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE refill SET state = ?, resolved = ? WHERE id = ? AND state = 'reserved'`,
		state, fmtTime(now), id)
	if err != nil {
		return fmt.Errorf("mark refill %s %s: %w", id, state, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("mark refill %s %s: %w: %d rows changed (%v)", id, state, ErrInvariant, n, err)
	}
	return nil
}

// sumsOf recomputes an account's figures from its refill and deposit rows.
func sumsOf(ctx context.Context, q queryer, number string) (refillSums, error) {
	var s refillSums
	err := q.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN state = 'reserved' THEN amount END), 0),
		COALESCE(SUM(CASE WHEN state = 'posted' THEN amount END), 0),
		COALESCE(SUM(CASE WHEN state IN ('reserved', 'posted') THEN from_credit END), 0)
		FROM refill WHERE account_number = ?`, number).Scan(&s.reserved, &s.posted, &s.creditHeld)
	if err != nil {
		return refillSums{}, fmt.Errorf("sum refills of account %s: %w", number, err)
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM deposit WHERE account_number = ?`, number).
		Scan(&s.deposits)
	if err != nil {
		return refillSums{}, fmt.Errorf("sum deposits of account %s: %w", number, err)
	}
	return s, nil
}

// ledgerOf reads an account's sums as the triggers of ledgerSchema keep them.
func ledgerOf(ctx context.Context, q queryer, number string) (refillSums, error) {
	var s refillSums
	err := q.QueryRowContext(ctx, `SELECT reserved, posted, credit_held, deposits FROM account_ledger WHERE account_number = ?`,
		number).Scan(&s.reserved, &s.posted, &s.creditHeld, &s.deposits)
	if err != nil {
		return refillSums{}, fmt.Errorf("read the ledger of account %s: %w", number, err)
	}
	return s, nil
}

// assertAccount re-reads the account and its ledger inside the transaction and checks the invariant,
// so a bug rolls the transaction back instead of committing a broken account. The ledger is kept by the
// database from the rows themselves, apart from the code that updates the account.
func assertAccount(ctx context.Context, q queryer, number string) error {
	a, err := getAccount(ctx, q, number)
	if err != nil {
		return err
	}
	s, err := ledgerOf(ctx, q, number)
	if err != nil {
		return err
	}
	return checkAccount(a, s)
}
