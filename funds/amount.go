// Package funds keeps the meter's postage money: the Amount type (mills), the postal security device's
// registers in a crash-safe SQLite vault, and the client side of the refill protocol with the Data Center.
//
// Nothing in this package knows about screens; it decides and records, and callers show.
package funds

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Amount is money in mills (1/1000 dollar), the unit PSD registers count in. It is never a float.
type Amount int64

// Common amounts.
const (
	Mill   Amount = 1
	Cent   Amount = 10
	Dollar Amount = 1000
)

// MaxKeypadDigits bounds ATM-style entry: 9 digits is $9,999,999.99, far above any meter's refill limit.
const MaxKeypadDigits = 9

// ParseError says why a text or keypad entry is not an amount.
type ParseError struct {
	Input  string
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("amount %q: %s", e.Input, e.Reason)
}

// ErrOverflow is wrapped by every error about an amount too large to hold.
var ErrOverflow = errors.New("amount too large")

func parseErr(in, reason string) error { return &ParseError{Input: in, Reason: reason} }

// ParseKeypad reads ATM-style keypad digits: they fill from the right as cents, so "12500" is $125.00.
// An empty entry is $0.00.
func ParseKeypad(digits string) (Amount, error) {
	if len(digits) > MaxKeypadDigits {
		return 0, parseErr(digits, fmt.Sprintf("at most %d digits can be keyed in", MaxKeypadDigits))
	}
	var cents int64
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, parseErr(digits, "only the digits 0 to 9 can be keyed in")
		}
		cents = cents*10 + int64(r-'0')
	}
	return Amount(cents) * Cent, nil
}

// ParseAmount reads an amount written by a person: "125", "125.5", "$1,234.56", "0.465".
// At most three decimals (mills); thousands separators must group by three; no sign is accepted,
// because a negative amount of postage is never valid input.
func ParseAmount(text string) (Amount, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return 0, parseErr(text, "no amount given; enter a number such as 125.00")
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "$-") || strings.HasPrefix(s, "-$") {
		return 0, parseErr(text, "negative amounts are not allowed")
	}
	s = strings.TrimPrefix(s, "+")
	s = strings.TrimPrefix(s, "$")
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" && (!hasPoint || frac == "") {
		return 0, parseErr(text, "no digits; enter a number such as 125.00")
	}
	if hasPoint && len(frac) > 3 {
		return 0, parseErr(text, "more than three decimals; postage is counted in tenths of a cent")
	}
	wholeDigits, err := ungroup(whole)
	if err != nil {
		return 0, parseErr(text, err.Error())
	}
	var dollars int64
	for _, r := range wholeDigits {
		d := int64(r - '0')
		if dollars > (math.MaxInt64/int64(Dollar)-d)/10 {
			return 0, fmt.Errorf("amount %q: %w", text, ErrOverflow)
		}
		dollars = dollars*10 + d
	}
	var mills int64
	for i := 0; i < 3; i++ {
		mills *= 10
		if i < len(frac) {
			r := frac[i]
			if r < '0' || r > '9' {
				return 0, parseErr(text, "only digits may follow the decimal point")
			}
			mills += int64(r - '0')
		}
	}
	if dollars*int64(Dollar) > math.MaxInt64-mills {
		return 0, fmt.Errorf("amount %q: %w", text, ErrOverflow)
	}
	return Amount(dollars*int64(Dollar) + mills), nil
}

// ungroup checks the digits before the decimal point, allowing commas between groups of three.
func ungroup(whole string) (string, error) {
	if !strings.Contains(whole, ",") {
		for _, r := range whole {
			if r < '0' || r > '9' {
				return "", errors.New("not a number; use digits, an optional $ and a decimal point")
			}
		}
		return whole, nil
	}
	groups := strings.Split(whole, ",")
	for i, g := range groups {
		if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
			return "", errors.New("commas must separate groups of three digits, as in 1,234.56")
		}
		for _, r := range g {
			if r < '0' || r > '9' {
				return "", errors.New("not a number; use digits, an optional $ and a decimal point")
			}
		}
	}
	return strings.Join(groups, ""), nil
}

// Mills returns the raw count of mills.
func (a Amount) Mills() int64 { return int64(a) }

// String formats dollars and cents as a screen shows them: "$1,234.56". Mills below a cent are cut off,
// never rounded up, so a screen never shows more money than there is.
func (a Amount) String() string {
	return a.format(2)
}

// MillsString formats with three decimals as a register report does: "$464.270".
func (a Amount) MillsString() string {
	return a.format(3)
}

// Decimal formats the amount as a plain number of dollars with its three mill decimals, "1234.560":
// no sign of currency and no grouping, for files a spreadsheet reads (CSV exports).
func (a Amount) Decimal() string {
	return strings.NewReplacer("$", "", ",", "").Replace(a.MillsString())
}

// Exact formats an amount exactly, for messages that compare amounts: dollars and cents ("$100.00") when
// it is a whole number of cents, with the mills otherwise ("$100.001"), so a message never rounds
// $100.001 to "$100.00" and then calls it above a maximum of $100.00.
func (a Amount) Exact() string {
	if a%Cent == 0 {
		return a.format(2)
	}
	return a.format(3)
}

func (a Amount) format(decimals int) string {
	sign := ""
	u := uint64(a)
	if a < 0 {
		sign = "-"
		u = uint64(-(a + 1)) + 1 // safe for math.MinInt64
	}
	dollars := u / uint64(Dollar)
	mills := u % uint64(Dollar)
	frac := fmt.Sprintf("%03d", mills)[:decimals]
	return sign + "$" + groupThousands(dollars) + "." + frac
}

func groupThousands(n uint64) string {
	s := fmt.Sprintf("%d", n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// KeypadDigits gives the ATM-style digits that key in this amount (whole cents only), the inverse of
// ParseKeypad, so an entry can be pre-filled.
func (a Amount) KeypadDigits() string {
	if a <= 0 {
		return ""
	}
	return fmt.Sprintf("%d", int64(a/Cent))
}

// Add returns a+b, or an error wrapping ErrOverflow instead of wrapping around.
func (a Amount) Add(b Amount) (Amount, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, fmt.Errorf("add %d + %d mills: %w", a, b, ErrOverflow)
	}
	return a + b, nil
}
