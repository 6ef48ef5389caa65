package trainer

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"postmeter/printer"
)

// TestTrayLabelsAreWords: the tray names what was printed on what, not the file's kind.
func TestTrayLabelsAreWords(t *testing.T) {
	for kind, want := range map[string]string{
		"envelope-indicium":        "3. Postage on an envelope",
		"tape-indicium":            "3. Postage on tape",
		"tape-test-print":          "3. Test print on tape",
		"envelope-date-correction": "3. Date correction on an envelope",
		"tape-receipt":             "3. Refill receipt on tape",
		"envelope-receipt":         "3. Refill receipt on an envelope",
		"document-funds-report":    "3. Funds report on the attached printer",
		"tape-last-5-refills":      "3. Last 5 refills on tape",
		"tape-something-new":       "3. tape something new",
	} {
		assert.Equal(t, want, trayLabel(printer.TrayItem{Seq: 3, Kind: kind}), kind)
	}
}
