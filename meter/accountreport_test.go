package meter

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// mailDay prints the pieces of one mailing day: two letters to Research, a flat to Sales (whose name
// has a comma and quotes, for the CSV's quoting), one letter with no code and one that jams (spoiled).
func mailDay(t *testing.T, r *rig, research string, advance int) {
	t.Helper()
	print := func(job Job) {
		job.DateAdvance = advance
		_, err := r.m.PrintPiece(r.ctx, r.oper, job, MediumTape)
		require.NoError(t, err)
	}
	print(letterFor(research))
	print(Job{Class: ClassLetter, Weight: 25, AccountCode: research})
	print(Job{Class: ClassFlat, Weight: 10, AccountCode: "Sales"})
	print(Job{Class: ClassLetter, Weight: 10})
	r.engine.FailNextPrint(ErrJam)
	_, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10, AccountCode: research, DateAdvance: advance}, MediumTape)
	var failed *PrintFailedError
	require.ErrorAs(t, err, &failed)
	r.engine.Update(func(s *EngineStatus) { s.Jammed = false }) // the clerk clears the jam
}

func accountRig(t *testing.T) (*rig, string) {
	t.Helper()
	r := newRig(t)
	r.fund(dollars(100))
	require.NoError(t, r.m.SetAccountCodes(r.ctx, r.super, []string{"Sales"}))
	require.NoError(t, r.m.RenameAccount(r.ctx, r.super, "Sales", `Sales, "East"`))
	research, err := r.m.AddAccount(r.ctx, r.super, "Research")
	require.NoError(t, err)
	mailDay(t, r, research, 0)
	mailDay(t, r, research, 1)
	return r, research
}

func TestAccountReportCSVTotalsEqualTheRegisters(t *testing.T) {
	r, _ := accountRig(t)
	day := r.clock.Now()
	report, err := r.m.AccountReport(r.ctx, r.super, day, day.AddDate(0, 0, 1))
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, report.WriteCSV(&b))
	golden(t, "account-report.csv", b.Bytes())

	// Read the CSV back as a spreadsheet would and add its columns up: to the mill, the registers.
	records, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	require.NoError(t, err)
	require.Equal(t, csvHeader, records[0])
	var pieces int64
	var used funds.Amount
	for _, rec := range records[1:] {
		for _, col := range [][2]int{{6, 7}, {8, 9}} {
			n, err := strconv.ParseInt(rec[col[0]], 10, 64)
			require.NoError(t, err)
			v, err := funds.ParseAmount(rec[col[1]])
			require.NoError(t, err)
			pieces += n
			used, err = used.Add(v)
			require.NoError(t, err)
		}
	}
	regs := r.registers()
	assert.Equal(t, regs.Pieces, pieces, "pieces in the CSV")
	assert.Equal(t, regs.Used, used, "postage in the CSV, to the mill")
	assert.Equal(t, regs.Pieces, report.Total.Pieces+report.Total.Spoiled)
	r.consistent()
}

func TestAccountReportCoversItsDatesOnly(t *testing.T) {
	r, research := accountRig(t)
	day := r.clock.Now()
	one, err := r.m.AccountReport(r.ctx, r.super, day, day)
	require.NoError(t, err)
	two, err := r.m.AccountReport(r.ctx, r.super, day.AddDate(0, 0, 1), day) // either order
	require.NoError(t, err)
	assert.Equal(t, 2*one.Total.Pieces, two.Total.Pieces)
	assert.Equal(t, int64(4), one.Total.Pieces)
	assert.Equal(t, int64(1), one.Total.Spoiled)
	for _, row := range one.Rows {
		// Research's letters: two at 1 oz (one of them spoiled) and one at 2.5 oz, each in its weight break.
		if row.AccountID == research && row.MailClass == ClassLetter.Label() {
			assert.Equal(t, "Research", row.AccountName)
			switch row.WeightBreak {
			case 1:
				assert.Equal(t, int64(1), row.Pieces)
				assert.Equal(t, int64(1), row.Spoiled)
			case 3:
				assert.Equal(t, int64(1), row.Pieces)
			default:
				t.Errorf("a weight break of %d oz", row.WeightBreak)
			}
		}
	}
	none, err := r.m.AccountReport(r.ctx, r.super, day.AddDate(0, 0, -9), day.AddDate(0, 0, -1))
	require.NoError(t, err)
	assert.Empty(t, none.Rows)

	_, err = r.m.AccountReport(r.ctx, r.oper, day, day)
	assert.ErrorIs(t, err, ErrNoRights, "the report is the funds report's right")
}

func TestExportAccountReport(t *testing.T) {
	r, _ := accountRig(t)
	day := r.clock.Now()
	_, err := r.m.ExportAccountReport(r.ctx, r.super, day, day)
	require.ErrorIs(t, err, ErrNoExportFolder, "the rig's meter has no export folder")
	assert.Equal(t, "There is nowhere to save the report. Put the USB stick in, then select Export again.", Explain(err).Text)

	dir := t.TempDir()
	r.m.cfg.ExportDir = filepath.Join(dir, "usb")
	_, err = r.m.ExportAccountReport(r.ctx, r.super, day, day)
	require.ErrorIs(t, err, ErrNoExportFolder, "the stick is not in")

	require.NoError(t, os.Mkdir(r.m.cfg.ExportDir, 0o700))
	path, err := r.m.ExportAccountReport(r.ctx, r.super, day, day.AddDate(0, 0, 1))
	require.NoError(t, err)
	assert.Equal(t, "account-report-"+rigSerial+"-2026-11-25-to-2026-11-26.csv", filepath.Base(path))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("testdata", "account-report.csv"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	entries, err := os.ReadDir(r.m.cfg.ExportDir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left beside the report")

	// A folder that refuses the file: the clerk reads what to do.
	require.NoError(t, os.Chmod(r.m.cfg.ExportDir, 0o500))
	t.Cleanup(func() { os.Chmod(r.m.cfg.ExportDir, 0o700) })
	if os.Geteuid() != 0 { // root writes to a read-only folder anyway
		_, err = r.m.ExportAccountReport(r.ctx, r.super, day, day)
		require.ErrorIs(t, err, ErrExportFailed)
		assert.Contains(t, Explain(err).Text, "could not be saved")
	}
}

func TestPrintAccountReport(t *testing.T) {
	r, _ := accountRig(t)
	day := r.clock.Now()
	require.NoError(t, r.m.PrintAccountReport(r.ctx, r.super, day, day, OnTape))
	imps := r.engine.Impressions()
	doc := imps[len(imps)-1].Document
	require.NotNil(t, doc)
	assert.Equal(t, "Account Report", doc.Title)
	rep, err := r.m.AccountReport(r.ctx, r.super, day, day)
	require.NoError(t, err)
	v, ok := doc.Value("Total")
	require.True(t, ok)
	assert.Equal(t, fmt.Sprintf("%d pieces, %s", rep.Total.Pieces, rep.Total.Postage.MillsString()), v)
	// Both days were mailed alike: one day is half of what the registers count, spoiled apart.
	regs := r.registers()
	half, err := rep.Total.Postage.Add(rep.Total.SpoiledPostage)
	require.NoError(t, err)
	both, err := half.Add(half)
	require.NoError(t, err)
	assert.Equal(t, regs.Used, both)
	_, ok = doc.Value("No account code, First-Class letter, up to 1 oz")
	assert.True(t, ok, "pieces charged to no code have a row of their own")
	v, _ = doc.Value("Mailing dates")
	assert.Equal(t, "Nov 25, 2026 to Nov 25, 2026", v)
}

// golden compares got with testdata/name; UPDATE_GOLDEN=1 rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}
