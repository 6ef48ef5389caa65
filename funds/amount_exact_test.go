package funds_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"postmeter/funds"
)

// Exact shows cents when an amount is whole cents and the mills when it is not, so messages that
// compare amounts never round.
func TestAmountExact(t *testing.T) {
	for a, want := range map[funds.Amount]string{
		0:                         "$0.00",
		100 * funds.Dollar:        "$100.00",
		100*funds.Dollar + 1:      "$100.001",
		100*funds.Dollar + 10:     "$100.01",
		100*funds.Dollar + 999:    "$100.999",
		1234567*funds.Dollar + 20: "$1,234,567.02",
		5:                         "$0.005",
		-1:                        "-$0.001",
		-250:                      "-$0.25",
	} {
		assert.Equal(t, want, a.Exact(), "%d mills", a.Mills())
	}
}
