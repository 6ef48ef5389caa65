package kiosk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kiosk.json")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

var zeroKey = strings.Repeat("00", 32)

func TestKioskConfigErrorsSayWhatIsWrong(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{`, "unexpected EOF"},
		{`{"data_dir":"x"}`, "missing account_number, data_center_key, data_center_url, serial"},
		{`{"data_dir":"x","data_center_url":"ftp://x","serial":"PM1","data_center_key":"` + zeroKey + `","account_number":"12345678"}`, "want http:// or https://"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","data_center_key":"zz","account_number":"12345678"}`, "hex digits"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","data_center_key":"00","account_number":"12345678"}`, "hex digits"},
		{`{"data_dir":"x","data_center_url":"http://x","serial":"PM1","secret":"00","account_number":"12345678"}`, "unknown field \"secret\""},
		{`{"data_dir":"x","colour":"red"}`, "unknown field"},
	}
	for _, tt := range tests {
		_, err := LoadConfig(writeConfig(t, tt.body))
		require.Error(t, err, tt.body)
		assert.Contains(t, err.Error(), tt.want)
	}
	_, err := LoadConfig(filepath.Join(t.TempDir(), "absent.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
