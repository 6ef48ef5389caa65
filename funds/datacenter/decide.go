package datacenter

import (
	"fmt"
	"math"

	"postmeter/funds"
)

// draw says where a reserved amount comes from.
type draw struct {
	fromPrepaid funds.Amount
	fromCredit  funds.Amount
}

// decide is the reserve rule, free of storage so every Store applies the same one: account locked, then the
// meter's limits, then funds (prepaid first, then credit). It returns either a draw or a decline.
func decide(a Account, minRefill, maxRefill, amount funds.Amount) (draw, *funds.Decline) {
	if a.Locked {
		return draw{}, &funds.Decline{
			Code: funds.CodeAccountLocked,
			Message: fmt.Sprintf("postage account %s is locked (for example after a returned payment); "+
				"no refills until it is unlocked — contact customer service", a.Number),
		}
	}
	if amount < minRefill || amount > maxRefill {
		which := "below this meter's minimum"
		limit := minRefill
		if amount > maxRefill {
			which, limit = "above this meter's maximum", maxRefill
		}
		return draw{}, &funds.Decline{
			Code: funds.CodeOutOfLimits,
			Message: fmt.Sprintf("%s is %s refill of %s; enter an amount from %s to %s",
				amount.Exact(), which, limit.Exact(), minRefill.Exact(), maxRefill.Exact()),
			MinMills: minRefill.Mills(),
			MaxMills: maxRefill.Mills(),
		}
	}
	available, err := a.Prepaid.Add(a.CreditAvailable())
	if err != nil {
		available = funds.Amount(math.MaxInt64)
	}
	if amount > available {
		most := min(available, maxRefill)
		msg := fmt.Sprintf("postage account %s can cover %s now (prepaid %s, credit available %s); ",
			a.Number, available.Exact(), a.Prepaid.Exact(), a.CreditAvailable().Exact())
		if most >= minRefill {
			msg += fmt.Sprintf("you can add up to %s", most.Exact())
		} else {
			msg += fmt.Sprintf("that is less than this meter's minimum refill of %s; "+
				"deposit funds to the postage account first", minRefill.Exact())
		}
		return draw{}, &funds.Decline{Code: funds.CodeShortOfFunds, Message: msg, MaxMills: most.Mills()}
	}
	fromPrepaid := min(amount, a.Prepaid)
	return draw{fromPrepaid: fromPrepaid, fromCredit: amount - fromPrepaid}, nil
}

// refillSums are an account's figures recomputed from its refill and deposit rows.
type refillSums struct {
	reserved   funds.Amount // Σ amount, state reserved
	posted     funds.Amount // Σ amount, state posted
	creditHeld funds.Amount // Σ from_credit, states reserved and posted
	deposits   funds.Amount // Σ deposit rows
}

// checkAccount checks one account's stored figures against themselves and against sums, returning an
// error wrapping ErrInvariant that names the account and the figures.
func checkAccount(a Account, s refillSums) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("account %s: %w: %s", a.Number, ErrInvariant, fmt.Sprintf(format, args...))
	}
	if a.Prepaid < 0 {
		return fail("prepaid %s is negative", a.Prepaid.MillsString())
	}
	if a.CreditUsed < 0 || a.CreditUsed > a.CreditLimit {
		return fail("credit used %s is outside 0..credit limit %s", a.CreditUsed.MillsString(), a.CreditLimit.MillsString())
	}
	lhs, err1 := a.Deposits.Add(a.CreditUsed)
	rhs, err2 := a.Prepaid.Add(a.Reserved)
	if err2 == nil {
		rhs, err2 = rhs.Add(a.Posted)
	}
	if err1 != nil || err2 != nil || lhs != rhs {
		return fail("deposits %s + credit used %s != prepaid %s + reserved %s + posted %s",
			a.Deposits.MillsString(), a.CreditUsed.MillsString(), a.Prepaid.MillsString(),
			a.Reserved.MillsString(), a.Posted.MillsString())
	}
	if a.Reserved != s.reserved {
		return fail("reserved %s != Σ reserved refills %s", a.Reserved.MillsString(), s.reserved.MillsString())
	}
	if a.Posted != s.posted {
		return fail("posted %s != Σ posted refills %s", a.Posted.MillsString(), s.posted.MillsString())
	}
	if a.CreditUsed != s.creditHeld {
		return fail("credit used %s != Σ credit drawn by reserved and posted refills %s",
			a.CreditUsed.MillsString(), s.creditHeld.MillsString())
	}
	if a.Deposits != s.deposits {
		return fail("deposits %s != Σ deposit rows %s", a.Deposits.MillsString(), s.deposits.MillsString())
	}
	return nil
}

// balanceOf is the account as a meter may see it.
func balanceOf(a Account, minRefill, maxRefill funds.Amount) funds.AccountBalance {
	return funds.AccountBalance{
		AccountNumber:        a.Number,
		PrepaidMills:         a.Prepaid.Mills(),
		CreditLimitMills:     a.CreditLimit.Mills(),
		CreditUsedMills:      a.CreditUsed.Mills(),
		CreditAvailableMills: a.CreditAvailable().Mills(),
		Locked:               a.Locked,
		MinRefillMills:       minRefill.Mills(),
		MaxRefillMills:       maxRefill.Mills(),
	}
}

// answerOf is the stored answer about a refill, with the account balance now.
func answerOf(r Refill, a Account, minRefill, maxRefill funds.Amount) funds.RefillAnswer {
	bal := balanceOf(a, minRefill, maxRefill)
	var dec *funds.Decline
	if r.Decline != nil {
		d := *r.Decline
		dec = &d
	}
	return funds.RefillAnswer{ID: r.ID, State: r.State, AmountMills: r.Amount.Mills(), Decline: dec, Account: &bal}
}
