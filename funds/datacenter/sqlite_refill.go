package datacenter

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"postmeter/funds"
)

// Reserve implements Store.Reserve in one transaction.
func (s *SQLiteStore) Reserve(ctx context.Context, req Request, id string, amount funds.Amount, rep funds.Report) (funds.RefillAnswer, error) {
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
		err = s.reportTx(ctx, req, rep, func(tx *sql.Tx, now time.Time, m meterRow) error {
			old, found, err := findRefill(ctx, tx, id)
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
				a, err := getAccount(ctx, tx, m.Account)
				if err != nil {
					return err
				}
				ans = answerOf(old, a, m.MinRefill, m.MaxRefill)
				return touchMeter(ctx, tx, serial, now)
			}
			a, err := getAccount(ctx, tx, m.Account)
			if err != nil {
				return err
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
			if err := insertRefill(ctx, tx, r); err != nil {
				return err
			}
			if decline == nil {
				if err := putAccount(ctx, tx, a); err != nil {
					return err
				}
				if err := assertAccount(ctx, tx, a.Number); err != nil {
					return err
				}
			}
			ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
			logged = func() {
				s.log.Info("refill "+r.State, "meter", serial, "refill", id, "amount", amount.MillsString(),
					"from_prepaid", r.FromPrepaid.MillsString(), "from_credit", r.FromCredit.MillsString(),
					"decline", declineCode(r.Decline))
			}
			return touchMeter(ctx, tx, serial, now)
		})
	}
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("reserve refill %s for meter %s: %w", id, serial, err)
	}
	logged()
	return ans, nil
}

// Post implements Store.Post in one transaction.
func (s *SQLiteStore) Post(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	ans, err := s.resolve(ctx, req, id, funds.DCPosted)
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("post refill %s for meter %s: %w", id, req.Serial, err)
	}
	return ans, nil
}

// Void implements Store.Void in one transaction.
func (s *SQLiteStore) Void(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	ans, err := s.resolve(ctx, req, id, funds.DCVoided)
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("void refill %s for meter %s: %w", id, req.Serial, err)
	}
	return ans, nil
}

// resolve moves a refill to posted or voided, answering again for a refill already there.
func (s *SQLiteStore) resolve(ctx context.Context, req Request, id, to string) (funds.RefillAnswer, error) {
	serial := req.Serial
	if err := ValidateRefillID(id); err != nil {
		return funds.RefillAnswer{}, err
	}
	var ans funds.RefillAnswer
	logged := func() {}
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		m, err := getMeter(ctx, tx, serial)
		if err != nil {
			return err
		}
		if err := s.useNonce(ctx, tx, req, now); err != nil {
			return err
		}
		a, err := getAccount(ctx, tx, m.Account)
		if err != nil {
			return err
		}
		r, found, err := findRefill(ctx, tx, id)
		if err != nil {
			return err
		}
		if found && r.Meter != serial {
			if to == funds.DCVoided {
				return ErrRefillIDTaken // cannot tombstone an id another meter owns
			}
			found = false // never reveal another meter's refill
		}
		if !found {
			if to == funds.DCPosted {
				return ErrUnknownRefill
			}
			if err := checkTombstoneQuota(ctx, tx, serial, now); err != nil {
				return err
			}
			r = Refill{ID: id, Meter: serial, Account: a.Number, State: funds.DCVoided, Tombstone: true,
				Created: now, Resolved: now}
			if err := insertRefill(ctx, tx, r); err != nil {
				return err
			}
			logged = func() { s.log.Info("refill voided (tombstone)", "meter", serial, "refill", id) }
			ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
			return touchMeter(ctx, tx, serial, now)
		}
		switch {
		case r.State == to:
			// answered before: same answer
		case to == funds.DCPosted && r.State == funds.DCVoided:
			return ErrRefillVoided
		case to == funds.DCPosted && r.State == funds.DCDeclined:
			return ErrRefillDeclined
		case to == funds.DCVoided && r.State == funds.DCPosted:
			return ErrRefillPosted
		case to == funds.DCVoided && r.State == funds.DCDeclined:
			// nothing was held: the declined answer stands
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
			if err := resolveRefill(ctx, tx, id, to, now); err != nil {
				return err
			}
			if err := putAccount(ctx, tx, a); err != nil {
				return err
			}
			if err := assertAccount(ctx, tx, a.Number); err != nil {
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
		return touchMeter(ctx, tx, serial, now)
	})
	if err != nil {
		return funds.RefillAnswer{}, err
	}
	logged()
	return ans, nil
}

// Refill implements Store.Refill; it only reads.
func (s *SQLiteStore) Refill(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	serial := req.Serial
	var ans funds.RefillAnswer
	err := ValidateRefillID(id)
	if err == nil {
		err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			m, err := getMeter(ctx, tx, serial)
			if err != nil {
				return err
			}
			if err := s.useNonce(ctx, tx, req, now); err != nil {
				return err
			}
			r, found, err := findRefill(ctx, tx, id)
			if err != nil {
				return err
			}
			if !found || r.Meter != serial {
				return ErrUnknownRefill
			}
			a, err := getAccount(ctx, tx, m.Account)
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
func (s *SQLiteStore) Balance(ctx context.Context, req Request, rep funds.Report) (funds.AccountBalance, error) {
	serial := req.Serial
	var bal funds.AccountBalance
	err := s.reportTx(ctx, req, rep, func(tx *sql.Tx, now time.Time, m meterRow) error {
		a, err := getAccount(ctx, tx, m.Account)
		if err != nil {
			return err
		}
		bal = balanceOf(a, m.MinRefill, m.MaxRefill)
		return touchMeter(ctx, tx, serial, now)
	})
	if err != nil {
		return funds.AccountBalance{}, fmt.Errorf("balance inquiry of meter %s: %w", serial, err)
	}
	return bal, nil
}

// UploadPostalInfo implements Store.UploadPostalInfo.
func (s *SQLiteStore) UploadPostalInfo(ctx context.Context, req Request, info funds.PostalInfo) (funds.PostalInfoReceipt, error) {
	serial := req.Serial
	var rec funds.PostalInfoReceipt
	err := validateReport(info)
	if err == nil {
		err = s.reportTx(ctx, req, info, func(tx *sql.Tx, now time.Time, m meterRow) error {
			if last := m.PostalInfo; last != nil && info.AuditSeq <= last.AuditSeq {
				// An upload must say something new: a genuine meter audits each upload before sending it.
				return fmt.Errorf("%w: postal information audit seq %d is not above the last upload's %d",
					ErrStaleReport, info.AuditSeq, last.AuditSeq)
			}
			res, err := tx.ExecContext(ctx, `UPDATE meter SET last_contact = ?, postal_at = ?, postal_available = ?,
				postal_used = ?, postal_control = ?, postal_pieces = ?, audit_head = ?, audit_seq = ? WHERE serial = ?`,
				fmtTime(now), fmtTime(now), info.Registers.AvailableMills, info.Registers.UsedMills,
				info.Registers.ControlMills, info.Registers.Pieces, info.AuditHead, info.AuditSeq, serial)
			if err != nil {
				return fmt.Errorf("store postal info: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
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

func declineCode(d *funds.Decline) string {
	if d == nil {
		return ""
	}
	return d.Code
}
