package funds

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// historyScene is a closed vault with a generated history of n pieces, sealed by checkpoints every 100.
func historyScene(t *testing.T, n int) (path string, opts VaultOptions) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "meter.db")
	opts = testVaultOptions(t, path)
	opts.CheckpointEvery = 100
	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	fill(t, v, 1000*Dollar)
	require.NoError(t, v.GenerateHistory(ctx, HistoryOptions{Pieces: n, Amount: 500, PerDay: 200, PerTx: 300,
		Accounts: []string{"SALES", "LEGAL", ""}}))
	require.NoError(t, v.Verify(ctx))
	require.NoError(t, v.Close())
	return path, opts
}

func entriesAfterCheckpoint(t *testing.T, path string) (checkpoints, after int) {
	t.Helper()
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.QueryRow(`SELECT COUNT(*), (SELECT COUNT(*) FROM audit WHERE seq > (SELECT MAX(seq) FROM audit
		WHERE kind = 'checkpoint')) FROM audit WHERE kind = 'checkpoint'`).Scan(&checkpoints, &after))
	return checkpoints, after
}

func TestGeneratedHistoryIsSealedAndVerifies(t *testing.T) {
	ctx := context.Background()
	path, opts := historyScene(t, 350)
	cps, after := entriesAfterCheckpoint(t, path)
	assert.Equal(t, 4, cps, "one checkpoint every 100 pieces, and one when the vault closed")
	assert.Zero(t, after, "the checkpoint at close is the newest entry: the next open replays nothing")

	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	defer v.Close()
	require.NoError(t, v.BackgroundCheck().Wait(ctx), "the full verification in the background passes")
	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(350), regs.Pieces)
	assert.Equal(t, Amount(350*500), regs.Used)
	_, err = v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2026-12-01", Actor: "ann"})
	require.NoError(t, err, "a verified vault prints")
}

// TestOldRowChangeIsFoundInTheBackground: a piece older than the newest checkpoint is not looked at when
// the vault opens, but the background verification finds the change, after which the vault refuses
// every write (so the meter prints nothing), and so does an explicit Verify (postmeter verify).
func TestOldRowChangeIsFoundInTheBackground(t *testing.T) {
	ctx := context.Background()
	path, opts := historyScene(t, 250)
	attack(t, path, func(db *sql.DB) {
		mustExec(t, db, `UPDATE pieces SET state = 'spoiled', note = 'jam' WHERE seq = 7`)
	})

	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err, "the open verifies only what came after the newest checkpoint")
	defer v.Close()
	err = v.BackgroundCheck().Wait(ctx)
	var ve *VerifyError
	require.True(t, errors.As(err, &ve), "got %v", err)
	assert.Equal(t, "row history", ve.Check)
	assert.Contains(t, ve.Detail, "piece 7 ")
	assert.Equal(t, ve, v.Refused())

	_, err = v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2026-12-01", Actor: "ann"})
	require.True(t, errors.As(err, &ve), "no debit after the background verification failed: %v", err)
	assert.Error(t, v.SetSetting(ctx, "low_funds_warning", "1", "sue"), "nor any other write")
	assert.ErrorAs(t, v.Verify(ctx), &ve, "an explicit full verification finds it too")
}

// TestCheckpointTampering: what the open relies on from a checkpoint is checked at open.
func TestCheckpointTampering(t *testing.T) {
	attacks := []struct {
		name  string
		check string
		fn    func(t *testing.T, db *sql.DB)
	}{
		{"saved rows edited", "checkpoint", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE checkpoint_rows SET digest = digest + 1 WHERE tbl = 'refill'`)
		}},
		{"saved rows removed", "checkpoint", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM checkpoint_rows`)
		}},
		{"sealed sum raised", "audit chain", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit SET body = replace(body, '"piece_sum_mills":125000', '"piece_sum_mills":225000')
				WHERE kind = 'checkpoint' AND seq = (SELECT MAX(seq) FROM audit)`)
		}},
		{"piece after the checkpoint edited", "row history", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE pieces SET account_code = 'OTHER' WHERE seq = 251`)
		}},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			ctx := context.Background()
			path, opts := historyScene(t, 250)
			if a.name == "piece after the checkpoint edited" {
				v, err := OpenVault(ctx, path, opts)
				require.NoError(t, err)
				_, err = v.Debit(ctx, 500, PieceInfo{MailClass: "letter", MailingDate: "2026-12-01", Actor: "ann"})
				require.NoError(t, err)
				require.NoError(t, v.Close())
			}
			attack(t, path, func(db *sql.DB) { a.fn(t, db) })
			_, err := OpenVault(ctx, path, opts)
			var ve *VerifyError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, a.check, ve.Check, ve.Error())
		})
	}
}

// TestFullVerificationChecksEveryCheckpoint: a thief of the device key lowers an old piece's postage and
// the used register, writes entries that make the rows match and a checkpoint that seals the lower sum.
// The open trusts that checkpoint; the full verification finds that an older checkpoint sealed a sum the
// pieces before it no longer make.
func TestFullVerificationChecksEveryCheckpoint(t *testing.T) {
	ctx := context.Background()
	path, opts := historyScene(t, 300)
	thief := stolenKey(t, scene{keysDir: filepath.Join(filepath.Dir(path), "keys")})
	attack(t, path, func(db *sql.DB) {
		mustExec(t, db, `UPDATE pieces SET amount = 400 WHERE seq = 5`) // 100 mills of postage for free
		mustExec(t, db, `UPDATE registers SET used = used - 100, available = available + 100`)
		var p Piece
		require.NoError(t, scanPiece(db.QueryRow(selectPieceSQL+` WHERE seq = 5`), &p))
		regs, err := readRegisters(ctx, db)
		require.NoError(t, err)
		var touched touchList
		touched.piece(p)
		touched.registers(regs)
		forgeAudit(t, db, thief, "debit", "piece 5 400", touched)
		saved, err := readCheckpointRows(ctx, db)
		require.NoError(t, err)
		body, err := json.Marshal(checkpointBody{Pieces: regs.Pieces, PieceSumMills: regs.Used.Mills(), MaxSeq: regs.Pieces,
			RefillSumMills: regs.Control.Mills(), Registers: registersHex(registersDigest(regs).short()),
			Rows: rowsDigest(saved), RowCount: len(saved)})
		require.NoError(t, err)
		forgeAudit(t, db, thief, checkpointKind, string(body), nil)
	})
	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err, "the forged checkpoint passes the open: it is keyed with the stolen key")
	defer v.Close()
	err = v.BackgroundCheck().Wait(ctx)
	var ve *VerifyError
	require.True(t, errors.As(err, &ve), "got %v", err)
	assert.Equal(t, "checkpoint", ve.Check, ve.Error())
	assert.Contains(t, ve.Detail, "after piece 100 ")
	_, err = v.Debit(ctx, 500, PieceInfo{MailClass: "letter", MailingDate: "2026-12-01", Actor: "ann"})
	assert.ErrorAs(t, err, &ve, "the meter prints nothing more")
}

func TestTotalsFollowDebitsAndSpoils(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 100*Dollar)
	debit := func(amount Amount, day, account string, class ...string) Piece {
		c := "letter"
		if len(class) > 0 {
			c = class[0]
		}
		p, err := v.Debit(ctx, amount, PieceInfo{MailClass: c, AccountCode: account, MailingDate: day, Actor: "ann"})
		require.NoError(t, err)
		return p
	}
	debit(730, "2026-11-02", "SALES")
	p := debit(500, "2026-11-02", "SALES")
	debit(1200, "2026-11-02", "LEGAL")
	debit(1500, "2026-11-02", "LEGAL", "flat")
	debit(730, "2026-11-30", "")
	debit(730, "2026-12-01", "SALES")
	require.NoError(t, v.MarkSpoiled(ctx, p.Seq, "jam", "ann"))
	require.NoError(t, v.MarkSpoiled(ctx, p.Seq, "jam", "ann"), "spoiling twice counts once")

	nov, err := v.Totals(ctx, "2026-11-01", "2026-11-30")
	require.NoError(t, err)
	assert.Equal(t, []DayTotal{
		{Day: "2026-11-02", AccountCode: "LEGAL", MailClass: "flat", Pieces: 1, Value: 1500},
		{Day: "2026-11-02", AccountCode: "LEGAL", MailClass: "letter", Pieces: 1, Value: 1200},
		{Day: "2026-11-02", AccountCode: "SALES", MailClass: "letter", Pieces: 2, Value: 1230, SpoiledPieces: 1, SpoiledValue: 500},
		{Day: "2026-11-30", AccountCode: "", MailClass: "letter", Pieces: 1, Value: 730},
	}, nov)
	byAccount, err := v.AccountTotals(ctx, "2026-11-01", "")
	require.NoError(t, err)
	assert.Equal(t, []DayTotal{
		{AccountCode: "", MailClass: "letter", Pieces: 1, Value: 730},
		{AccountCode: "LEGAL", MailClass: "flat", Pieces: 1, Value: 1500},
		{AccountCode: "LEGAL", MailClass: "letter", Pieces: 1, Value: 1200},
		{AccountCode: "SALES", MailClass: "letter", Pieces: 3, Value: 1960, SpoiledPieces: 1, SpoiledValue: 500},
	}, byAccount, "summed over the days, by code and class")
	n, value, err := v.SpoiledTotal(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Equal(t, Amount(500), value)
	require.NoError(t, v.Verify(ctx))
}

func TestEditedTotalsFailTheFullVerification(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	fill(t, v, 10*Dollar)
	_, err := v.Debit(ctx, 730, PieceInfo{MailClass: "letter", AccountCode: "SALES", MailingDate: "2026-11-02", Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.Close())
	attack(t, path, func(db *sql.DB) { mustExec(t, db, `UPDATE piece_totals SET value = 1`) })
	_, err = OpenVault(ctx, path, testVaultOptions(t, path))
	var ve *VerifyError
	require.True(t, errors.As(err, &ve), "got %v", err)
	assert.Equal(t, "piece totals", ve.Check)
}

// TestFormat2VaultIsMigrated: a vault written before checkpoints and summaries opens, gets its
// summaries from its pieces, and verifies.
func TestFormat2VaultIsMigrated(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	fill(t, v, 10*Dollar)
	for i, day := range []string{"2026-11-02", "2026-11-02", "2026-11-03"} {
		p, err := v.Debit(ctx, Amount(500+i), PieceInfo{MailClass: "letter", AccountCode: "SALES", MailingDate: day, Actor: "ann"})
		require.NoError(t, err)
		if i == 1 {
			require.NoError(t, v.MarkSpoiled(ctx, p.Seq, "jam", "ann"))
		}
	}
	want, err := v.Totals(ctx, "", "")
	require.NoError(t, err)
	require.NoError(t, v.Close())
	attack(t, path, func(db *sql.DB) { // what a format 2 vault looks like
		_, err := db.Exec(`DROP TABLE piece_totals; DROP TABLE checkpoint_rows; PRAGMA user_version = 2`)
		require.NoError(t, err)
	})
	v, err = OpenVault(ctx, path, testVaultOptions(t, path))
	require.NoError(t, err)
	defer v.Close()
	got, err := v.Totals(ctx, "", "")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, v.Verify(ctx))
	var format int
	require.NoError(t, v.db.QueryRow(`PRAGMA user_version`).Scan(&format))
	assert.Equal(t, vaultFormat, format)
}

// TestCloseCancelsTheBackgroundCheck: Close waits for the verification it cancels.
func TestCloseCancelsTheBackgroundCheck(t *testing.T) {
	ctx := context.Background()
	path, opts := historyScene(t, 300)
	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	check := v.BackgroundCheck()
	require.NoError(t, v.Close())
	select {
	case <-check.Done():
	default:
		t.Fatal("Close returned while the background verification still ran")
	}
	if err := check.Wait(ctx); err != nil {
		assert.ErrorIs(t, err, context.Canceled, "a check cut short reports that it was cancelled")
	}
	assert.NoError(t, v.Refused(), "a cancelled check never refuses the vault")
}

// TestOldPieceTouchedSinceTheCheckpointIsCheckedAtOpen: a piece debited before the newest checkpoint and
// spoiled after it is checked at open, like every row written since.
func TestOldPieceTouchedSinceTheCheckpointIsCheckedAtOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meter.db")
	opts := testVaultOptions(t, path)
	opts.CheckpointEvery = 20
	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	fill(t, v, 10*Dollar)
	for range 20 { // the 20th debit seals a checkpoint in its transaction
		_, err := v.Debit(ctx, 100, PieceInfo{MailClass: "letter", MailingDate: "2026-11-02", Actor: "ann"})
		require.NoError(t, err)
	}
	require.NoError(t, v.MarkSpoiled(ctx, 5, "jam", "ann"))
	require.NoError(t, v.Close())
	cps, after := entriesAfterCheckpoint(t, path)
	require.Equal(t, 1, cps)
	require.Equal(t, 1, after, "the spoiling came after the checkpoint, and Close sealed no other")

	v, err = OpenVault(ctx, path, opts)
	require.NoError(t, err, "genuine")
	require.NoError(t, v.BackgroundCheck().Wait(ctx))
	require.NoError(t, v.Close())
	attack(t, path, func(db *sql.DB) { mustExec(t, db, `UPDATE pieces SET note = 'paper jam' WHERE seq = 5`) })
	_, err = OpenVault(ctx, path, opts)
	var ve *VerifyError
	require.True(t, errors.As(err, &ve), "got %v", err)
	assert.Equal(t, "row history", ve.Check)
	assert.Contains(t, ve.Detail, "piece 5 ")
}
