package funds

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeypad(t *testing.T) {
	tests := []struct {
		digits string
		want   Amount
		err    string
	}{
		{"", 0, ""},
		{"5", 50, ""},
		{"12500", 125 * Dollar, ""},
		{"0001", 10, ""},
		{"999999999", 9_999_999_990, ""},
		{"1234567890", 0, "at most 9 digits"},
		{"12a", 0, "only the digits"},
		{"-1", 0, "only the digits"},
		{"1.5", 0, "only the digits"},
	}
	for _, tt := range tests {
		t.Run(tt.digits, func(t *testing.T) {
			got, err := ParseKeypad(tt.digits)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				var pe *ParseError
				assert.True(t, errors.As(err, &pe), "a keypad error is a *ParseError")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		text string
		want Amount
		err  string
	}{
		{"125", 125 * Dollar, ""},
		{"125.5", 125*Dollar + 500, ""},
		{"$1,234.56", 1_234_560, ""},
		{"  $0.465 ", 465, ""},
		{".5", 500, ""},
		{"7.", 7 * Dollar, ""},
		{"+3", 3 * Dollar, ""},
		{"1,000,000", 1_000_000 * Dollar, ""},
		{"9223372036854775.807", math.MaxInt64, ""},
		{"9223372036854775.808", 0, "too large"},
		{"9223372036854776", 0, "too large"},
		{"99999999999999999999", 0, "too large"},
		{"-5", 0, "negative"},
		{"$-5", 0, "negative"},
		{"1.2345", 0, "more than three decimals"},
		{"", 0, "no amount"},
		{"$", 0, "no digits"},
		{".", 0, "no digits"},
		{"abc", 0, "not a number"},
		{"12,34", 0, "groups of three"},
		{",123", 0, "groups of three"},
		{"1.2.3", 0, "only digits"},
		{"1e3", 0, "not a number"},
		{"١٢", 0, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := ParseAmount(tt.text)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := ParseAmount("99999999999999999999")
	assert.ErrorIs(t, err, ErrOverflow)
}

func TestAmountFormat(t *testing.T) {
	tests := []struct {
		a           Amount
		cents, mill string
	}{
		{0, "$0.00", "$0.000"},
		{5, "$0.00", "$0.005"},
		{465, "$0.46", "$0.465"},
		{464_270, "$464.27", "$464.270"},
		{1_234_560, "$1,234.56", "$1,234.560"},
		{1_000_000_000, "$1,000,000.00", "$1,000,000.000"},
		{-1_500, "-$1.50", "-$1.500"},
		{math.MinInt64, "-$9,223,372,036,854,775.80", "-$9,223,372,036,854,775.808"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.cents, tt.a.String(), "String of %d mills", int64(tt.a))
		assert.Equal(t, tt.mill, tt.a.MillsString(), "MillsString of %d mills", int64(tt.a))
	}
}

func TestAmountAddOverflow(t *testing.T) {
	sum, err := Amount(2).Add(3)
	require.NoError(t, err)
	assert.Equal(t, Amount(5), sum)
	_, err = Amount(math.MaxInt64).Add(1)
	assert.ErrorIs(t, err, ErrOverflow)
	_, err = Amount(math.MinInt64).Add(-1)
	assert.ErrorIs(t, err, ErrOverflow)
}

func TestKeypadDigitsRoundTrip(t *testing.T) {
	for _, a := range []Amount{10, 125 * Dollar, 1_234_560} {
		back, err := ParseKeypad(a.KeypadDigits())
		require.NoError(t, err)
		assert.Equal(t, a, back)
	}
	assert.Equal(t, "", Amount(0).KeypadDigits())
}

// FuzzParseAmount: any accepted text formats back to an amount that parses to the same value, and
// nothing the parser accepts is negative.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"125", "125.5", "$1,234.56", "0.465", "-1", "1,2", "9223372036854775.807", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		if a < 0 {
			t.Fatalf("ParseAmount(%q) = %d, negative", s, a)
		}
		back, err := ParseAmount(a.MillsString())
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %d; reparse of %q = %d, %v", s, a, a.MillsString(), back, err)
		}
	})
}

func FuzzParseKeypad(f *testing.F) {
	for _, s := range []string{"", "12500", "0", "999999999", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseKeypad(s)
		if err != nil {
			return
		}
		if a < 0 || a%Cent != 0 {
			t.Fatalf("ParseKeypad(%q) = %d: keypad amounts are whole, non-negative cents", s, a)
		}
	})
}
