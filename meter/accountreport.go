package meter

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"postmeter/funds"
	"postmeter/printer/when"
)

// The account report: for a range of mailing dates, each account code's pieces and postage by mail
// class, the spoiled ones apart (their postage is claimed back, not charged). It is shown on the
// screen, printed, and exported as CSV for the mailroom's spreadsheet. Every figure is summed by the
// vault; the totals of a report over all dates equal the registers (a test checks it to the mill).

// AccountReportRow is one account code, mail class and weight break.
type AccountReportRow struct {
	AccountID      string // as the pieces recorded it; "" for pieces charged to no code
	AccountName    string // the code's name today
	MailClass      string // its label, "First-Class letter"
	WeightBreak    int    // the weight break in whole ounces the pieces were charged for; 0 none recorded
	Pieces         int64  // debited and printed (or not yet known spoiled)
	Postage        funds.Amount
	Spoiled        int64
	SpoiledPostage funds.Amount
}

// AccountReport is the report for mailing dates From to To, both included.
type AccountReport struct {
	From, To time.Time
	Rows     []AccountReportRow
	Total    AccountReportRow // the sums of every row
}

// ErrNoExportFolder is an export on a meter with no folder to write to (no USB stick configured).
var ErrNoExportFolder = errors.New("no export folder")

// ErrExportFailed is an export the folder refused (full, read-only, pulled out midway).
var ErrExportFailed = errors.New("export failed")

// AccountReport sums the pieces mailed from..to (dates, both included) by account code and class.
func (m *Meter) AccountReport(ctx context.Context, s *Session, from, to time.Time) (AccountReport, error) {
	if err := m.require(s, RightFundsReport); err != nil {
		return AccountReport{}, err
	}
	if to.Before(from) {
		from, to = to, from
	}
	// The vault's summaries, kept with each debit: a month's report reads a row per code and class.
	totals, err := m.cfg.Vault.AccountTotals(ctx, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return AccountReport{}, err
	}
	accounts, err := m.accounts(ctx)
	if err != nil {
		return AccountReport{}, err
	}
	r := AccountReport{From: from, To: to}
	for _, t := range totals {
		name := t.AccountCode
		if j := accounts.find(t.AccountCode); j >= 0 {
			name = accounts.Accounts[j].Name
		}
		class, oz := SplitRecordedClass(t.MailClass)
		r.Rows = append(r.Rows, AccountReportRow{AccountID: t.AccountCode, AccountName: name,
			MailClass: class.Label(), WeightBreak: oz})
		if err := r.Rows[len(r.Rows)-1].add(t); err != nil {
			return AccountReport{}, err
		}
		if err := r.Total.add(t); err != nil {
			return AccountReport{}, err
		}
	}
	// By code, class and weight break, the breaks in numeric order ("letter@10" sorts before "letter@2").
	slices.SortStableFunc(r.Rows, func(a, b AccountReportRow) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.MailClass, b.MailClass),
			cmp.Compare(a.WeightBreak, b.WeightBreak))
	})
	return r, nil
}

// ClassAndBreak is the row's class and weight break in words: "First-Class letter, up to 2 oz".
func (row AccountReportRow) ClassAndBreak() string {
	if row.WeightBreak == 0 {
		return row.MailClass
	}
	return row.MailClass + ", up to " + strconv.Itoa(row.WeightBreak) + " oz"
}

// breakCSV is the weight break column: whole ounces, empty when none was recorded.
func (row AccountReportRow) breakCSV() string {
	if row.WeightBreak == 0 {
		return ""
	}
	return strconv.Itoa(row.WeightBreak)
}

// add counts a vault summary into the row: the spoiled pieces apart from the others.
func (row *AccountReportRow) add(t funds.DayTotal) error {
	charged, err := t.Value.Add(-t.SpoiledValue)
	if err != nil {
		return err
	}
	if row.Postage, err = row.Postage.Add(charged); err != nil {
		return err
	}
	if row.SpoiledPostage, err = row.SpoiledPostage.Add(t.SpoiledValue); err != nil {
		return err
	}
	row.Pieces += t.Pieces - t.SpoiledPieces
	row.Spoiled += t.SpoiledPieces
	return nil
}

// csvHeader names the CSV's columns. Amounts are dollars with their mills ("12.340"), dates ISO 8601,
// so a spreadsheet reads them as numbers and dates whatever its language.
var csvHeader = []string{"From", "To", "Account code", "Account name", "Mail class", "Weight break (oz)", "Pieces", "Postage",
	"Spoiled pieces", "Spoiled postage"}

// WriteCSV writes the report as CSV (RFC 4180: a header row, fields quoted where they need it, CRLF
// line ends), one row per account code and class, no total row (a spreadsheet sums the columns).
func (r AccountReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	from, to := r.From.Format(time.DateOnly), r.To.Format(time.DateOnly)
	for _, row := range r.Rows {
		if err := cw.Write([]string{from, to, row.AccountID, row.AccountName, row.MailClass, row.breakCSV(),
			strconv.FormatInt(row.Pieces, 10), row.Postage.Decimal(),
			strconv.FormatInt(row.Spoiled, 10), row.SpoiledPostage.Decimal()}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportAccountReport writes the report for from..to as a CSV file in the meter's export folder (a USB
// stick on the kiosk) and returns the file's path. The file is written to a temporary name, synced and
// renamed, so a stick pulled out midway never holds half a report under the report's name.
func (m *Meter) ExportAccountReport(ctx context.Context, s *Session, from, to time.Time) (string, error) {
	r, err := m.AccountReport(ctx, s, from, to)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("account-report-%s-%s-to-%s.csv", m.cfg.Identity.Serial,
		r.From.Format(time.DateOnly), r.To.Format(time.DateOnly))
	path, err := m.export(name, r.WriteCSV)
	if err != nil {
		return "", err
	}
	m.log.Info("account report exported", "file", path, "rows", len(r.Rows), "by", s.User().Name)
	return path, nil
}

// PrintAccountReport prints the report on tape, an envelope or the attached printer.
func (m *Meter) PrintAccountReport(ctx context.Context, s *Session, from, to time.Time, dest Destination) error {
	r, err := m.AccountReport(ctx, s, from, to)
	if err != nil {
		return err
	}
	doc := Document{Title: "Account Report", Fields: []Field{{"Mailing dates", when.Date(r.From) + " to " + when.Date(r.To)}}}
	for _, row := range r.Rows {
		name := row.AccountName
		if name == "" {
			name = "No account code"
		}
		doc.Fields = append(doc.Fields, Field{name + ", " + row.ClassAndBreak(),
			fmt.Sprintf("%d pieces, %s", row.Pieces, row.Postage.MillsString())})
	}
	doc.Fields = append(doc.Fields,
		Field{"Total", fmt.Sprintf("%d pieces, %s", r.Total.Pieces, r.Total.Postage.MillsString())},
		Field{"Spoiled", fmt.Sprintf("%d pieces, %s", r.Total.Spoiled, r.Total.SpoiledPostage.MillsString())},
		Field{"Meter number", m.cfg.Identity.Serial}, Field{"Printed", when.DateTime(m.Now())})
	return m.printDocument(ctx, doc, dest)
}
