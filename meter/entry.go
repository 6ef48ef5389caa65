package meter

import (
	"errors"
	"fmt"
	"strconv"

	"postmeter/funds"
)

// What may be keyed in on the touchscreen's keypads. The core owns these limits and refuses anything
// past them; the screens show them and stop their keypads at the digits they need.

// MaxKeyedPostage is the most Key in Postage may print on one piece.
const MaxKeyedPostage = maxPiecePostage

// MaxKeyedWeight is the most a keyed-in weight may be: 70 lb, as for any mailpiece.
const MaxKeyedWeight = MaxMailWeight

// ErrWeightTooHeavy is a keyed-in or read weight above MaxMailWeight.
var ErrWeightTooHeavy = fmt.Errorf("%w: heavier than %s (70 lb)", ErrInvalidWeight, MaxMailWeight)

// ErrNoWeight is a weight of nothing keyed in.
var ErrNoWeight = fmt.Errorf("%w: no weight", ErrInvalidWeight)

// AmountDigits is how many digits keying max needs, cents filled from the right ($99.99 needs 4).
func AmountDigits(max funds.Amount) int { return len(max.KeypadDigits()) }

// WeightDigits is how many digits keying max needs in tenths of an ounce (1120 oz needs 5).
func WeightDigits(max Weight) int { return len(strconv.Itoa(int(max))) }

// KeyedPostageFromDigits reads keypad digits as Key in Postage, cents filled from the right. Zero
// means no keyed postage (the rate table prices the piece); more than MaxKeyedPostage is refused.
func KeyedPostageFromDigits(digits string) (funds.Amount, error) {
	v, err := funds.ParseKeypad(digits)
	if err != nil {
		return 0, ErrPostageTooLarge
	}
	if v > MaxKeyedPostage {
		return 0, ErrPostageTooLarge
	}
	return v, nil
}

// IsWeightTooHeavy reports whether err refuses a weight above 70 lb.
func IsWeightTooHeavy(err error) bool { return errors.Is(err, ErrWeightTooHeavy) }
