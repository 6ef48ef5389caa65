package scale

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/devices/scale/scaletest"
	"postmeter/meter"
)

// Each SCP-01 status flag on its own, as the emulator encodes it, decodes to its state.
func TestSerialScaleStatusBits(t *testing.T) {
	for _, tt := range []struct {
		name string
		st   scaletest.Status
		want State
	}{
		{"stable", scaletest.Status{}, Stable},
		{"motion", scaletest.Status{Motion: true}, Motion},
		{"at zero", scaletest.Status{AtZero: true}, AtZero},
		{"under capacity", scaletest.Status{UnderCapacity: true}, UnderZero},
		{"over capacity", scaletest.Status{OverCapacity: true}, OverCapacity},
		{"RAM error", scaletest.Status{RAMError: true}, Fault},
		{"EEPROM error", scaletest.Status{EEPROMError: true}, Fault},
		{"ROM error", scaletest.Status{ROMError: true}, Fault},
		{"faulty calibration", scaletest.Status{BadCalibration: true}, NeedsZero},
		{"over capacity while moving", scaletest.Status{Motion: true, OverCapacity: true}, OverCapacity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := parseStatus(tt.st.Bytes())
			require.NoError(t, err)
			assert.Equal(t, tt.want, st.State())
			// With the parity bit set (a 7E1 line read as 8 bits) the status is the same.
			b := tt.st.Bytes()
			b[0] |= 0x80
			st, err = parseStatus(b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, st.State())
		})
	}
	for _, bad := range [][]byte{{0x00, 0x30}, {0x30}, {0x70, 0x30}, {'a', 'b'}, {0x30, 0x30, 0x30, 0x30}} {
		_, err := parseStatus(bad)
		assert.ErrorIs(t, err, errGarbled, "%q", bad)
	}
}

func TestSerialScaleParsesAnswers(t *testing.T) {
	for _, tt := range []struct {
		frame string
		want  meter.Weight
		unit  Unit
	}{
		{"\n0001.25lb\r\n00\r\x03", 200, Pound},    // 1.25 lb = 20 oz
		{"\n  12.3oz\r\n00\r\x03", 123, Ounce},     // 12.3 oz
		{"\n0000.50kg\r\n00\r\x03", 177, Kilogram}, // 500 g = 17.637 oz, rounded up
		{"\n0100g\r\n00\r\x03", 36, Gram},          // 100 g = 3.527 oz, rounded up
		{"\n02lb 03.5oz\r\n00\r\x03", 355, Ounce},  // 2 lb 3.5 oz
		{"\n0001.25LB\r\n00\r\x03", 200, Pound},    // upper case units
		{"\n0000.00lb\r\n02\r\x03", 0, Pound},      // at zero
		{"garbage before\n0001.00lb\r\n00\r\x03", 160, Pound},
	} {
		r, err := ParseNCI([]byte(tt.frame))
		require.NoError(t, err, "%q", tt.frame)
		assert.Equal(t, tt.want, r.Weight, "%q", tt.frame)
		assert.Equal(t, tt.unit, r.Unit, "%q", tt.frame)
	}
	r, err := ParseNCI([]byte("\n^^^^^^lb\r\n02\r\x03"))
	require.NoError(t, err, "over capacity shows no digits, and needs none")
	assert.Equal(t, OverCapacity, r.State)
	for _, bad := range []string{"\n?\r\x03", "\n0001.25lb\r\n\r\x03", "\n1.25parsecs\r\n00\r\x03", "no frame", "\n----lb\r\n00\r\x03",
		"\n1e3lb\r\n00\r\x03", "\na\rb\rc\r\n00\r\x03"} {
		_, err := ParseNCI([]byte(bad))
		assert.ErrorIs(t, err, errGarbled, "%q", bad)
	}
}
