package funds

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stepClock is a vault clock that moves on by step at every reading, so a generated history spreads
// over months.
type stepClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// openSteppingVault opens a new vault whose clock starts on 2026-01-01 and moves on by three hours at
// every reading; the vault is closed at the end of the test.
func openSteppingVault(t *testing.T) (*Vault, *stepClock) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meter.db")
	opts := testVaultOptions(t, path)
	clock := &stepClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 3 * time.Hour}
	opts.Now = clock.now
	v, err := OpenVault(context.Background(), path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })
	return v, clock
}

// jump sets the clock to t, moving on by nothing from then on.
func (c *stepClock) jump(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.step = t, 0
}

// archiveScene is a closed vault whose history spans January to about June 2026: real debits with
// indicium signatures (one spoiled), a generated history of n pieces in between (an hour of the clock
// for each reading: three a piece), a setting, and more real debits at the end. The clock is then at
// 2027-01-01, so every month of it is due.
func archiveScene(t *testing.T, n int) (path string, opts VaultOptions) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "meter.db")
	opts = testVaultOptions(t, path)
	opts.CheckpointEvery = 100
	clock := &stepClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Hour}
	opts.Now = clock.now
	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	fill(t, v, 1000*Dollar)
	debits := func(k int, day string) {
		for i := range k {
			p, err := v.Debit(ctx, 730, PieceInfo{MailClass: "letter", AccountCode: "SALES", MailingDate: day, Actor: "ann"})
			require.NoError(t, err)
			_, err = v.SignPiece(ctx, p.Seq, []byte(fmt.Sprintf("indicium %d", p.Seq)))
			require.NoError(t, err)
			if i == 2 {
				require.NoError(t, v.MarkSpoiled(ctx, p.Seq, "jam", "ann"))
			} else {
				require.NoError(t, v.MarkPrinted(ctx, p.Seq))
			}
		}
	}
	debits(10, "2026-01-01")
	require.NoError(t, v.GenerateHistory(ctx, HistoryOptions{Pieces: n, Amount: 500, PerDay: 24,
		FirstDay: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), PerTx: 300, Accounts: []string{"SALES", "LEGAL", ""}}))
	require.NoError(t, v.SetSetting(ctx, "archive-test", "on", "sue"))
	debits(10, "2026-06-30")
	_, err = v.EndBatch(ctx, "sue") // the archive leaves the open batch's pieces live
	require.NoError(t, err)
	require.NoError(t, v.Close())
	clock.jump(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	return path, opts
}

// snapshotRows reads every piece, signature and audit entry of the vault file as text, by table and key.
func snapshotRows(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	require.NoError(t, err)
	defer db.Close()
	out := map[string]string{}
	for _, q := range []struct{ name, sql string }{
		{"piece", `SELECT seq, amount || '|' || state || '|' || mail_class || '|' || account_code || '|' || mailing_date || '|' ||
			actor || '|' || created || '|' || note FROM pieces`},
		{"signature", `SELECT seq, hex(body) || '|' || hex(signature) FROM piece_signatures`},
		{"audit", `SELECT seq, at || '|' || actor || '|' || kind || '|' || body || '|' || available || '|' || used || '|' ||
			control || '|' || pieces || '|' || touched || '|' || hex(prev_hash) || '|' || hex(hash) FROM audit`},
		{"total", `SELECT day || '|' || account_code || '|' || mail_class, pieces || '|' || value || '|' || spoiled_pieces || '|' ||
			spoiled_value FROM piece_totals`},
	} {
		rows, err := db.Query(q.sql)
		require.NoError(t, err)
		for rows.Next() {
			var key, val string
			require.NoError(t, rows.Scan(&key, &val))
			out[q.name+":"+key] = val
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}

func countRows(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM `+table).Scan(&n))
	return n
}

// TestArchiveAndRestoreRoundTrip: archiving moves every due month into its own verified file, the live
// vault keeps the rest and still verifies (at open, in the background and in full), the registers and
// summaries are unchanged, and restoring the archives one by one gives back every row as it was.
func TestArchiveAndRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path, opts := archiveScene(t, 1200)
	before := snapshotRows(t, path)
	piecesBefore, entriesBefore := countRows(t, path, "pieces"), countRows(t, path, "audit")

	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	defer func() { require.NoError(t, v.Close()) }()
	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	totals, err := v.Totals(ctx, "", "")
	require.NoError(t, err)

	done, err := v.Archive(ctx, ArchiveOptions{Actor: "sue"})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(done), 5, "January to May at least, one file each")
	for i, a := range done {
		sum, err := VerifyArchiveFile(a.Path, v.keys.Public())
		require.NoError(t, err, a.Path)
		assert.Equal(t, a.SHA256, sum.SHA256)
		assert.Equal(t, fmt.Sprintf("2026-%02d", i+1), a.Period)
		join, err := VerifyArchiveJoins(ctx, path, v.keys, sum)
		require.NoError(t, err, "the vault's keyed chain records each file")
		assert.True(t, join.Recorded)
		assert.Equal(t, i == len(done)-1, join.Active, "the live history starts after the newest")
	}
	var sums []ArchiveSummary
	for _, a := range done {
		s, err := VerifyArchiveFile(a.Path, v.keys.Public())
		require.NoError(t, err)
		sums = append(sums, s)
	}
	require.NoError(t, ArchivesJoin(sums))
	assert.Error(t, ArchivesJoin([]ArchiveSummary{sums[0], sums[2]}), "a file left out breaks the join")

	piecesLive, entriesLive := countRows(t, path, "pieces"), countRows(t, path, "audit")
	assert.Less(t, piecesLive, piecesBefore/3, "most pieces left the live vault")
	assert.Less(t, entriesLive, entriesBefore/3)
	t.Logf("live pieces %d of %d, audit entries %d of %d, %d archives", piecesLive, piecesBefore, entriesLive, entriesBefore, len(done))

	regsAfter, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, regs, regsAfter, "the registers never change")
	totalsAfter, err := v.Totals(ctx, "", "")
	require.NoError(t, err)
	assert.Equal(t, totals, totalsAfter, "reports over the archived months read the summaries, which stay")
	require.NoError(t, v.Verify(ctx), "the full verification starts at the archive boundary")
	require.NoError(t, v.StartFullCheck().Wait(ctx))
	_, err = v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2027-01-01", Actor: "ann"})
	require.NoError(t, err, "the meter prints after archiving")

	// Reopen: the quick verification at open and the background one pass.
	require.NoError(t, v.Close())
	v, err = OpenVault(ctx, path, opts)
	require.NoError(t, err)
	require.NoError(t, v.BackgroundCheck().Wait(ctx))
	more, err := v.Archive(ctx, ArchiveOptions{})
	require.NoError(t, err)
	assert.Empty(t, more, "nothing more is due")

	for range done {
		_, err := v.RestoreArchive(ctx, "", "sue")
		require.NoError(t, err)
		require.NoError(t, v.Verify(ctx), "verifies after each restore")
	}
	_, err = v.RestoreArchive(ctx, "", "sue")
	assert.Error(t, err, "nothing left to restore")
	after := snapshotRows(t, path)
	for k, want := range before {
		assert.Equal(t, want, after[k], "row %s after archive and restore", k)
	}
	list, err := v.Archives(ctx)
	require.NoError(t, err)
	require.Len(t, list, len(done))
	for _, a := range list {
		assert.True(t, a.Restored)
	}
	auto, err := v.Archive(ctx, ArchiveOptions{Auto: true})
	require.NoError(t, err)
	assert.Empty(t, auto, "the automatic archive leaves a restored period alone")
	again, err := v.Archive(ctx, ArchiveOptions{Max: 1})
	require.NoError(t, err)
	require.Len(t, again, 1, "a supervisor can archive it again")
	require.NoError(t, v.Verify(ctx))
}

// TestArchiveStopsBeforeAnUnsettledPiece: a piece still committed (debited, its print never confirmed)
// stays live with everything after it; once it is settled the rest of its month is archived too.
func TestArchiveStopsBeforeAnUnsettledPiece(t *testing.T) {
	ctx := context.Background()
	v, clock := openSteppingVault(t)
	fill(t, v, 101*Dollar)
	var open int64
	for i := range 200 { // 200 pieces, two entries and three readings each: January to mid-March
		p, err := v.Debit(ctx, 500, PieceInfo{MailClass: "letter", MailingDate: "2026-01-01", Actor: "ann"})
		require.NoError(t, err)
		if i == 40 {
			open = p.Seq
			continue
		}
		require.NoError(t, v.MarkPrinted(ctx, p.Seq))
	}
	_, err := v.EndBatch(ctx, "sue")
	require.NoError(t, err)
	clock.jump(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))

	done, err := v.Archive(ctx, ArchiveOptions{})
	require.NoError(t, err)
	require.Len(t, done, 1, "nothing after the unsettled piece can go")
	assert.Equal(t, "2026-01", done[0].Period)
	assert.Equal(t, open-1, done[0].LastPiece, "the archive ends right before it")
	require.NoError(t, v.Verify(ctx))

	// Spoiled when the meter starts again, long after: the rest of January goes, and with it what came
	// before the spoiling (a few entries here), rather than January staying live for ever.
	require.NoError(t, v.MarkSpoiled(ctx, open, "print not confirmed", "system"))
	more, err := v.Archive(ctx, ArchiveOptions{})
	require.NoError(t, err)
	require.Len(t, more, 1)
	assert.Equal(t, "2026-01", more[0].Period, "the rest of January")
	assert.Equal(t, open, more[0].FirstPiece)
	assert.Equal(t, done[0].LastSeq+1, more[0].FirstSeq)
	assert.Equal(t, int64(200), more[0].LastPiece)
	_, err = v.Debit(ctx, 500, PieceInfo{MailClass: "letter", MailingDate: "2027-01-01", Actor: "ann"})
	require.NoError(t, err)
	_, err = v.EndBatch(ctx, "sue")
	require.NoError(t, err, "End batch after archiving sums the open batch, which stayed live")
	require.NoError(t, v.Verify(ctx))
	_, err = VerifyArchiveFile(more[0].Path, v.keys.Public())
	require.NoError(t, err)
	data, err := os.ReadFile(more[0].Path)
	require.NoError(t, err)
	assert.Contains(t, string(data), fmt.Sprintf(`{"piece":{"seq":%d,"amount_mills":500,"state":"spoiled"`, open))
}

// The refund ledger is not archived yet: a month whose piece was marked misprinted stays live from that
// piece on, and the vault still verifies after the archive, marks and all.
func TestArchiveStopsBeforeTheRefundLedger(t *testing.T) {
	ctx := context.Background()
	v, clock := openSteppingVault(t)
	fill(t, v, 101*Dollar)
	var marked int64
	for i := range 200 {
		p, err := v.Debit(ctx, 500, PieceInfo{MailClass: "letter", MailingDate: "2026-01-01", Actor: "ann"})
		require.NoError(t, err)
		require.NoError(t, v.MarkPrinted(ctx, p.Seq))
		if i == 60 {
			marked = p.Seq
			require.NoError(t, v.MarkMisprinted(ctx, p.Seq, "illegible", "ann"))
		}
	}
	_, err := v.EndBatch(ctx, "sue")
	require.NoError(t, err)
	clock.jump(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))

	done, err := v.Archive(ctx, ArchiveOptions{})
	require.NoError(t, err)
	require.Len(t, done, 1)
	assert.Equal(t, marked-1, done[0].LastPiece, "the archive ends right before the marked piece")
	require.NoError(t, v.Verify(ctx))
	again, err := v.Archive(ctx, ArchiveOptions{})
	require.NoError(t, err)
	assert.Empty(t, again, "nothing from the ledger's first piece on goes, until the archive carries the ledger")
	require.NoError(t, v.Verify(ctx))
}
