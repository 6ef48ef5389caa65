package datacenter

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"postmeter/funds"
)

// The first round trip of a meter's request on PostgreSQL (postgres_pipeline.go), and the report check
// that follows it: what sqlite_trust.go's reportTx, useNonce and checkReport do, sent together.

// rowAccess is how a request reads a row: not at all, as it stands, or under its lock.
type rowAccess int

const (
	noRow rowAccess = iota
	readRow
	lockRow
)

// readOpts says what readRequest reads besides the meter.
type readOpts struct {
	report   bool      // what the meter's report is checked against
	account  rowAccess // the meter's account
	refill   string    // the refill with this id, if not empty
	unlocked bool      // read the meter without its lock (only for a request that stores no nonce)
	contact  time.Time // if not zero, record the meter's contact at this time (with the nonce: no statement of its own)
}

// requestView is what readRequest read.
type requestView struct {
	meter   meterRow
	report  reportState
	account Account
	refill  *Refill // nil if there is none with the id
}

// readRequest sends, with the transaction's BEGIN, the reads a meter's request starts with: the meter's
// row under its lock joined with its account's row (under that row's lock if asked: meter, then account,
// always in that order) in one statement, the request's nonce stored (a nonce seen before is ErrReplayed;
// expired ones are dropped by a sweep of their own, postgres_nonce.go), and the refill with the id.
func (s *PostgresStore) readRequest(p *pgPipe, req Request, o readOpts) (requestView, error) {
	var v requestView
	var rs *reportState
	if o.report {
		rs = &v.report
	}
	var acct *Account
	if o.account != noRow {
		acct = &v.account
	}
	p.queue(pgMeterSQL(!o.unlocked, o.report, o.account), req.Serial).QueryRow(func(row pgx.Row) (err error) {
		v.meter, err = pgScanMeter(row, req.Serial, rs, acct)
		return err
	})
	if req.Nonce != "" && !s.weak.noNonceMemory {
		sql := `INSERT INTO nonce(serial, nonce, expires_ms) VALUES($1, $2, $3) ON CONFLICT DO NOTHING`
		args := []any{req.Serial, req.Nonce, req.At.Add(funds.SignatureWindow).UnixMilli()}
		if !o.contact.IsZero() {
			// The meter's row is already locked by this transaction; the count below is the nonce's rows.
			sql = `WITH contact AS (UPDATE meter SET last_contact = $4 WHERE serial = $1) ` + sql
			args = append(args, o.contact)
		}
		p.queue(sql, args...).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return ErrReplayed
			}
			return nil
		})
	} else if !o.contact.IsZero() {
		pgQueueTouchMeter(p, req.Serial, o.contact)
	}
	if o.refill != "" {
		p.queue(`SELECT `+refillCols+` FROM refill WHERE id = $1`, o.refill).QueryRow(func(row pgx.Row) error {
			r, err := pgScanRefill(row)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read refill %s: %w", o.refill, err)
			}
			v.refill = &r
			return nil
		})
	}
	if err := p.send(); err != nil {
		return requestView{}, err
	}
	if o.account != noRow {
		if err := p.claimAccount(req.Serial, v.account.Number); err != nil {
			return requestView{}, err
		}
	}
	return v, checkSigningKey(v.meter, req)
}

// keepReport checks the meter's report (judgeReport) against what readRequest read and queues keeping
// it as the newest, which also records the contact. reportAt is the request's signed time.
func (s *PostgresStore) keepReport(p *pgPipe, req Request, rep funds.Report, st reportState, now time.Time) error {
	if err := judgeReport(st, rep, req.At, s.weak.trustReports); err != nil {
		return err
	}
	r := rep.Registers
	p.queue(`UPDATE meter SET high_used = GREATEST(high_used, $1), high_pieces = GREATEST(high_pieces, $2),
		high_head = CASE WHEN $3 >= high_seq THEN $4 ELSE high_head END, high_seq = GREATEST(high_seq, $3),
		last_report_ms = $5, last_contact = $7 WHERE serial = $6`, r.UsedMills, r.Pieces, rep.AuditSeq, rep.AuditHead,
		req.At.UnixMilli(), req.Serial, now)
	return nil
}

// pgQueueTouchMeter queues recording the meter's contact.
func pgQueueTouchMeter(p *pgPipe, serial string, now time.Time) {
	p.queue(`UPDATE meter SET last_contact = $1 WHERE serial = $2`, now, serial)
}
