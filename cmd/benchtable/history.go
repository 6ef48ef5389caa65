package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"postmeter/funds"
)

// historyStats are the figures of a meter with a long history against a new one (issue 17).
type historyStats struct {
	pieces                int
	generated             time.Duration
	open, newOpen, report time.Duration
	fullCheck             time.Duration
	dbBytes               int64
}

// line is the one-line summary `make bench` prints under the table.
func (s historyStats) line() string {
	return fmt.Sprintf("history: pieces=%d open_ms=%.1f new_vault_open_ms=%.1f ratio=%.2f report_ms=%.1f db_mb=%.0f",
		s.pieces, msf(s.open), msf(s.newOpen), s.ratio(), msf(s.report), float64(s.dbBytes)/1e6)
}

func (s historyStats) ratio() float64 { return float64(s.open) / float64(s.newOpen) }

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchHistory generates a vault of pieces pieces (funds.Vault.GenerateHistory: the vault's own debit
// code, many pieces to a transaction), then times, each the median of opens runs: opening it against
// opening a new vault on the same file system; a month's funds report (registers, spoiled total, the
// month's summaries); and once, the full verification that runs in the background after an open.
func benchHistory(dir string, pieces, opens int, progress func(string, ...any)) ([]row, historyStats, error) {
	ctx := context.Background()
	st := historyStats{pieces: pieces}
	newDir, bigDir := filepath.Join(dir, "new"), filepath.Join(dir, "big")
	for _, d := range []string{newDir, bigDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, st, err
		}
	}
	// The new vault: made, filled and closed like the big one, without the pieces.
	v, dcKey, err := openBenchVault(ctx, newDir)
	if err != nil {
		return nil, st, err
	}
	if err := fill(ctx, v, dcKey, 1000*funds.Dollar); err != nil {
		return nil, st, err
	}
	if err := v.Close(); err != nil {
		return nil, st, err
	}
	// Generated with a checkpoint every 100,000 pieces rather than every 250: each checkpoint verifies
	// what came since the one before, which would double the generation time and change nothing measured
	// here (the vault seals a checkpoint at close, so the next open replays nothing either way).
	v, dcKey, err = openBenchVaultEvery(ctx, bigDir, 100_000)
	if err != nil {
		return nil, st, err
	}
	const postage = 530 * funds.Mill
	if err := fill(ctx, v, dcKey, funds.Amount(pieces)*postage); err != nil {
		return nil, st, err
	}
	began := time.Now()
	const perTx, perDay = 50_000, 20_000 // 20,000 pieces a day: ten million are a busy meter's year and a half
	firstDay := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < pieces; done += perTx {
		n := min(perTx, pieces-done)
		if err := v.GenerateHistory(ctx, funds.HistoryOptions{Pieces: n, Amount: postage, PerDay: perDay,
			FirstDay: firstDay.AddDate(0, 0, done/perDay), PerTx: perTx,
			Accounts: []string{"SALES", "LEGAL", "HR", "OPS", "IT", "FIN", "MKT", "R&D", "SUPPORT", ""}}); err != nil {
			return nil, st, err
		}
		if done/perTx%20 == 19 {
			progress("history: %d of %d pieces generated", done+n, pieces)
		}
	}
	st.generated = time.Since(began)
	if err := v.Close(); err != nil {
		return nil, st, err
	}
	progress("history: %d pieces generated in %.0f s", pieces, st.generated.Seconds())

	// The report is of the month of the newest pieces.
	last := firstDay.AddDate(0, 0, (pieces-1)/perDay)
	month := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	var newOpens, bigOpens, reports []time.Duration
	for range opens {
		d, err := timeOpen(ctx, newDir, nil)
		if err != nil {
			return nil, st, err
		}
		newOpens = append(newOpens, d)
		d, err = timeOpen(ctx, bigDir, func(v *funds.Vault) error {
			start := time.Now()
			if err := monthReport(ctx, v, month); err != nil {
				return err
			}
			reports = append(reports, time.Since(start))
			return nil
		})
		if err != nil {
			return nil, st, err
		}
		bigOpens = append(bigOpens, d)
	}
	st.newOpen, st.open, st.report = median(newOpens), median(bigOpens), median(reports)
	if st.dbBytes, err = fileBytes(filepath.Join(bigDir, "meter.db")); err != nil {
		return nil, st, err
	}

	progress("history: the full verification in the background")
	keys, err := funds.OpenFileKeys(filepath.Join(bigDir, "keys"))
	if err != nil {
		return nil, st, err
	}
	v, err = funds.OpenVault(ctx, filepath.Join(bigDir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: benchSerial})
	if err != nil {
		return nil, st, err
	}
	err = v.BackgroundCheck().Wait(ctx)
	st.fullCheck = v.BackgroundCheck().Took()
	if err := errors.Join(err, v.Close()); err != nil {
		return nil, st, err
	}

	rows := []row{{
		figure:   fmt.Sprintf("vault open with %d pieces (`OpenVault`, median of %d)", pieces, opens),
		value:    ms(st.open),
		baseline: "a new vault's open: " + ms(st.newOpen),
		ratio:    fmt.Sprintf("%.2f× (target ≤ 1.5×)", st.ratio()),
		result:   passFail(st.ratio() <= 1.5),
	}, {
		figure:   fmt.Sprintf("a month's funds report with %d pieces (registers, spoiled, the month's summaries)", pieces),
		value:    ms(st.report),
		baseline: "target 100 ms",
		ratio:    fmt.Sprintf("%.2f of the target", msf(st.report)/100),
		result:   passFail(st.report <= 100*time.Millisecond),
	}, {
		figure:   fmt.Sprintf("full verification in the background with %d pieces (no writer held)", pieces),
		value:    fmt.Sprintf("%.1f s", st.fullCheck.Seconds()),
		baseline: fmt.Sprintf("generating the history: %.0f s; file %.0f MB", st.generated.Seconds(), float64(st.dbBytes)/1e6),
		ratio:    "—",
		result:   "info",
	}}
	return rows, st, nil
}

// timeOpen times OpenVault on the vault in dir, runs then on it, and closes it.
func timeOpen(ctx context.Context, dir string, then func(v *funds.Vault) error) (time.Duration, error) {
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return 0, err
	}
	start := time.Now()
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: benchSerial})
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if then != nil {
		err = then(v)
	}
	return took, errors.Join(err, v.Close())
}

// monthReport reads and adds up what the funds report of a month shows: the registers, the spoiled
// pieces, and the month's pieces and postage by account code.
func monthReport(ctx context.Context, v *funds.Vault, month time.Time) error {
	if _, err := v.Registers(ctx); err != nil {
		return err
	}
	if _, _, err := v.SpoiledTotal(ctx); err != nil {
		return err
	}
	totals, err := v.Totals(ctx, month.Format(time.DateOnly), month.AddDate(0, 1, -1).Format(time.DateOnly))
	if err != nil {
		return err
	}
	byAccount := map[string]funds.Amount{}
	var pieces int64
	for _, t := range totals {
		byAccount[t.AccountCode] += t.Value
		pieces += t.Pieces
	}
	if len(totals) > 0 && pieces == 0 {
		return errors.New("month report: summaries without pieces")
	}
	return nil
}

func fileBytes(path string) (int64, error) {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}
