package meter

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"postmeter/funds"
)

// Reports exported as CSV (RFC 4180, a header row) to the meter's export folder: a USB stick's mount
// point on the kiosk, the data folder's exports/ in the simulator. Each needs the right its printed
// report needs.

// export writes a file named name in the export folder through write and returns its path. The file
// is written to a temporary name, synced and renamed, so a stick pulled out midway never holds half a
// report under the report's name.
func (m *Meter) export(name string, write func(io.Writer) error) (string, error) {
	dir := m.cfg.ExportDir
	if dir == "" {
		return "", ErrNoExportFolder
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%w: %s is not there (is the USB stick in?)", ErrNoExportFolder, dir)
	}
	path := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrExportFailed, name, err)
	}
	defer os.Remove(f.Name()) // gone once renamed; removes what a failure left
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrExportFailed, name, err)
	}
	return path, nil
}

// ExportFundsReport writes the funds report as CSV: one row an item, registers in mills as printed.
func (m *Meter) ExportFundsReport(ctx context.Context, s *Session) (string, error) {
	doc, err := m.FundsReport(ctx, s)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("funds-report-%s-%s.csv", m.cfg.Identity.Serial, m.Now().Format("2006-01-02-150405"))
	path, err := m.export(name, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"Item", "Value"})
		for _, f := range doc.Fields {
			cw.Write([]string{f.Label, f.Value})
		}
		cw.Flush()
		return cw.Error()
	})
	if err == nil {
		m.log.Info("funds report exported", "file", path, "by", s.User().Name)
	}
	return path, err
}

// refillCSVHeader is the refill history's header row.
var refillCSVHeader = []string{"Requested", "Updated", "Refill ID", "Amount", "State", "By"}

// ExportRefillHistory writes every refill the meter asked for as CSV, newest first: when it was asked
// and last changed (RFC 3339, UTC, as the vault keeps them), its ID, amount, state and who asked.
func (m *Meter) ExportRefillHistory(ctx context.Context, s *Session) (string, error) {
	if err := m.require(s, RightRefillReceipts); err != nil {
		return "", err
	}
	refills, err := m.cfg.Vault.Refills(ctx, -1)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("refill-history-%s-%s.csv", m.cfg.Identity.Serial, m.Now().Format("2006-01-02-150405"))
	path, err := m.export(name, func(w io.Writer) error { return writeRefillCSV(w, refills) })
	if err == nil {
		m.log.Info("refill history exported", "file", path, "refills", len(refills), "by", s.User().Name)
	}
	return path, err
}

func writeRefillCSV(w io.Writer, refills []funds.Refill) error {
	cw := csv.NewWriter(w)
	cw.Write(refillCSVHeader)
	for _, r := range refills {
		cw.Write([]string{r.Created, r.Updated, r.ID, r.Amount.MillsString(), r.State, r.Actor})
	}
	cw.Flush()
	return cw.Error()
}
