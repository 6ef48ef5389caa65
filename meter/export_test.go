package meter

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// readCSV reads an exported file back as RFC 4180 records.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return recs
}

// The funds report and the refill history export as CSV with a header row; read back, they give the
// registers and every refill with its amount, to the mill; each needs its printed report's right.
func TestExportFundsReportAndRefillHistory(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	r.fund(dollars(45))
	_, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumTape)
	require.NoError(t, err)
	r.m.cfg.ExportDir = t.TempDir()

	_, err = r.m.ExportFundsReport(r.ctx, r.oper)
	assert.ErrorIs(t, err, ErrNoRights, "the funds report's right")
	path, err := r.m.ExportFundsReport(r.ctx, r.super)
	require.NoError(t, err)
	recs := readCSV(t, path)
	assert.Equal(t, []string{"Item", "Value"}, recs[0])
	items := map[string]string{}
	for _, rec := range recs[1:] {
		items[rec[0]] = rec[1]
	}
	regs := r.registers()
	assert.Equal(t, regs.Available.MillsString(), items["Available"])
	assert.Equal(t, regs.Used.MillsString(), items["Used"])
	assert.Equal(t, regs.Control.MillsString(), items["Control sum"])

	_, err = r.m.ExportRefillHistory(r.ctx, r.oper)
	assert.ErrorIs(t, err, ErrNoRights)
	path, err = r.m.ExportRefillHistory(r.ctx, r.super)
	require.NoError(t, err)
	recs = readCSV(t, path)
	assert.Equal(t, refillCSVHeader, recs[0])
	require.Len(t, recs, 3, "a header and two refills")
	var sum funds.Amount
	for _, rec := range recs[1:] {
		a, err := funds.ParseAmount(rec[3])
		require.NoError(t, err)
		sum, err = sum.Add(a)
		require.NoError(t, err)
		assert.Equal(t, funds.RefillConfirmed, rec[4])
	}
	assert.Equal(t, dollars(75), sum)
	assert.Equal(t, regs.Control, sum, "every refill's amount adds up to the control sum")
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 2, "two reports, no temporary file")
}
