package datacenter

import (
	"postmeter/funds"
)

// Caps on what an administrator enters. Every figure of an account then stays far from the int64 limit
// (9,223,372,036,854,775,807 mills, about $9.2 quadrillion), whatever meters ask for:
//
//	deposits ≤ MaxAccountDeposits = 10^12 mills; prepaid ≤ deposits
//	credit limit ≤ MaxAdminAmount = 10^10 mills; credit used ≤ credit limit
//	reserved + posted = deposits + credit used - prepaid ≤ 1.01·10^12 mills
//
// so every sum the Data Center forms (deposits + credit used, prepaid + reserved + posted, prepaid +
// credit available, reserved + an amount it reserves, posted + an amount it posts) is below 2·10^12 mills,
// more than a million times below the limit. Refill amounts a meter asks for are not capped here: an
// amount above the meter's maximum refill is declined before it is added to anything.
const (
	// MaxAdminAmount bounds each amount an administrator enters: a deposit, a credit limit, a meter's
	// minimum and maximum refill. $10,000,000.00.
	MaxAdminAmount = 10_000_000 * funds.Dollar
	// MaxAccountDeposits bounds an account's deposits total (every payment it ever received).
	// $1,000,000,000.00.
	MaxAccountDeposits = 1_000_000_000 * funds.Dollar
)

func overCap(what string, a funds.Amount) error {
	return invalidf("%s %s is above the most the Data Center accepts, %s; enter a smaller amount",
		what, a.Exact(), MaxAdminAmount.Exact())
}

func checkCreditLimit(limit funds.Amount) error {
	switch {
	case limit < 0:
		return invalidf("credit limit %s is negative; use 0 for no credit line", limit.Exact())
	case limit > MaxAdminAmount:
		return overCap("credit limit", limit)
	}
	return nil
}

func checkRefillLimits(minRefill, maxRefill funds.Amount) error {
	switch {
	case minRefill <= 0:
		return invalidf("minimum refill %s is not positive; use an amount such as 10.00", minRefill.Exact())
	case maxRefill < minRefill:
		return invalidf("maximum refill %s is below the minimum %s; give a maximum at least as large as the minimum",
			maxRefill.Exact(), minRefill.Exact())
	case minRefill > MaxAdminAmount:
		return overCap("minimum refill", minRefill)
	case maxRefill > MaxAdminAmount:
		return overCap("maximum refill", maxRefill)
	}
	return nil
}

// checkDepositsTotal refuses a deposit that would take the account's deposits total past
// MaxAccountDeposits.
func checkDepositsTotal(a Account, amount funds.Amount) error {
	if a.Deposits > MaxAccountDeposits-amount {
		return invalidf("a deposit of %s would take the deposits of account %s to more than %s, the most one "+
			"postage account can receive; %s more can be deposited, or open another account",
			amount.Exact(), a.Number, MaxAccountDeposits.Exact(), max(MaxAccountDeposits-a.Deposits, 0).Exact())
	}
	return nil
}
