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
	var plan refillPlan
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
			a, err := getAccount(ctx, tx, m.Account)
			if err != nil {
				return err
			}
			if plan, err = planReserve(m, a, refillOrNil(old, found), id, amount, regs, now); err != nil {
				return err
			}
			if err := s.writePlan(ctx, tx, plan, serial, now); err != nil {
				return err
			}
			return touchMeter(ctx, tx, serial, now)
		})
	}
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("reserve refill %s for meter %s: %w", id, serial, err)
	}
	plan.logTo(s.log)
	return plan.ans, nil
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

// resolve moves a refill to posted or voided, answering again for a refill already there (planResolve).
func (s *SQLiteStore) resolve(ctx context.Context, req Request, id, to string) (funds.RefillAnswer, error) {
	serial := req.Serial
	if err := ValidateRefillID(id); err != nil {
		return funds.RefillAnswer{}, err
	}
	var plan refillPlan
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		m, err := getMeter(ctx, tx, serial)
		if err != nil {
			return err
		}
		if err := checkSigningKey(m, req); err != nil {
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
		if plan, err = planResolve(m, a, refillOrNil(r, found), id, to, now); err != nil {
			return err
		}
		if err := s.writePlan(ctx, tx, plan, serial, now); err != nil {
			return err
		}
		return touchMeter(ctx, tx, serial, now)
	})
	if err != nil {
		return funds.RefillAnswer{}, err
	}
	plan.logTo(s.log)
	return plan.ans, nil
}

// writePlan writes what a refill rule decided: the new row (a tombstone only within the meter's quota),
// the refill's move, and the account's figures, checked against its ledger before the commit.
func (s *SQLiteStore) writePlan(ctx context.Context, tx *sql.Tx, plan refillPlan, serial string, now time.Time) error {
	if plan.tombstone {
		if err := checkTombstoneQuota(ctx, tx, serial, now); err != nil {
			return err
		}
	}
	if plan.insert != nil {
		if err := insertRefill(ctx, tx, *plan.insert); err != nil {
			return err
		}
	}
	if plan.resolve != "" {
		if err := resolveRefill(ctx, tx, plan.ans.ID, plan.resolve, now); err != nil {
			return err
		}
	}
	if plan.account != nil {
		if err := putAccount(ctx, tx, *plan.account); err != nil {
			return err
		}
		return assertAccount(ctx, tx, plan.account.Number)
	}
	return nil
}

// refillOrNil is the found refill, or nil.
func refillOrNil(r Refill, found bool) *Refill {
	if !found {
		return nil
	}
	return &r
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
			if err := checkSigningKey(m, req); err != nil {
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
