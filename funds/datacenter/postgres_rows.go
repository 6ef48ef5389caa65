package datacenter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"postmeter/funds"
)

// Row access of the PostgreSQL store, the counterpart of sqlite_rows.go. Each takes a pgq so it runs in
// the caller's transaction; the lock* forms take the row's lock (FOR UPDATE) as they read it.

func pgScanAccount(row pgx.Row) (Account, error) {
	var a Account
	err := row.Scan(pgAccountDest(&a)...)
	a.Created = a.Created.UTC()
	return a, err
}

// pgAccountDest are the scan targets of accountCols in a; the caller makes a.Created UTC after the scan.
func pgAccountDest(a *Account) []any {
	return []any{&a.Number, &a.Deposits, &a.Prepaid, &a.CreditLimit, &a.CreditUsed, &a.Reserved, &a.Posted,
		&a.Locked, &a.Created}
}

func pgAccount(ctx context.Context, q pgq, number string, lock bool) (Account, error) {
	sql := `SELECT ` + accountCols + ` FROM account WHERE number = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	a, err := pgScanAccount(q.QueryRow(ctx, sql, number))
	if errors.Is(err, pgx.ErrNoRows) {
		return Account{}, fmt.Errorf("account %s: %w", number, ErrUnknownAccount)
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", number, err)
	}
	return a, nil
}

func pgPutAccount(ctx context.Context, q pgq, a Account) error {
	tag, err := q.Exec(ctx, `UPDATE account SET deposits = $1, prepaid = $2, credit_limit = $3, credit_used = $4,
		reserved = $5, posted = $6, locked = $7 WHERE number = $8`,
		a.Deposits, a.Prepaid, a.CreditLimit, a.CreditUsed, a.Reserved, a.Posted, a.Locked, a.Number)
	if err != nil {
		return fmt.Errorf("update account %s: %w", a.Number, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("update account %s: %d rows changed", a.Number, tag.RowsAffected())
	}
	return nil
}

func pgMeter(ctx context.Context, q pgq, serial string, lock bool) (meterRow, error) {
	return pgMeterReport(ctx, q, serial, lock, nil)
}

// pgMeterReport reads the meter and, if rs is not nil, what its next report is checked against, in one
// statement.
func pgMeterReport(ctx context.Context, q pgq, serial string, lock bool, rs *reportState) (meterRow, error) {
	return pgScanMeter(q.QueryRow(ctx, pgMeterSQL(lock, rs != nil, noRow), serial), serial, rs, nil)
}

// pgMeterSQL reads the meter $1 for pgScanMeter, under its lock if lock; withReport adds what its report
// is checked against, and account its account's row (under that row's lock if lockRow), joined in the
// same statement. Every request reads its meter, so the texts are made once (pgMeterSQLs).
func pgMeterSQL(lock, withReport bool, account rowAccess) string {
	return pgMeterSQLs[b2i(lock)][b2i(withReport)][account]
}

// pgMeterSQLs holds makePgMeterSQL's text for each lock, withReport and account.
var pgMeterSQLs = func() (t [2][2][lockRow + 1]string) {
	for lock := range 2 {
		for report := range 2 {
			for a := noRow; a <= lockRow; a++ {
				t[lock][report][a] = makePgMeterSQL(lock == 1, report == 1, a)
			}
		}
	}
	return t
}()

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func makePgMeterSQL(lock, withReport bool, account rowAccess) string {
	sql := `SELECT m.serial, m.account_number, m.public_key, m.suspect, m.high_used, m.high_pieces, m.last_report_ms,
		m.min_refill, m.max_refill, m.created, m.last_contact, m.postal_at, m.postal_available, m.postal_used,
		m.postal_control, m.postal_pieces, m.audit_head, m.audit_seq`
	if withReport {
		sql += `, m.high_seq, m.high_head, l.posted, l.reserved`
	}
	if account != noRow {
		sql += `, a.` + strings.ReplaceAll(accountCols, `, `, `, a.`) + ` FROM meter m JOIN account a ON a.number = m.account_number`
	} else {
		sql += ` FROM meter m`
	}
	if withReport {
		// Joined, not two subqueries: each subquery is an index scan of its own to set up for every
		// statement. Not locked, and a missing ledger row reads as NULL, which the scan refuses.
		sql += ` LEFT JOIN meter_ledger l ON l.serial = m.serial`
	}
	sql += ` WHERE m.serial = $1`
	switch {
	case lock && account == lockRow:
		sql += ` FOR UPDATE OF m, a` // the meter's row, then its account's: the order every transaction takes
	case lock:
		sql += ` FOR UPDATE OF m`
	case account == lockRow:
		sql += ` FOR UPDATE OF a`
	}
	return sql
}

// pgScanMeter scans a row of pgMeterSQL(_, rs != nil, account), with the account's columns into acct
// when it is not nil.
func pgScanMeter(row pgx.Row, serial string, rs *reportState, acct *Account) (meterRow, error) {
	var m meterRow
	var key []byte
	var suspect, head *string
	var contact, postalAt *time.Time
	var avail, used, control, pieces, seq *int64
	var lastReportMs int64
	dest := []any{&m.Serial, &m.Account, &key, &suspect, &m.HighUsed, &m.HighPieces,
		&lastReportMs, &m.MinRefill, &m.MaxRefill, &m.Created, &contact, &postalAt, &avail, &used, &control, &pieces, &head, &seq}
	if rs != nil {
		dest = append(dest, &rs.highSeq, &rs.highHead, &rs.posted, &rs.reserved)
	}
	if acct != nil {
		dest = append(dest, pgAccountDest(acct)...)
		defer func() { acct.Created = acct.Created.UTC() }()
	}
	err := row.Scan(dest...)
	if rs != nil {
		rs.suspect, rs.highUsed, rs.highPcs, rs.lastReportMs = suspect != nil, m.HighUsed.Mills(), m.HighPieces, lastReportMs
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return meterRow{}, fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
	}
	if err != nil {
		return meterRow{}, fmt.Errorf("read meter %q: %w", serial, err)
	}
	m.Created = m.Created.UTC()
	if lastReportMs > 0 {
		m.LastReport = time.UnixMilli(lastReportMs).UTC()
	}
	if key != nil {
		m.PublicKey = key
	}
	if suspect != nil {
		m.Suspect = *suspect
	}
	if contact != nil {
		m.LastContact = contact.UTC()
	}
	if postalAt != nil {
		m.PostalInfoAt = postalAt.UTC()
		m.PostalInfo = &funds.PostalInfo{
			Registers: funds.RegisterReadings{AvailableMills: deref(avail), UsedMills: deref(used),
				ControlMills: deref(control), Pieces: deref(pieces)},
			AuditSeq: deref(seq),
		}
		if head != nil {
			m.PostalInfo.AuditHead = *head
		}
	}
	return m, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func pgScanRefill(row pgx.Row) (Refill, error) {
	var r Refill
	var code, msg *string
	var dmin, dmax, avail, used, control, pieces *int64
	var resolved *time.Time
	err := row.Scan(&r.ID, &r.Meter, &r.Account, &r.Amount, &r.State, &r.Tombstone, &r.FromPrepaid, &r.FromCredit,
		&code, &msg, &dmin, &dmax, &avail, &used, &control, &pieces, &r.Created, &resolved)
	if err != nil {
		return Refill{}, err
	}
	r.Created = r.Created.UTC()
	if resolved != nil {
		r.Resolved = resolved.UTC()
	}
	if code != nil {
		r.Decline = &funds.Decline{Code: *code, MinMills: deref(dmin), MaxMills: deref(dmax)}
		if msg != nil {
			r.Decline.Message = *msg
		}
	}
	if avail != nil {
		r.Registers = &funds.RegisterReadings{AvailableMills: *avail, UsedMills: deref(used),
			ControlMills: deref(control), Pieces: deref(pieces)}
	}
	return r, nil
}

func pgListRefills(ctx context.Context, q pgq, where string, args ...any) ([]Refill, error) {
	rows, err := q.Query(ctx, `SELECT `+refillCols+` FROM refill `+where+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list refills: %w", err)
	}
	defer rows.Close()
	out := []Refill(nil)
	for rows.Next() {
		r, err := pgScanRefill(rows)
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

const pgInsertRefillSQL = `INSERT INTO refill(` + refillCols + `)
	VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

// pgRefillArgs are a refill row's values in refillCols order.
func pgRefillArgs(r Refill) []any {
	var code, msg, dmin, dmax any
	if r.Decline != nil {
		code, msg, dmin, dmax = r.Decline.Code, r.Decline.Message, r.Decline.MinMills, r.Decline.MaxMills
	}
	var avail, used, control, pieces any
	if r.Registers != nil {
		avail, used, control, pieces = r.Registers.AvailableMills, r.Registers.UsedMills, r.Registers.ControlMills, r.Registers.Pieces
	}
	var resolved any
	if !r.Resolved.IsZero() {
		resolved = r.Resolved
	}
	return []any{r.ID, r.Meter, r.Account, r.Amount, r.State, r.Tombstone, r.FromPrepaid, r.FromCredit,
		code, msg, dmin, dmax, avail, used, control, pieces, r.Created, resolved}
}

// pgAssertAccount re-reads the account and its ledger inside the transaction and checks the invariant,
// so a bug rolls the transaction back instead of committing a broken account.
func pgAssertAccount(ctx context.Context, q pgq, number string) error {
	return pgCheckedRow(q.QueryRow(ctx, `SELECT a.number, a.deposits, a.prepaid, a.credit_limit, a.credit_used, a.reserved,
		a.posted, a.locked, ARRAY[l.reserved, l.posted, l.credit_held, l.deposits],
		account_agrees_with_ledger(a.number, a.reserved, a.posted, a.credit_used, a.deposits)
		FROM account a JOIN account_ledger l ON l.account_number = a.number WHERE a.number = $1`, number), number)
}

// pgPutAccountChecked writes the account's figures and, in the same statement, reads back the row as
// stored and its ledger (which the triggers of this transaction's earlier statements updated) and checks
// them as pgAssertAccount does: one round trip instead of two.
func pgPutAccountChecked(ctx context.Context, q pgq, a Account) error {
	return pgCheckedRow(q.QueryRow(ctx, pgPutAccountCheckedSQL, pgAccountArgs(a)...), a.Number)
}

// pgPutAccountCheckedSQL reads the ledger's four figures back as one array: each subquery of a statement
// is an index scan of its own, which PostgreSQL sets up again for every statement.
const pgPutAccountCheckedSQL = `UPDATE account SET deposits = $1, prepaid = $2, credit_limit = $3,
	credit_used = $4, reserved = $5, posted = $6, locked = $7 WHERE number = $8
	RETURNING number, deposits, prepaid, credit_limit, credit_used, reserved, posted, locked,
	(SELECT ARRAY[reserved, posted, credit_held, deposits] FROM account_ledger WHERE account_number = $8),
	account_agrees_with_ledger(number, reserved, posted, credit_used, deposits)`

// pgAccountArgs are the account's figures as pgPutAccountCheckedSQL takes them.
func pgAccountArgs(a Account) []any {
	return []any{a.Deposits, a.Prepaid, a.CreditLimit, a.CreditUsed, a.Reserved, a.Posted, a.Locked, a.Number}
}

// pgCheckedRow scans a row of pgPutAccountCheckedSQL or pgAssertAccount and checks it in Go as well: the
// database has already refused a row that disagrees with its ledger (account_agrees_with_ledger, PM001).
func pgCheckedRow(row pgx.Row, number string) error {
	var a Account
	var ledger []int64
	err := row.Scan(&a.Number, &a.Deposits, &a.Prepaid, &a.CreditLimit, &a.CreditUsed, &a.Reserved, &a.Posted, &a.Locked,
		&ledger, new(bool))
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("account %s: %w", number, ErrUnknownAccount)
	}
	if err != nil {
		return fmt.Errorf("write or read account %s and its ledger: %w", number, err)
	}
	if len(ledger) != 4 {
		return fmt.Errorf("account %s: %w: its ledger reads %v", number, ErrInvariant, ledger)
	}
	return checkAccount(a, refillSums{reserved: funds.Amount(ledger[0]), posted: funds.Amount(ledger[1]),
		creditHeld: funds.Amount(ledger[2]), deposits: funds.Amount(ledger[3])})
}

func pgListAccounts(ctx context.Context, q pgq) ([]Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountCols+` FROM account ORDER BY number`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := pgScanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func pgAddEvent(ctx context.Context, q pgq, serial string, now time.Time, kind, detail string) error {
	if _, err := q.Exec(ctx, `INSERT INTO meter_event(serial, at, kind, detail) VALUES($1, $2, $3, $4)`,
		serial, now, kind, detail); err != nil {
		return fmt.Errorf("record %s event of meter %q: %w", kind, serial, err)
	}
	return nil
}
