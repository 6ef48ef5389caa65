package scale

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"postmeter/meter"
)

// Unit is the unit a scale reports in.
type Unit string

// Units the drivers convert.
const (
	Pound    Unit = "lb"
	Ounce    Unit = "oz"
	Kilogram Unit = "kg"
	Gram     Unit = "g"
)

// tenthsPer is how many tenths of an ounce one unit is, exactly: the avoirdupois ounce is
// 28.349523125 g, a pound 16 oz.
var tenthsPer = map[Unit]*big.Rat{
	Ounce:    big.NewRat(10, 1),
	Pound:    big.NewRat(160, 1),
	Gram:     big.NewRat(10_000_000_000, 28_349_523_125),
	Kilogram: big.NewRat(10_000_000_000_000, 28_349_523_125),
}

// ParseUnit reads a unit as scales abbreviate it ("LB", "oz", "kg", "g").
func ParseUnit(s string) (Unit, error) {
	u := Unit(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := tenthsPer[u]; !ok {
		return "", fmt.Errorf("unit %q: want lb, oz, kg or g", s)
	}
	return u, nil
}

// toTenths converts value in unit to tenths of an ounce, rounding up: a piece is never rated lighter
// than the scale weighed it.
func toTenths(value *big.Rat, unit Unit) (meter.Weight, error) {
	f, ok := tenthsPer[unit]
	if !ok {
		return 0, fmt.Errorf("unit %q: want lb, oz, kg or g", unit)
	}
	t := new(big.Rat).Mul(value, f)
	q, r := new(big.Int).QuoRem(t.Num(), t.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() > int64(meter.MaxMailWeight)*10 || q.Int64() < -int64(meter.MaxMailWeight)*10 {
		return 0, fmt.Errorf("weight %s %s is out of range", value.FloatString(3), unit)
	}
	return meter.Weight(q.Int64()), nil
}

// State is what a scale says about its reading.
type State int

// Scale states.
const (
	Stable       State = iota // a settled weight
	AtZero                    // nothing on the platform
	Motion                    // still settling
	UnderZero                 // below zero: something was taken off after zeroing
	OverCapacity              // heavier than the scale can weigh
	NeedsZero                 // the scale asks to be zeroed (or calibrated)
	Fault                     // RAM, ROM, EEPROM or calibration error
)

var stateNames = map[State]string{Stable: "stable", AtZero: "at zero", Motion: "in motion", UnderZero: "under zero",
	OverCapacity: "over capacity", NeedsZero: "needs zeroing", Fault: "fault"}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Reading is one answer of a scale.
type Reading struct {
	State  State
	Weight meter.Weight // tenths of an ounce, rounded up; meaningful when State is Stable
	Value  string       // the weight as the scale sent it, e.g. "1.25"
	Unit   Unit
}

// Result is what the meter makes of a reading: the weight of a stable, non-zero reading, or the
// scale error the clerk reads.
func (r Reading) Result() (meter.Weight, error) {
	var err error
	switch r.State {
	case Stable:
		if r.Weight > 0 {
			return r.Weight, nil
		}
		err = meter.ErrScaleEmpty
	case AtZero:
		err = meter.ErrScaleEmpty
	case Motion:
		err = meter.ErrScaleUnreadable
	case UnderZero:
		err = meter.ErrScaleUnderZero
	case OverCapacity:
		err = meter.ErrScaleOverCapacity
	case NeedsZero:
		err = meter.ErrScaleNeedsZero
	default:
		err = meter.ErrScaleFault
	}
	return 0, scaleError(err)
}

// scaleError is err as the meter's device error of the scale.
func scaleError(err error) error {
	do := map[error]string{
		meter.ErrScaleEmpty:        "Place the piece on the scale, or key in the weight.",
		meter.ErrScaleUnreadable:   "Let the piece settle on the scale, or key in the weight.",
		meter.ErrScaleUnderZero:    "Empty the scale and zero it.",
		meter.ErrScaleOverCapacity: "Weigh the piece on a larger scale and key in the weight.",
		meter.ErrScaleNeedsZero:    "Empty the scale and zero it.",
		meter.ErrScaleFault:        "Switch the scale off and on again.",
		meter.ErrScaleNoAnswer:     "Check the scale's power and cable.",
		meter.ErrScaleGarbled:      "Check the scale's cable and communication settings.",
	}[rootOf(err)]
	if do == "" {
		do = "Key in the weight."
	}
	return &meter.DeviceError{Device: "scale", Err: err, Do: do}
}

// rootOf is the meter's scale error err wraps, or err.
func rootOf(err error) error {
	for _, e := range []error{meter.ErrScaleEmpty, meter.ErrScaleUnreadable, meter.ErrScaleUnderZero,
		meter.ErrScaleOverCapacity, meter.ErrScaleNeedsZero, meter.ErrScaleFault, meter.ErrScaleNoAnswer, meter.ErrScaleGarbled} {
		if errors.Is(err, e) {
			return e
		}
	}
	return err
}
