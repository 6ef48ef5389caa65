package main

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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
	// After archiving every month older than a month (funds.Vault.Archive): the bytes the live
	// database still uses, how many archive files, how long it took, and the open then.
	archivedBytes int64
	archives      int
	archiveTook   time.Duration
	archivedOpen  time.Duration
}

// line is the one-line summary `make bench` prints under the table.
func (s historyStats) line() string {
	return fmt.Sprintf("history: pieces=%d open_ms=%.1f new_vault_open_ms=%.1f ratio=%.2f report_ms=%.1f db_mb=%.0f archived_db_mb=%.0f archives=%d archive_s=%.1f archived_open_ms=%.1f",
		s.pieces, msf(s.open), msf(s.newOpen), s.ratio(), msf(s.report), float64(s.dbBytes)/1e6,
		float64(s.archivedBytes)/1e6, s.archives, s.archiveTook.Seconds(), msf(s.archivedOpen))
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
	// 20,000 pieces a day: ten million are a busy meter's year and a half. A smaller history (a check of
	// the bench) is spread over four months at least, so that the archive has months to move.
	const perTx = 50_000
	perDay := max(min(20_000, pieces/120), 1)
	firstDay := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// The vault's clock runs as a meter printing perDay pieces a day would see it (three readings a
	// piece: its row, its debit and its print), so the audit entries' times span the history's months.
	clock := &benchClock{t: firstDay, step: 24 * time.Hour / time.Duration(3*perDay)}
	v, dcKey, err = openHistoryVault(ctx, bigDir, 100_000, clock.now)
	if err != nil {
		return nil, st, err
	}
	const postage = 530 * funds.Mill
	if err := fill(ctx, v, dcKey, funds.Amount(pieces)*postage); err != nil {
		return nil, st, err
	}
	began := time.Now()
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
	// End of day: the archive leaves the open batch's pieces live.
	if _, err := v.EndBatch(ctx, "bench"); err != nil {
		return nil, st, err
	}
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

	if err := archiveHistory(ctx, bigDir, firstDay.AddDate(0, 0, (pieces-1)/perDay+1), opens, &st, progress); err != nil {
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
	}, {
		figure:   fmt.Sprintf("archiving every month older than a month (%d archive files)", st.archives),
		value:    fmt.Sprintf("%.0f MB live", float64(st.archivedBytes)/1e6),
		baseline: fmt.Sprintf("%.0f MB before; archiving took %.1f s; open after %s", float64(st.dbBytes)/1e6, st.archiveTook.Seconds(), ms(st.archivedOpen)),
		ratio:    fmt.Sprintf("%.2f×", float64(st.archivedBytes)/float64(st.dbBytes)),
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

// benchClock is a vault clock that moves on by step at every reading.
type benchClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *benchClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// openHistoryVault is openBenchVaultEvery with the vault's clock.
func openHistoryVault(ctx context.Context, dir string, checkpointEvery int, now func() time.Time) (*funds.Vault, ed25519.PrivateKey, error) {
	_, dcKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, nil, err
	}
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return nil, nil, err
	}
	if err := keys.PinDataCenter(dcKey.Public().(ed25519.PublicKey)); err != nil {
		return nil, nil, err
	}
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: benchSerial,
		CheckpointEvery: checkpointEvery, Now: now})
	return v, dcKey, err
}

// archiveHistory archives every month of the vault in dir that ended a month before end (the history's
// last day), then measures the live database and times its open again.
func archiveHistory(ctx context.Context, dir string, end time.Time, opens int, st *historyStats, progress func(string, ...any)) error {
	progress("history: archiving every month older than a month")
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return err
	}
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: benchSerial,
		Now: func() time.Time { return end }})
	if err != nil {
		return err
	}
	start := time.Now()
	done, err := v.Archive(ctx, funds.ArchiveOptions{Dir: filepath.Join(dir, "archive"), Actor: "bench"})
	st.archiveTook, st.archives = time.Since(start), len(done)
	if err := errors.Join(err, v.BackgroundCheck().Wait(ctx), v.Verify(ctx), v.Close()); err != nil {
		return err
	}
	if st.archivedBytes, err = usedBytes(ctx, filepath.Join(dir, "meter.db")); err != nil {
		return err
	}
	var took []time.Duration
	for range opens {
		d, err := timeOpen(ctx, dir, nil)
		if err != nil {
			return err
		}
		took = append(took, d)
	}
	st.archivedOpen = median(took)
	return nil
}

// usedBytes is what the database file's pages in use take: SQLite keeps the pages the archive freed in
// the file for the rows to come (VACUUM would hand them back to the file system).
func usedBytes(ctx context.Context, path string) (int64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var pages, free, size int64
	err = db.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count),
		(SELECT page_size FROM pragma_page_size)`).Scan(&pages, &free, &size)
	return (pages - free) * size, err
}
