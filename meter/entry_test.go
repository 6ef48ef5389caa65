package meter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// TestKeypadLimitsAreTheCore's: the keypads' limits are the core's, and the core refuses past them.
func TestKeypadLimitsAreTheCores(t *testing.T) {
	assert.Equal(t, 4, AmountDigits(MaxKeyedPostage), "$99.99")
	assert.Equal(t, 5, WeightDigits(MaxKeyedWeight), "1120.0 oz")
	assert.Equal(t, 70*16*Ounce, MaxKeyedWeight)

	v, err := KeyedPostageFromDigits("9999")
	require.NoError(t, err)
	assert.Equal(t, 99*funds.Dollar+99*funds.Cent, v)
	_, err = KeyedPostageFromDigits("10000")
	assert.ErrorIs(t, err, ErrPostageTooLarge)

	w, err := WeightFromTenths("11200")
	require.NoError(t, err)
	assert.Equal(t, MaxKeyedWeight, w)
	_, err = WeightFromTenths("11201")
	assert.ErrorIs(t, err, ErrWeightTooHeavy)
	assert.ErrorIs(t, err, ErrInvalidWeight)
	_, err = WeightFromTenths("")
	assert.ErrorIs(t, err, ErrNoWeight)
}
