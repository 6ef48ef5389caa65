package datacenter

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"postmeter/funds"
)

// Administrative operations and reads of the PostgreSQL store (sqlite_admin.go is the model).

// CreateAccount implements Store.CreateAccount.
func (s *PostgresStore) CreateAccount(ctx context.Context, number string, creditLimit funds.Amount) error {
	err := ValidateAccountNumber(number)
	if err == nil {
		err = checkCreditLimit(creditLimit)
	}
	if err == nil {
		err = s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
			_, err := tx.Exec(ctx, `INSERT INTO account(`+accountCols+`) VALUES($1, 0, 0, $2, 0, 0, 0, false, $3)`,
				number, creditLimit, now)
			if uniqueViolation(err, "account_pkey") {
				return fmt.Errorf("account %s %w", number, ErrExists)
			}
			if err != nil {
				return fmt.Errorf("insert account: %w", err)
			}
			return pgAssertAccount(ctx, tx, number)
		})
	}
	if err != nil {
		return fmt.Errorf("create account %s: %w", number, err)
	}
	s.log.Info("account created", "account", number, "credit_limit", creditLimit.MillsString())
	return nil
}

// Deposit implements Store.Deposit (see SQLiteStore.Deposit).
func (s *PostgresStore) Deposit(ctx context.Context, number string, amount funds.Amount) error {
	var after Account
	err := checkDeposit(amount)
	if err == nil {
		err = s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
			a, err := pgAccount(ctx, tx, number, true)
			if err != nil {
				return err
			}
			if a, err = planDeposit(a, amount); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO deposit(account_number, amount, at) VALUES($1, $2, $3)`,
				number, amount, now); err != nil {
				return fmt.Errorf("insert deposit: %w", err)
			}
			after = a
			return pgPutAccountChecked(ctx, tx, a)
		})
	}
	if err != nil {
		return fmt.Errorf("deposit %s to account %s: %w", amount.MillsString(), number, err)
	}
	s.log.Info("deposit", "account", number, "amount", amount.MillsString(), "prepaid", after.Prepaid.MillsString())
	return nil
}

// SetCreditLimit implements Store.SetCreditLimit.
func (s *PostgresStore) SetCreditLimit(ctx context.Context, number string, limit funds.Amount) error {
	err := checkCreditLimit(limit)
	if err == nil {
		err = s.inTx(ctx, func(tx pgx.Tx, _ time.Time) error {
			a, err := pgAccount(ctx, tx, number, true)
			if err != nil {
				return err
			}
			if a, err = planCreditLimit(a, limit); err != nil {
				return err
			}
			return pgPutAccountChecked(ctx, tx, a)
		})
	}
	if err != nil {
		return fmt.Errorf("set credit limit of account %s to %s: %w", number, limit.MillsString(), err)
	}
	s.log.Info("credit limit set", "account", number, "credit_limit", limit.MillsString())
	return nil
}

// SetLocked implements Store.SetLocked.
func (s *PostgresStore) SetLocked(ctx context.Context, number string, locked bool) error {
	err := s.inTx(ctx, func(tx pgx.Tx, _ time.Time) error {
		a, err := pgAccount(ctx, tx, number, true)
		if err != nil {
			return err
		}
		a.Locked = locked
		return pgPutAccount(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("set lock of account %s to %v: %w", number, locked, err)
	}
	s.log.Info("account lock set", "account", number, "locked", locked)
	return nil
}

// RegisterMeter implements Store.RegisterMeter.
func (s *PostgresStore) RegisterMeter(ctx context.Context, serial, account string, minRefill, maxRefill funds.Amount) (string, error) {
	err := ValidateSerial(serial)
	if err == nil {
		err = ValidateAccountNumber(account)
	}
	if err == nil {
		err = checkRefillLimits(minRefill, maxRefill)
	}
	token, hash := newToken()
	if err == nil {
		err = s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
			if _, err := pgAccount(ctx, tx, account, false); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO meter(serial, account_number, token_hash, token_expires,
				min_refill, max_refill, created) VALUES($1, $2, $3, $4, $5, $6, $7)`, serial, account, hash,
				now.Add(EnrollmentTTL), minRefill, maxRefill, now)
			if uniqueViolation(err, "meter_pkey") {
				return fmt.Errorf("meter %s %w", serial, ErrExists)
			}
			if err != nil {
				return fmt.Errorf("insert meter: %w", err)
			}
			return pgAddEvent(ctx, tx, serial, now, "token-issued", "enrollment token valid until "+fmtTime(now.Add(EnrollmentTTL)))
		})
	}
	if err != nil {
		return "", fmt.Errorf("register meter %s on account %s: %w", serial, account, err)
	}
	s.log.Info("meter registered", "meter", serial, "account", account,
		"min_refill", minRefill.MillsString(), "max_refill", maxRefill.MillsString())
	return token, nil
}

// Account implements Store.Account: the figures and the refills as of one moment.
func (s *PostgresStore) Account(ctx context.Context, number string) (Account, error) {
	var a Account
	err := s.inSnapshot(ctx, func(tx pgx.Tx) error {
		var err error
		if a, err = pgAccount(ctx, tx, number, false); err != nil {
			return err
		}
		a.Refills, err = pgListRefills(ctx, tx, `WHERE account_number = $1`, number)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", number, err)
	}
	return a, nil
}

// Accounts implements Store.Accounts.
func (s *PostgresStore) Accounts(ctx context.Context) ([]Account, error) {
	out, err := pgListAccounts(ctx, s.pool)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// Meter implements Store.Meter.
func (s *PostgresStore) Meter(ctx context.Context, serial string) (Meter, error) {
	m, err := pgMeter(ctx, s.pool, serial, false)
	if err != nil {
		return Meter{}, fmt.Errorf("read meter %s: %w", serial, err)
	}
	return m.Meter, nil
}

// Refills implements Store.Refills.
func (s *PostgresStore) Refills(ctx context.Context) ([]Refill, error) {
	return pgListRefills(ctx, s.pool, "")
}

// CheckInvariants implements Store.CheckInvariants: every account's figures, its ledger and the sums of
// its rows, any refill booked on another account than its meter's, and any meter whose ledger (what its
// reports are checked against) differs from the sums of its refills, read in one statement (so from
// one snapshot, and in one round trip).
func (s *PostgresStore) CheckInvariants(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, `SELECT a.number, a.deposits, a.prepaid, a.credit_limit, a.credit_used,
		a.reserved, a.posted, a.locked, a.created,
		l.reserved, l.posted, l.credit_held, l.deposits,
		COALESCE(r.reserved, 0)::bigint, COALESCE(r.posted, 0)::bigint, COALESCE(r.credit_held, 0)::bigint,
		COALESCE(d.deposits, 0)::bigint,
		(SELECT r.id || ' ' || m.account_number || ' ' || r.account_number FROM refill r
			JOIN meter m ON m.serial = r.meter_serial WHERE m.account_number <> r.account_number LIMIT 1),
		(SELECT m.serial FROM meter m LEFT JOIN meter_ledger ml ON ml.serial = m.serial
			LEFT JOIN (SELECT meter_serial,
					COALESCE(SUM(amount) FILTER (WHERE state = 'reserved'), 0) AS reserved,
					COALESCE(SUM(amount) FILTER (WHERE state = 'posted'), 0) AS posted
				FROM refill GROUP BY meter_serial) mr ON mr.meter_serial = m.serial
			WHERE ml.serial IS NULL OR ml.reserved <> COALESCE(mr.reserved, 0) OR ml.posted <> COALESCE(mr.posted, 0)
			ORDER BY m.serial LIMIT 1)
		FROM account a
		LEFT JOIN account_ledger l ON l.account_number = a.number
		LEFT JOIN (SELECT account_number,
				SUM(CASE WHEN state = 'reserved' THEN amount END) AS reserved,
				SUM(CASE WHEN state = 'posted' THEN amount END) AS posted,
				SUM(CASE WHEN state IN ('reserved', 'posted') THEN from_credit END) AS credit_held
			FROM refill GROUP BY account_number) r ON r.account_number = a.number
		LEFT JOIN (SELECT account_number, SUM(amount) AS deposits FROM deposit GROUP BY account_number) d
			ON d.account_number = a.number
		ORDER BY a.number`)
	if err != nil {
		return fmt.Errorf("check data center invariants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Account
		var ledger, sums refillSums
		var lr, lp, lc, ld *int64 // NULL if the account has no ledger row at all
		var misbooked, meterOff *string
		if err := rows.Scan(&a.Number, &a.Deposits, &a.Prepaid, &a.CreditLimit, &a.CreditUsed, &a.Reserved, &a.Posted,
			&a.Locked, &a.Created, &lr, &lp, &lc, &ld, &sums.reserved, &sums.posted, &sums.creditHeld, &sums.deposits,
			&misbooked, &meterOff); err != nil {
			return fmt.Errorf("check data center invariants: %w", err)
		}
		if meterOff != nil {
			return fmt.Errorf("check data center invariants: meter %s: %w: its ledger does not match the sums of its refills",
				*meterOff, ErrInvariant)
		}
		if misbooked != nil {
			var id, meterAcct, refillAcct string
			_, _ = fmt.Sscan(*misbooked, &id, &meterAcct, &refillAcct)
			return fmt.Errorf("check data center invariants: account %s: %w: refill %s is booked on it but its meter draws on account %s",
				refillAcct, ErrInvariant, id, meterAcct)
		}
		if lr == nil {
			return fmt.Errorf("check data center invariants: account %s: %w: it has no ledger", a.Number, ErrInvariant)
		}
		ledger = refillSums{reserved: funds.Amount(*lr), posted: funds.Amount(*lp), creditHeld: funds.Amount(*lc), deposits: funds.Amount(*ld)}
		if ledger != sums {
			return fmt.Errorf("check data center invariants: account %s: %w: the ledger (reserved %s, posted %s, credit held %s, deposits %s) "+
				"does not match its rows (%s, %s, %s, %s)", a.Number, ErrInvariant,
				ledger.reserved.MillsString(), ledger.posted.MillsString(), ledger.creditHeld.MillsString(), ledger.deposits.MillsString(),
				sums.reserved.MillsString(), sums.posted.MillsString(), sums.creditHeld.MillsString(), sums.deposits.MillsString())
		}
		if err := checkAccount(a, sums); err != nil {
			return fmt.Errorf("check data center invariants: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check data center invariants: %w", err)
	}
	return nil
}

// PublishRates is SQLiteStore.PublishRates on PostgreSQL.
func (s *PostgresStore) PublishRates(ctx context.Context, key ed25519.PrivateKey, effective string, table []byte) error {
	if _, err := time.Parse(time.DateOnly, effective); err != nil {
		return invalidf("effective date %q: want YYYY-MM-DD", effective)
	}
	if len(table) == 0 || len(table) > funds.MaxRequestBody {
		return invalidf("a rate table of %d bytes: want 1 to %d", len(table), funds.MaxRequestBody)
	}
	signed := funds.SignRates(key, effective, table)
	return s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		var old []byte
		err := tx.QueryRow(ctx, `SELECT body FROM rate_table WHERE effective = $1 FOR UPDATE`, effective).Scan(&old)
		switch {
		case err == nil && bytes.Equal(old, table):
			return nil
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE rate_table SET body = $1, signature = $2, published = $3 WHERE effective = $4`,
				table, signed.Signature, now, effective)
			return err
		case errors.Is(err, pgx.ErrNoRows):
			_, err = tx.Exec(ctx, `INSERT INTO rate_table(effective, body, signature, published) VALUES($1, $2, $3, $4)`,
				effective, table, signed.Signature, now)
			return err
		default:
			return fmt.Errorf("read rate table %s: %w", effective, err)
		}
	})
}

// RateTables returns every published table, oldest effective date first.
func (s *PostgresStore) RateTables(ctx context.Context) ([]funds.SignedRates, error) {
	rows, err := s.pool.Query(ctx, `SELECT effective, body, signature FROM rate_table ORDER BY effective`)
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
