package datacenter

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"postmeter/funds"
)

// The meter's money requests decided once, for both stores. Each store reads, inside its transaction,
// what a rule needs (the meter, its account, the refill with the id), calls the rule, and writes what
// the rule returns with its own SQL: the decisions, the order of the checks and the refill rows'
// content live here, only the dialect and the way each store talks to its database stay apart.

// reportState is what a meter's report is compared with: the meter's row and the sums of its refills.
type reportState struct {
	highSeq           int64
	highHead          string
	posted, reserved  int64 // Σ amount of the meter's refills in these states
	suspect           bool
	highUsed, highPcs int64
	lastReportMs      int64
}

// judgeReport checks a meter's (already validated) report against what the Data Center knows. reportAt
// is the request's signed time: a report older than the newest is stale (a request that crossed a newer
// one), not evidence. A report that contradicts the records returns a *suspectError naming what it
// contradicts, unless trust is set (only the adversary harness sets it).
func judgeReport(st reportState, rep funds.Report, reportAt time.Time, trust bool) error {
	if st.suspect {
		return ErrMeterSuspect
	}
	if reportAt.UnixMilli() < st.lastReportMs {
		return ErrStaleReport
	}
	r := rep.Registers
	mills := func(m int64) string { return funds.Amount(m).MillsString() }
	var reason string
	switch {
	case r.UsedMills < st.highUsed:
		reason = fmt.Sprintf("used register went down from %s to %s", mills(st.highUsed), mills(r.UsedMills))
	case r.Pieces < st.highPcs:
		reason = fmt.Sprintf("piece count went down from %d to %d", st.highPcs, r.Pieces)
	case rep.AuditSeq < st.highSeq:
		reason = fmt.Sprintf("audit sequence went down from %d to %d", st.highSeq, rep.AuditSeq)
	case rep.AuditSeq == st.highSeq && rep.AuditHead != st.highHead:
		reason = fmt.Sprintf("audit entry %d changed: head %s, earlier %s", st.highSeq, rep.AuditHead, st.highHead)
	case r.ControlMills < st.posted:
		reason = fmt.Sprintf("control %s is below the %s posted to this meter", mills(r.ControlMills), mills(st.posted))
	case r.ControlMills > st.posted+st.reserved:
		reason = fmt.Sprintf("control %s is above the %s posted and %s reserved for this meter: postage this Data Center never granted",
			mills(r.ControlMills), mills(st.posted), mills(st.reserved))
	}
	if reason != "" && !trust {
		return &suspectError{reason}
	}
	return nil
}

// checkSigningKey refuses a request whose signature was verified with a key that is no longer the meter's
// (m as read in the request's transaction); see Request.Key.
func checkSigningKey(m meterRow, req Request) error {
	if req.Key != nil && !bytes.Equal(req.Key, m.PublicKey) {
		return fmt.Errorf("meter %q: the request was signed with a key it no longer has: %w", req.Serial, ErrNotEnrolled)
	}
	return nil
}

// refillPlan is what a reserve, post or void decided: the answer to give once the transaction commits,
// and the rows to write for it.
type refillPlan struct {
	ans       funds.RefillAnswer
	insert    *Refill  // a new refill row (reserved, declined, or a voided tombstone); nil if none
	tombstone bool     // insert is a tombstone: the meter's tombstone quota is checked first
	resolve   string   // the state the stored reserved refill moves to; "" if it does not change
	account   *Account // the account's new figures, written and checked against its ledger; nil if unchanged
	log       func(*slog.Logger)
}

// logTo logs what the plan did, after its transaction committed.
func (p refillPlan) logTo(l *slog.Logger) {
	if p.log != nil {
		p.log(l)
	}
}

// planReserve decides a reserve of amount under id for meter m on account a (read under the account's
// lock). old is the stored refill with this id, whichever meter owns it, or nil.
func planReserve(m meterRow, a Account, old *Refill, id string, amount funds.Amount, regs funds.RegisterReadings, now time.Time) (refillPlan, error) {
	if old != nil {
		switch {
		case old.Meter != m.Serial:
			return refillPlan{}, ErrRefillIDTaken
		case !old.Tombstone && old.Amount != amount:
			return refillPlan{}, fmt.Errorf("%w: it was reserved for %s (%d mills), this request asks for %s (%d mills)",
				ErrAmountConflict, old.Amount.MillsString(), old.Amount.Mills(), amount.MillsString(), amount.Mills())
		}
		return refillPlan{ans: answerOf(*old, a, m.MinRefill, m.MaxRefill)}, nil // the same answer again
	}
	r := Refill{ID: id, Meter: m.Serial, Account: a.Number, Amount: amount, Registers: &regs, Created: now}
	plan := refillPlan{insert: &r}
	d, decline := decide(a, m.MinRefill, m.MaxRefill, amount)
	if decline != nil {
		r.State, r.Decline, r.Resolved = funds.DCDeclined, decline, now
	} else {
		r.State, r.FromPrepaid, r.FromCredit = funds.DCReserved, d.fromPrepaid, d.fromCredit
		a.Prepaid -= d.fromPrepaid
		a.CreditUsed += d.fromCredit
		var err error
		if a.Reserved, err = a.Reserved.Add(amount); err != nil {
			return refillPlan{}, err
		}
		plan.account = &a
	}
	plan.ans = answerOf(r, a, m.MinRefill, m.MaxRefill)
	plan.log = func(l *slog.Logger) {
		l.Info("refill "+r.State, "meter", r.Meter, "refill", id, "amount", amount.MillsString(),
			"from_prepaid", r.FromPrepaid.MillsString(), "from_credit", r.FromCredit.MillsString(),
			"decline", declineCode(r.Decline))
	}
	return plan, nil
}

// planResolve decides moving the refill id of meter m to `to` (funds.DCPosted or DCVoided). a is the
// meter's account read under its lock; r the stored refill with this id, whichever meter owns it, or nil.
func planResolve(m meterRow, a Account, r *Refill, id, to string, now time.Time) (refillPlan, error) {
	if r != nil && r.Meter != m.Serial {
		if to == funds.DCVoided {
			return refillPlan{}, ErrRefillIDTaken // cannot tombstone an id another meter owns
		}
		r = nil // never reveal another meter's refill
	}
	if r == nil {
		if to == funds.DCPosted {
			return refillPlan{}, ErrUnknownRefill
		}
		t := Refill{ID: id, Meter: m.Serial, Account: a.Number, State: funds.DCVoided, Tombstone: true,
			Created: now, Resolved: now}
		return refillPlan{ans: answerOf(t, a, m.MinRefill, m.MaxRefill), insert: &t, tombstone: true,
			log: func(l *slog.Logger) { l.Info("refill voided (tombstone)", "meter", t.Meter, "refill", id) }}, nil
	}
	plan := refillPlan{}
	switch {
	case r.State == to:
		// answered before: same answer
	case to == funds.DCPosted && r.State == funds.DCVoided:
		return refillPlan{}, ErrRefillVoided
	case to == funds.DCPosted && r.State == funds.DCDeclined:
		return refillPlan{}, ErrRefillDeclined
	case to == funds.DCVoided && r.State == funds.DCPosted:
		return refillPlan{}, ErrRefillPosted
	case to == funds.DCVoided && r.State == funds.DCDeclined:
		// nothing was held: the declined answer stands
	case r.State == funds.DCReserved:
		a.Reserved -= r.Amount
		if to == funds.DCPosted {
			var err error
			if a.Posted, err = a.Posted.Add(r.Amount); err != nil {
				return refillPlan{}, err
			}
		} else {
			a.Prepaid += r.FromPrepaid
			a.CreditUsed -= r.FromCredit
		}
		done := *r
		done.State, done.Resolved = to, now
		r = &done
		plan.resolve, plan.account = to, &a
		plan.log = func(l *slog.Logger) {
			l.Info("refill "+to, "meter", done.Meter, "refill", id, "amount", done.Amount.MillsString(),
				"from_prepaid", done.FromPrepaid.MillsString(), "from_credit", done.FromCredit.MillsString())
		}
	default:
		return refillPlan{}, fmt.Errorf("refill %s in state %q: %w", id, r.State, ErrInvariant)
	}
	plan.ans = answerOf(*r, a, m.MinRefill, m.MaxRefill)
	return plan, nil
}

// The administrator's changes of an account, decided once for both stores as the refills are: each
// takes the account read under its lock and returns its new figures, or why the change is refused.

// checkDeposit refuses a deposit amount that is not positive or over MaxAdminAmount, before any read.
func checkDeposit(amount funds.Amount) error {
	if amount <= 0 {
		return invalidf("deposit amount %s is not positive; deposit a positive amount such as 1000.00", amount.Exact())
	}
	if amount > MaxAdminAmount {
		return overCap("deposit amount", amount)
	}
	return nil
}

// planDeposit adds a payment (checked by checkDeposit) to the prepaid balance and the deposits total.
// It adds to prepaid only: credit used is settled outside the Data Center, so a void can always release
// exactly what a refill drew from credit.
func planDeposit(a Account, amount funds.Amount) (Account, error) {
	if err := checkDepositsTotal(a, amount); err != nil {
		return Account{}, err
	}
	var err error
	if a.Deposits, err = a.Deposits.Add(amount); err != nil {
		return Account{}, err
	}
	if a.Prepaid, err = a.Prepaid.Add(amount); err != nil {
		return Account{}, err
	}
	return a, nil
}

// planCreditLimit sets the credit line (checked by checkCreditLimit); it cannot go below the credit used.
func planCreditLimit(a Account, limit funds.Amount) (Account, error) {
	if limit < a.CreditUsed {
		return Account{}, invalidf("credit limit %s is below the %s of credit already used; the limit can go no lower",
			limit.Exact(), a.CreditUsed.Exact())
	}
	a.CreditLimit = limit
	return a, nil
}

// markSuspect runs after a request whose report failed a check (err wraps a *suspectError) rolled back:
// mark records the suspicion in a transaction of its own, and the request is refused with
// ErrMeterSuspect naming the reason. Any other err is returned as it is.
func markSuspect(log *slog.Logger, serial string, err error, mark func(reason string) error) error {
	var se *suspectError
	if !errors.As(err, &se) {
		return err
	}
	if merr := mark(se.reason); merr != nil {
		return errors.Join(err, merr)
	}
	log.Error("meter marked suspect: refills refused until an administrator clears it", "meter", serial, "reason", se.reason)
	return fmt.Errorf("%w: %s", ErrMeterSuspect, se.reason)
}
