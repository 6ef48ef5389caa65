package datacenter

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"postmeter/funds"
)

// The meter's requests on the PostgreSQL store: each is one pipelined transaction (postgres_pipeline.go)
// that reads under the meter's and then the account's row lock (readRequest), decides with the shared
// rules (rules.go) and writes what they decided (queuePlan).

// Reserve implements Store.Reserve in one transaction.
func (s *PostgresStore) Reserve(ctx context.Context, req Request, id string, amount funds.Amount, rep funds.Report) (funds.RefillAnswer, error) {
	var plan refillPlan
	err := ValidateRefillID(id)
	if err == nil {
		err = validateRefillAmount(amount)
	}
	if err == nil {
		err = validateReport(rep)
	}
	if err == nil {
		err = s.reported(ctx, req.Serial, func() error {
			return s.inPipeline(ctx, req.Serial, func(p *pgPipe, now time.Time) error {
				v, err := s.readRequest(p, req, readOpts{report: true, account: lockRow, refill: id})
				if err != nil {
					return err
				}
				// Keeping the report also records the contact, so no statement of its own is needed for that.
				if err := s.keepReport(p, req, rep, v.report, now); err != nil {
					return err
				}
				if plan, err = planReserve(v.meter, v.account, v.refill, id, amount, rep.Registers, now); err != nil {
					return err
				}
				return queuePlan(p, plan, req.Serial, now)
			})
		})
	}
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("reserve refill %s for meter %s: %w", id, req.Serial, err)
	}
	plan.logTo(s.log)
	return plan.ans, nil
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
	if err := ValidateRefillID(id); err != nil {
		return funds.RefillAnswer{}, err
	}
	var plan refillPlan
	err := s.inPipeline(ctx, req.Serial, func(p *pgPipe, now time.Time) error {
		v, err := s.readRequest(p, req, readOpts{account: lockRow, refill: id, contact: now})
		if err != nil {
			return err
		}
		if plan, err = planResolve(v.meter, v.account, v.refill, id, to, now); err != nil {
			return err
		}
		return queuePlan(p, plan, req.Serial, now)
	})
	if err != nil {
		return funds.RefillAnswer{}, err
	}
	plan.logTo(s.log)
	return plan.ans, nil
}

// queuePlan queues the writes a refill rule decided: the new row (a tombstone only within the meter's
// quota, which is read first), the refill's move, and the account's figures, read back with the ledger
// and checked before the transaction may commit.
func queuePlan(p *pgPipe, plan refillPlan, serial string, now time.Time) error {
	if plan.tombstone {
		if err := pgCheckTombstoneQuota(p, serial, now); err != nil {
			return err
		}
	}
	if r := plan.insert; r != nil {
		p.queue(pgInsertRefillSQL, pgRefillArgs(*r)...)
	}
	if to := plan.resolve; to != "" {
		id := plan.ans.ID
		p.queue(`UPDATE refill SET state = $1, resolved = $2 WHERE id = $3 AND state = 'reserved'`, to, now, id).
			Exec(func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() != 1 { // the WHERE clause makes the move happen at most once
					return fmt.Errorf("mark refill %s %s: %w: %d rows changed", id, to, ErrInvariant, tag.RowsAffected())
				}
				return nil
			})
	}
	if a := plan.account; a != nil {
		p.queue(pgPutAccountCheckedSQL, pgAccountArgs(*a)...).QueryRow(func(row pgx.Row) error {
			return pgCheckedRow(row, a.Number)
		})
	}
	return nil
}

// Refill implements Store.Refill; it changes nothing but the nonce.
func (s *PostgresStore) Refill(ctx context.Context, req Request, id string) (funds.RefillAnswer, error) {
	var ans funds.RefillAnswer
	err := ValidateRefillID(id)
	if err == nil {
		err = s.inPipeline(ctx, req.Serial, func(p *pgPipe, now time.Time) error {
			// The meter's row is locked only to store a nonce in its order.
			v, err := s.readRequest(p, req, readOpts{account: readRow, refill: id, unlocked: req.Nonce == ""})
			if err != nil {
				return err
			}
			if v.refill == nil || v.refill.Meter != req.Serial {
				return ErrUnknownRefill
			}
			ans = answerOf(*v.refill, v.account, v.meter.MinRefill, v.meter.MaxRefill)
			return nil
		})
	}
	if err != nil {
		return funds.RefillAnswer{}, fmt.Errorf("get refill %s for meter %s: %w", id, req.Serial, err)
	}
	return ans, nil
}

// Balance implements Store.Balance.
func (s *PostgresStore) Balance(ctx context.Context, req Request, rep funds.Report) (funds.AccountBalance, error) {
	var bal funds.AccountBalance
	err := s.reported(ctx, req.Serial, func() error {
		return s.inPipeline(ctx, req.Serial, func(p *pgPipe, now time.Time) error {
			v, err := s.readRequest(p, req, readOpts{report: true, account: readRow})
			if err != nil {
				return err
			}
			if err := validateReport(rep); err != nil {
				return err
			}
			bal = balanceOf(v.account, v.meter.MinRefill, v.meter.MaxRefill)
			return s.keepReport(p, req, rep, v.report, now) // which records the contact
		})
	})
	if err != nil {
		return funds.AccountBalance{}, fmt.Errorf("balance inquiry of meter %s: %w", req.Serial, err)
	}
	return bal, nil
}

// UploadPostalInfo implements Store.UploadPostalInfo.
func (s *PostgresStore) UploadPostalInfo(ctx context.Context, req Request, info funds.PostalInfo) (funds.PostalInfoReceipt, error) {
	serial := req.Serial
	var rec funds.PostalInfoReceipt
	err := validateReport(info)
	if err == nil {
		err = s.reported(ctx, serial, func() error {
			return s.inPipeline(ctx, req.Serial, func(p *pgPipe, now time.Time) error {
				v, err := s.readRequest(p, req, readOpts{report: true})
				if err != nil {
					return err
				}
				if err := s.keepReport(p, req, info, v.report, now); err != nil {
					return err
				}
				if last := v.meter.PostalInfo; last != nil && info.AuditSeq <= last.AuditSeq {
					return fmt.Errorf("%w: postal information audit seq %d is not above the last upload's %d",
						ErrStaleReport, info.AuditSeq, last.AuditSeq)
				}
				p.queue(`UPDATE meter SET postal_at = $1, postal_available = $2, postal_used = $3, postal_control = $4,
					postal_pieces = $5, audit_head = $6, audit_seq = $7 WHERE serial = $8`,
					now, info.Registers.AvailableMills, info.Registers.UsedMills, info.Registers.ControlMills,
					info.Registers.Pieces, info.AuditHead, info.AuditSeq, serial).Exec(func(tag pgconn.CommandTag) error {
					if tag.RowsAffected() != 1 {
						return fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
					}
					return nil
				})
				rec.Time, rec.AuditSeq = now, info.AuditSeq
				return nil
			})
		})
	}
	if err != nil {
		return funds.PostalInfoReceipt{}, fmt.Errorf("postal info upload of meter %s: %w", serial, err)
	}
	s.log.Info("postal info received", "meter", serial, "audit_seq", info.AuditSeq, "pieces", info.Registers.Pieces)
	return rec, nil
}

// pgCheckTombstoneQuota is checkTombstoneQuota (tombstone.go) on PostgreSQL.
func pgCheckTombstoneQuota(p *pgPipe, serial string, now time.Time) error {
	var n int
	p.queue(`SELECT COUNT(*) FROM refill WHERE meter_serial = $1 AND tombstone AND created > $2`,
		serial, now.Add(-TombstoneWindow)).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&n); err != nil {
			return fmt.Errorf("count tombstones of meter %q: %w", serial, err)
		}
		return nil
	})
	if err := p.send(); err != nil {
		return err
	}
	if n >= MaxTombstonesPerWindow {
		return fmt.Errorf("meter %s has voided %d refills the Data Center never received within %v, the most it accepts; "+
			"check the meter's network connection and contact customer service: %w", serial, n, TombstoneWindow, ErrTooManyVoids)
	}
	return nil
}
