package printer

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/testenv"
)

// The indicium goldens decode with libdmtx too (dmtxread), a reader that shares no code with ZXing's
// or with the encoder, so the symbols are standard ECC200 and not only what our own reader accepts.
func TestIndiciumGoldensDecodeWithLibdmtx(t *testing.T) {
	if _, err := exec.LookPath("dmtxread"); err != nil {
		testenv.Missing(t, "dmtxread not found: install the Debian package dmtx-utils (make deps installs it)")
	}
	want, err := IndiciumPayload(sampleIndicium())
	require.NoError(t, err)
	for _, m := range Media() {
		t.Run(string(m), func(t *testing.T) {
			out, err := exec.Command("dmtxread", "-N1", filepath.Join("testdata", "indicium-"+string(m)+".png")).Output()
			require.NoError(t, err, "dmtxread found no symbol")
			assert.True(t, bytes.Equal(want, out), "dmtxread read %x", out)
		})
	}
}
