package datacenter

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"postmeter/funds"
)

// The meter's requests on the PostgreSQL store; the same steps as sqlite_refill.go, with the meter's row
// and then its account's row locked before anything is decided.

// Reserve implements Store.Reserve in one transaction.
func (s *PostgresStore) Reserve(ctx context.Context, req Request, id string, amount funds.Amount, rep funds.Report) (funds.RefillAnswer, error) {
	serial := req.Serial
	var ans funds.RefillAnswer
	logged := func() {}
	err := ValidateRefillID(id)
	if err == nil {
		err = validateRefillAmount(amount)
	}
	if err == nil {
		err = validateReport(rep)
	}
	regs := rep.Registers
	if err == nil {
		err = s.reportTx(ctx, req, rep, func(tx pgx.Tx, now time.Time, m meterRow) error {
			a, err := pgAccount(ctx, tx, m.Account, true)
			if err != nil {
				return err
			}
			old, found, err := pgFindRefill(ctx, tx, id)
			if err != nil {
				return err
			}
			if found {
				switch {
				case old.Meter != serial:
					return ErrRefillIDTaken
				case !old.Tombstone && old.Amount != amount:
					return fmt.Errorf("%w: it was reserved for %s (%d mills), this request asks for %s (%d mills)",
						ErrAmountConflict, old.Amount.MillsString(), old.Amount.Mills(), amount.MillsString(), amount.Mills())
				}
				ans = answerOf(old, a, m.MinRefill, m.MaxRefill)
				return nil // the contact is recorded with the report (checkReport)
			}
			r := Refill{ID: id, Meter: serial, Account: a.Number, Amount: amount, Registers: &regs, Created: now}
			d, decline := decide(a, m.MinRefill, m.MaxRefill, amount)
			if decline != nil {
				r.State, r.Decline, r.Resolved = funds.DCDeclined, decline, now
			} else {
				r.State, r.FromPrepaid, r.FromCredit = funds.DCReserved, d.fromPrepaid, d.fromCredit
				a.Prepaid -= d.fromPrepaid
				a.CreditUsed += d.fromCredit
				if a.Reserved, err = a.Reserved.Add(amount); err != nil {
					return err
				}
			}
			if err := pgInsertRefill(ctx, tx, r); err != nil {
				return err
			}
			if decline == nil {
				if err := pgPutAccountChecked(ctx, tx, a); err != nil {
					return err
				}
			}
			ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
			logged = func() {
				s.log.Info("refill "+r.State, "meter", serial, "refill", id, "amount", amount.MillsString(),
					"from_prepaid", r.FromPrepaid.MillsString(), "from_credit", r.FromCredit.MillsString(),
					"decline", declineCode(r.Decline))
			}
			return nil
		})
	}
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("reserve refill %s for meter %s: %w", id, serial, err)
	}
	logged()
	return ans, nil
}

// Post implements Store.Post in one transaction.
func (s *PostgresStore) Post(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	ans, err := s.resolve(ctx, req, id, funds.DCPosted)
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("post refill %s for meter %s: %w", id, req.Serial, err)
	}
	return ans, nil
}

// Void implements Store.Void in one transaction.
func (s *PostgresStore) Void(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	ans, err := s.resolve(ctx, req, id, funds.DCVoided)
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("void refill %s for meter %s: %w", id, req.Serial, err)
	}
	return ans, nil
}

func (s *PostgresStore) resolve(ctx context.Context, req Request, id, to string) (funds.RefillAnswer, error) {
	serial := req.Serial
	if err := ValidateRefillID(id); err != nil {
		return funds.RefillAnswer{}, err
	}
	var ans funds.RefillAnswer
	logged := func() {}
	err := s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		m, err := pgMeter(ctx, tx, serial, true)
		if err != nil {
			return err
		}
		if err := s.useNonce(ctx, tx, req); err != nil {
			return err
		}
		a, err := pgAccount(ctx, tx, m.Account, true)
		if err != nil {
			return err
		}
		r, found, err := pgFindRefill(ctx, tx, id)
		if err != nil {
			return err
		}
		if found && r.Meter != serial {
			if to == funds.DCVoided {
				return ErrRefillIDTaken
			}
			found = false
		}
		if !found {
			if to == funds.DCPosted {
				return ErrUnknownRefill
			}
			if err := pgCheckTombstoneQuota(ctx, tx, serial, now); err != nil {
				return err
			}
			r = Refill{ID: id, Meter: serial, Account: a.Number, State: funds.DCVoided, Tombstone: true,
				Created: now, Resolved: now}
			if err := pgInsertRefill(ctx, tx, r); err != nil {
				return err
			}
			logged = func() { s.log.Info("refill voided (tombstone)", "meter", serial, "refill", id) }
			ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
			return pgTouchMeter(ctx, tx, serial, now)
		}
		switch {
		case r.State == to:
		case to == funds.DCPosted && r.State == funds.DCVoided:
			return ErrRefillVoided
		case to == funds.DCPosted && r.State == funds.DCDeclined:
			return ErrRefillDeclined
		case to == funds.DCVoided && r.State == funds.DCPosted:
			return ErrRefillPosted
		case to == funds.DCVoided && r.State == funds.DCDeclined:
		case r.State == funds.DCReserved:
			a.Reserved -= r.Amount
			if to == funds.DCPosted {
				if a.Posted, err = a.Posted.Add(r.Amount); err != nil {
					return err
				}
			} else {
				a.Prepaid += r.FromPrepaid
				a.CreditUsed -= r.FromCredit
			}
			if err := pgResolveRefill(ctx, tx, id, to, now); err != nil {
				return err
			}
			if err := pgPutAccountChecked(ctx, tx, a); err != nil {
				return err
			}
			r.State, r.Resolved = to, now
			logged = func() {
				s.log.Info("refill "+to, "meter", serial, "refill", id, "amount", r.Amount.MillsString(),
					"from_prepaid", r.FromPrepaid.MillsString(), "from_credit", r.FromCredit.MillsString())
			}
		default:
			return fmt.Errorf("refill %s in state %q: %w", id, r.State, ErrInvariant)
		}
		ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
		return pgTouchMeter(ctx, tx, serial, now)
	})
	if err != nil {
		return funds.RefillAnswer{}, err
	}
	logged()
	return ans, nil
}

// Refill implements Store.Refill; it changes nothing but the nonce.
func (s *PostgresStore) Refill(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	serial := req.Serial
	var ans funds.RefillAnswer
	err := ValidateRefillID(id)
	if err == nil {
		err = s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
			m, err := pgMeter(ctx, tx, serial, req.Nonce != "")
			if err != nil {
				return err
			}
			if err := s.useNonce(ctx, tx, req); err != nil {
				return err
			}
			r, found, err := pgFindRefill(ctx, tx, id)
			if err != nil {
				return err
			}
			if !found || r.Meter != serial {
				return ErrUnknownRefill
			}
			a, err := pgAccount(ctx, tx, m.Account, false)
			if err != nil {
				return err
			}
			ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
			return nil
		})
	}
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("get refill %s for meter %s: %w", id, serial, err)
	}
	return ans, nil
}

// Balance implements Store.Balance.
func (s *PostgresStore) Balance(ctx context.Context, req Request, rep funds.Report) (funds.AccountBalance, error) {
	serial := req.Serial
	var bal funds.AccountBalance
	err := s.reportTx(ctx, req, rep, func(tx pgx.Tx, now time.Time, m meterRow) error {
		a, err := pgAccount(ctx, tx, m.Account, false)
		if err != nil {
			return err
		}
		bal = balanceOf(a, m.MinRefill, m.MaxRefill)
		return nil // the contact is recorded with the report (checkReport)
	})
	if err != nil {
		return funds.AccountBalance{}, fmt.Errorf("balance inquiry of meter %s: %w", serial, err)
	}
	return bal, nil
}

// UploadPostalInfo implements Store.UploadPostalInfo.
func (s *PostgresStore) UploadPostalInfo(ctx context.Context, req Request, info funds.PostalInfo) (funds.PostalInfoReceipt, error) {
	serial := req.Serial
	var rec funds.PostalInfoReceipt
	err := validateReport(info)
	if err == nil {
		err = s.reportTx(ctx, req, info, func(tx pgx.Tx, now time.Time, m meterRow) error {
			if last := m.PostalInfo; last != nil && info.AuditSeq <= last.AuditSeq {
				return fmt.Errorf("%w: postal information audit seq %d is not above the last upload's %d",
					ErrStaleReport, info.AuditSeq, last.AuditSeq)
			}
			tag, err := tx.Exec(ctx, `UPDATE meter SET last_contact = $1, postal_at = $1, postal_available = $2,
				postal_used = $3, postal_control = $4, postal_pieces = $5, audit_head = $6, audit_seq = $7 WHERE serial = $8`,
				now, info.Registers.AvailableMills, info.Registers.UsedMills, info.Registers.ControlMills,
				info.Registers.Pieces, info.AuditHead, info.AuditSeq, serial)
			if err != nil {
				return fmt.Errorf("store postal info: %w", err)
			}
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
			}
			rec.Time, rec.AuditSeq = now, info.AuditSeq
			return nil
		})
	}
	if err != nil {
		return funds.PostalInfoReceipt{}, fmt.Errorf("postal info upload of meter %s: %w", serial, err)
	}
	s.log.Info("postal info received", "meter", serial, "audit_seq", info.AuditSeq, "pieces", info.Registers.Pieces)
	return rec, nil
}

// pgCheckTombstoneQuota is checkTombstoneQuota (tombstone.go) on PostgreSQL.
func pgCheckTombstoneQuota(ctx context.Context, q pgq, serial string, now time.Time) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM refill WHERE meter_serial = $1 AND tombstone AND created > $2`,
		serial, now.Add(-TombstoneWindow)).Scan(&n); err != nil {
		return fmt.Errorf("count tombstones of meter %q: %w", serial, err)
	}
	if n >= MaxTombstonesPerWindow {
		return fmt.Errorf("meter %s has voided %d refills the Data Center never received within %v, the most it accepts; "+
			"check the meter's network connection and contact customer service: %w", serial, n, TombstoneWindow, ErrTooManyVoids)
	}
	return nil
}
