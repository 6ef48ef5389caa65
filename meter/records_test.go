package meter

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"postmeter/funds"
)

// A vault that found its records changed (at open or by the background check) refuses every write;
// the clerk reads what happened and to call for service, never the check's Go text.
func TestRefusedRecordsAreExplained(t *testing.T) {
	err := fmt.Errorf("debit $0.780: %w", &funds.VerifyError{Check: "row history", Detail: "piece 7 differs"})
	m := Explain(err)
	assert.Equal(t, "Meter records failed their check", m.Title)
	assert.NotContains(t, m.Text, "piece 7")
	assert.Contains(t, m.Text, "Call for service")
}
