package datacenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
)

// Administrative operations, used by the datacenter CLI, the trainer and tests.

// CreateAccount implements Store.CreateAccount.
func (s *SQLiteStore) CreateAccount(ctx context.Context, number string, creditLimit funds.Amount) error {
	err := ValidateAccountNumber(number)
	if err == nil {
		err = checkCreditLimit(creditLimit)
	}
	if err == nil {
		err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			if _, err := getAccount(ctx, tx, number); err == nil {
				return fmt.Errorf("account %s %w", number, ErrExists)
			} else if !errors.Is(err, ErrUnknownAccount) {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO account(`+accountCols+`) VALUES(?, 0, 0, ?, 0, 0, 0, 0, ?)`,
				number, creditLimit, fmtTime(now))
			if err != nil {
				return fmt.Errorf("insert account: %w", err)
			}
			return assertAccount(ctx, tx, number)
		})
	}
	if err != nil {
		return fmt.Errorf("create account %s: %w", number, err)
	}
	s.log.Info("account created", "account", number, "credit_limit", creditLimit.MillsString())
	return nil
}

// Deposit implements Store.Deposit. A deposit adds to the prepaid balance only; credit used is settled
// outside the Data Center, so a void can always release exactly what a refill drew from credit.
func (s *SQLiteStore) Deposit(ctx context.Context, number string, amount funds.Amount) error {
	var after Account
	err := checkDeposit(amount)
	if err == nil {
		err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			a, err := getAccount(ctx, tx, number)
			if err != nil {
				return err
			}
			if a, err = planDeposit(a, amount); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO deposit(account_number, amount, at) VALUES(?, ?, ?)`,
				number, amount, fmtTime(now)); err != nil {
				return fmt.Errorf("insert deposit: %w", err)
			}
			if err := putAccount(ctx, tx, a); err != nil {
				return err
			}
			after = a
			return assertAccount(ctx, tx, number)
		})
	}
	if err != nil {
		return fmt.Errorf("deposit %s to account %s: %w", amount.MillsString(), number, err)
	}
	s.log.Info("deposit", "account", number, "amount", amount.MillsString(), "prepaid", after.Prepaid.MillsString())
	return nil
}

// SetCreditLimit implements Store.SetCreditLimit.
func (s *SQLiteStore) SetCreditLimit(ctx context.Context, number string, limit funds.Amount) error {
	err := checkCreditLimit(limit)
	if err == nil {
		err = s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
			a, err := getAccount(ctx, tx, number)
			if err != nil {
				return err
			}
			if a, err = planCreditLimit(a, limit); err != nil {
				return err
			}
			if err := putAccount(ctx, tx, a); err != nil {
				return err
			}
			return assertAccount(ctx, tx, number)
		})
	}
	if err != nil {
		return fmt.Errorf("set credit limit of account %s to %s: %w", number, limit.MillsString(), err)
	}
	s.log.Info("credit limit set", "account", number, "credit_limit", limit.MillsString())
	return nil
}

// SetLocked implements Store.SetLocked.
func (s *SQLiteStore) SetLocked(ctx context.Context, number string, locked bool) error {
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		a, err := getAccount(ctx, tx, number)
		if err != nil {
			return err
		}
		a.Locked = locked
		return putAccount(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("set lock of account %s to %v: %w", number, locked, err)
	}
	s.log.Info("account lock set", "account", number, "locked", locked)
	return nil
}

// RegisterMeter implements Store.RegisterMeter.
func (s *SQLiteStore) RegisterMeter(ctx context.Context, serial, account string, minRefill, maxRefill funds.Amount) (string, error) {
	err := ValidateSerial(serial)
	if err == nil {
		err = ValidateAccountNumber(account)
	}
	if err == nil {
		err = checkRefillLimits(minRefill, maxRefill)
	}
	token, hash := newToken()
	if err == nil {
		err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			if _, err := getAccount(ctx, tx, account); err != nil {
				return err
			}
			if _, err := getMeter(ctx, tx, serial); err == nil {
				return fmt.Errorf("meter %s %w", serial, ErrExists)
			} else if !errors.Is(err, ErrUnknownMeter) {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO meter(serial, account_number, token_hash, token_expires,
				min_refill, max_refill, created) VALUES(?, ?, ?, ?, ?, ?, ?)`, serial, account, hash,
				fmtTime(now.Add(EnrollmentTTL)), minRefill, maxRefill, fmtTime(now))
			if err != nil {
				return fmt.Errorf("insert meter: %w", err)
			}
			return addEvent(ctx, tx, serial, now, "token-issued", "enrollment token valid until "+fmtTime(now.Add(EnrollmentTTL)))
		})
	}
	if err != nil {
		return "", fmt.Errorf("register meter %s on account %s: %w", serial, account, err)
	}
	s.log.Info("meter registered", "meter", serial, "account", account,
		"min_refill", minRefill.MillsString(), "max_refill", maxRefill.MillsString())
	return token, nil
}

// Account implements Store.Account.
func (s *SQLiteStore) Account(ctx context.Context, number string) (Account, error) {
	var a Account
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		var err error
		if a, err = getAccount(ctx, tx, number); err != nil {
			return err
		}
		a.Refills, err = listRefills(ctx, tx, `WHERE account_number = ?`, number)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", number, err)
	}
	return a, nil
}

// Accounts implements Store.Accounts.
func (s *SQLiteStore) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		var err error
		out, err = listAccounts(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

func listAccounts(ctx context.Context, q queryer) ([]Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+accountCols+` FROM account ORDER BY number`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Meter implements Store.Meter.
func (s *SQLiteStore) Meter(ctx context.Context, serial string) (Meter, error) {
	m, err := getMeter(ctx, s.db, serial)
	if err != nil {
		return Meter{}, fmt.Errorf("read meter %s: %w", serial, err)
	}
	return m.Meter, nil
}

// Refills implements Store.Refills.
func (s *SQLiteStore) Refills(ctx context.Context) ([]Refill, error) {
	var out []Refill
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		var err error
		out, err = listRefills(ctx, tx, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CheckInvariants implements Store.CheckInvariants: every account's figures against themselves and its
// rows, and every refill on the account of its meter.
func (s *SQLiteStore) CheckInvariants(ctx context.Context) error {
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		accounts, err := listAccounts(ctx, tx)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		for _, a := range accounts {
			sums, err := sumsOf(ctx, tx, a.Number)
			if err != nil {
				return err
			}
			ledger, err := ledgerOf(ctx, tx, a.Number)
			if err != nil {
				return err
			}
			if ledger != sums {
				return fmt.Errorf("account %s: %w: the ledger (reserved %s, posted %s, credit held %s, deposits %s) "+
					"does not match its rows (%s, %s, %s, %s)", a.Number, ErrInvariant,
					ledger.reserved.MillsString(), ledger.posted.MillsString(), ledger.creditHeld.MillsString(), ledger.deposits.MillsString(),
					sums.reserved.MillsString(), sums.posted.MillsString(), sums.creditHeld.MillsString(), sums.deposits.MillsString())
			}
			if err := checkAccount(a, sums); err != nil {
				return err
			}
		}
		var id, meterAcct, refillAcct string
		err = tx.QueryRowContext(ctx, `SELECT r.id, m.account_number, r.account_number FROM refill r
			JOIN meter m ON m.serial = r.meter_serial WHERE m.account_number <> r.account_number LIMIT 1`).
			Scan(&id, &meterAcct, &refillAcct)
		if err == nil {
			return fmt.Errorf("account %s: %w: refill %s is booked on it but its meter draws on account %s",
				refillAcct, ErrInvariant, id, meterAcct)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check refill accounts: %w", err)
		}
		var serial string
		err = tx.QueryRowContext(ctx, `SELECT m.serial FROM meter m LEFT JOIN meter_ledger l ON l.serial = m.serial
			WHERE l.serial IS NULL
			OR l.reserved <> (SELECT COALESCE(SUM(amount), 0) FROM refill r WHERE r.meter_serial = m.serial AND r.state = 'reserved')
			OR l.posted <> (SELECT COALESCE(SUM(amount), 0) FROM refill r WHERE r.meter_serial = m.serial AND r.state = 'posted')
			ORDER BY m.serial LIMIT 1`).Scan(&serial)
		if err == nil {
			return fmt.Errorf("meter %s: %w: its ledger does not match the sums of its refills", serial, ErrInvariant)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check meter ledgers: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check data center invariants: %w", err)
	}
	return nil
}
