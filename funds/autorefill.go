package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Auto-refills are refills the meter starts by itself when a debit leaves the postage in the meter
// below the low-funds value (meter/autorefill.go decides when). In the vault each one is an ordinary
// refill row, so it moves through the same exactly-once states as a manual one, plus a row in
// auto_refills written in the same transaction as the refill's intent: the meter's day it counts
// towards and its amount. The day's limits are checked inside that transaction, so a kill between the
// check and the request cannot reset them, and the record can never say a refill was manual.

// AutoRefillActor is the actor of every refill the meter starts by itself.
const AutoRefillActor = "auto-refill"

// autoRefillSchema is run with vaultSchema (CREATE … IF NOT EXISTS): a vault made before it gains the
// table when it is opened.
const autoRefillSchema = `
CREATE TABLE IF NOT EXISTS auto_refills(
	refill_id TEXT PRIMARY KEY REFERENCES refills(id),
	day       TEXT NOT NULL CHECK(length(day) = 10),
	amount    INTEGER NOT NULL CHECK(amount > 0));
CREATE INDEX IF NOT EXISTS auto_refills_by_day ON auto_refills(day);
CREATE TRIGGER IF NOT EXISTS auto_refills_keep BEFORE DELETE ON auto_refills
	BEGIN SELECT RAISE(ABORT, 'auto-refill records are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS auto_refills_fixed BEFORE UPDATE ON auto_refills
	BEGIN SELECT RAISE(ABORT, 'an auto-refill record is never changed'); END;
`

// AutoLimits bound the auto-refills of one day: at most Count refills and Amount in all.
type AutoLimits struct {
	Count  int
	Amount Amount
}

// AutoDay is what counts towards a day's limits: the auto-refills of that day that were not abandoned
// (requested, applied or confirmed). An abandoned one never added postage and never can.
type AutoDay struct {
	Count  int
	Amount Amount
}

// ErrAutoRefillLimit is an auto-refill refused because it would pass the day's limits.
var ErrAutoRefillLimit = errors.New("the day's auto-refill limits are reached")

// AutoLimitError says which day's limits an auto-refill would have passed, and how far they were used.
type AutoLimitError struct {
	Day    string
	Amount Amount
	Used   AutoDay
	Limits AutoLimits
}

func (e *AutoLimitError) Error() string {
	return fmt.Sprintf("auto-refill of %s on %s: %d refills and %s used of %d and %s",
		e.Amount, e.Day, e.Used.Count, e.Used.Amount, e.Limits.Count, e.Limits.Amount)
}

// Is makes errors.Is(err, ErrAutoRefillLimit) true.
func (e *AutoLimitError) Is(target error) bool { return target == ErrAutoRefillLimit }

// CreateAutoRefill stores the intent of an auto-refill of amount counted towards day (YYYY-MM-DD on the
// meter's clock), like CreateRefill, but only if the day's auto-refills with this one stay within lim;
// the check, the refill row and its auto_refills row are one transaction. It refuses with
// ErrRefillPending while any refill is requested and with an *AutoLimitError past the limits.
func (v *Vault) CreateAutoRefill(ctx context.Context, id string, amount Amount, day string, lim AutoLimits) error {
	if amount <= 0 {
		return fmt.Errorf("create auto-refill %s of %s: %w", id, amount.MillsString(), ErrInvalidAmount)
	}
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		if err := noRefillPending(ctx, tx); err != nil {
			return err
		}
		used, err := autoDay(ctx, tx, day)
		if err != nil {
			return err
		}
		if used.Count+1 > lim.Count || used.Amount+amount > lim.Amount {
			return &AutoLimitError{Day: day, Amount: amount, Used: used, Limits: lim}
		}
		now := v.stamp()
		if _, err := tx.ExecContext(ctx, `INSERT INTO refills(id, amount, state, actor, created, updated)
			VALUES(?, ?, 'requested', ?, ?, ?)`, id, amount, AutoRefillActor, now, now); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO auto_refills(refill_id, day, amount) VALUES(?, ?, ?)`,
			id, day, amount); err != nil {
			return fmt.Errorf("insert auto-refill: %w", err)
		}
		return v.auditRefill(ctx, tx, id, AutoRefillActor, "refill-requested",
			autoRefillBody(id, amount, day))
	})
	if err != nil {
		return fmt.Errorf("create auto-refill %s: %w", id, err)
	}
	return nil
}

// autoDay sums the auto-refills of day that count towards its limits.
func autoDay(ctx context.Context, q queryer, day string) (AutoDay, error) {
	var d AutoDay
	err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(a.amount), 0) FROM auto_refills a
		JOIN refills r ON r.id = a.refill_id WHERE a.day = ? AND r.state NOT IN ('abandoned', 'closed')`, day).
		Scan(&d.Count, &d.Amount)
	if err != nil {
		return AutoDay{}, fmt.Errorf("auto-refills of %s: %w", day, err)
	}
	return d, nil
}

// AutoRefillDay is what day's auto-refills have used of its limits.
func (v *Vault) AutoRefillDay(ctx context.Context, day string) (AutoDay, error) {
	return autoDay(ctx, v.db, day)
}

// AutoRefillDays maps the id of every auto-refill to the day it counts towards, so a list of refills can
// mark the automatic ones.
func (v *Vault) AutoRefillDays(ctx context.Context) (map[string]string, error) {
	rows, err := v.db.QueryContext(ctx, `SELECT refill_id, day FROM auto_refills`)
	if err != nil {
		return nil, fmt.Errorf("list auto-refills: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, day string
		if err := rows.Scan(&id, &day); err != nil {
			return nil, fmt.Errorf("list auto-refills: %w", err)
		}
		out[id] = day
	}
	return out, rows.Err()
}

// LastAutoRefill is the newest auto-refill whatever its state; ok is false before the first.
func (v *Vault) LastAutoRefill(ctx context.Context) (r Refill, ok bool, err error) {
	list, err := listRefills(ctx, v.db, `WHERE id IN (SELECT refill_id FROM auto_refills) ORDER BY created DESC, id DESC`, 1)
	if err != nil || len(list) == 0 {
		return Refill{}, false, err
	}
	return list[0], true, nil
}

// SetSettings stores several settings in one transaction, each audited with who changed it: a reader
// never sees half of a change that belongs together.
func (v *Vault) SetSettings(ctx context.Context, values [][2]string, actor string) error {
	for _, kv := range values {
		if kv[0] == contactReceiptKey {
			return fmt.Errorf("set setting %s: use RecordContact", kv[0])
		}
	}
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		for _, kv := range values {
			if err := v.setSettingTx(ctx, tx, kv[0], kv[1], actor); err != nil {
				return fmt.Errorf("%s: %w", kv[0], err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set settings: %w", err)
	}
	return nil
}
