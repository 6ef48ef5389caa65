package funds

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// autoRefill stores an auto-refill's intent and applies it as the Refiller would after the Data
// Center's grant.
func autoRefill(t *testing.T, v *Vault, id string, amount Amount, day string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, v.CreateAutoRefill(ctx, id, amount, day, AutoLimits{Count: 10, Amount: 1000 * Dollar}))
	applied, err := v.ApplyRefill(ctx, id, testGrant(id, amount))
	require.NoError(t, err)
	require.True(t, applied)
	require.NoError(t, v.ConfirmRefill(ctx, id))
}

// autoScene is the tamper scene with two auto-refills on 2026-11-25 (their day's limit of two reached)
// and one abandoned on 2026-11-26; s.refill is a refill the clerk made.
func autoScene(t *testing.T, checkpoint bool) scene {
	return newScene(t, func(v *Vault) {
		ctx := context.Background()
		autoRefill(t, v, "auto-1", 50*Dollar, "2026-11-25")
		autoRefill(t, v, "auto-2", 50*Dollar, "2026-11-25")
		require.NoError(t, v.CreateAutoRefill(ctx, "auto-3", 50*Dollar, "2026-11-26", AutoLimits{Count: 2, Amount: 100 * Dollar}))
		require.NoError(t, v.AbandonRefill(ctx, "auto-3", "", "declined"))
		if checkpoint {
			require.NoError(t, v.Checkpoint(ctx, "system"))
		}
	})
}

const dropAutoRefillTriggers = `DROP TRIGGER auto_refills_keep; DROP TRIGGER auto_refills_fixed; `

// Each edit gives 2026-11-25 room for another auto-refill its limits do not allow, or records a
// refill the clerk made as automatic: the full verification finds it, at open while no checkpoint
// sealed the history (the open's check is then the full one), in the background after one, and the
// vault then refuses every write.
func TestTamperAutoRefillRecords(t *testing.T) {
	for _, tt := range []struct {
		name, check string
		edit        func(t *testing.T, s scene, db *sql.DB)
	}{
		{"record deleted", "row missing", func(t *testing.T, _ scene, db *sql.DB) {
			mustExec(t, db, dropAutoRefillTriggers+`DELETE FROM auto_refills WHERE refill_id = 'auto-2'`)
		}},
		{"record moved to another day", "row history", func(t *testing.T, _ scene, db *sql.DB) {
			mustExec(t, db, dropAutoRefillTriggers+`UPDATE auto_refills SET day = '2026-11-24' WHERE refill_id = 'auto-2'`)
		}},
		{"record's amount made smaller", "row history", func(t *testing.T, _ scene, db *sql.DB) {
			mustExec(t, db, dropAutoRefillTriggers+`UPDATE auto_refills SET amount = 1000 WHERE refill_id = 'auto-1'`)
		}},
		{"record of a refill that was not automatic", "row unaudited", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `INSERT INTO auto_refills(refill_id, day, amount) VALUES(?, '2026-11-27', 100000000)`, s.refill)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := autoScene(t, false)
			attack(t, s.path, func(db *sql.DB) { tt.edit(t, s, db) })
			ve := refused(t, s.path)
			assert.Equal(t, tt.check, ve.Check, ve.Error())
			assert.Contains(t, ve.Detail, "auto-refill record")
		})
		t.Run("after a checkpoint/"+tt.name, func(t *testing.T) {
			s := autoScene(t, true)
			attack(t, s.path, func(db *sql.DB) { tt.edit(t, s, db) })
			ve, _ := refusedSealed(t, s.path)
			assert.Equal(t, tt.check, ve.Check, ve.Error())
			assert.Contains(t, ve.Detail, "auto-refill record")
		})
	}
}

// An untouched vault with auto-refills verifies, at open and in the background after a checkpoint,
// and its days count what was recorded.
func TestAutoRefillRecordsVerifyUntouched(t *testing.T) {
	ctx := context.Background()
	for _, checkpoint := range []bool{false, true} {
		s := autoScene(t, checkpoint)
		v, err := OpenVault(ctx, s.path, testVaultOptions(t, s.path))
		require.NoError(t, err)
		require.NoError(t, v.BackgroundCheck().Wait(ctx))
		require.NoError(t, v.Verify(ctx))
		require.NoError(t, v.Refused())
		day, err := v.AutoRefillDay(ctx, "2026-11-25")
		require.NoError(t, err)
		assert.Equal(t, AutoDay{Count: 2, Amount: 100 * Dollar}, day)
		require.NoError(t, v.Close())
	}
}

// An archive deletes the entries that say what the auto-refill records hold, so it carries their
// digests: the vault verifies after it, and an archived auto-refill's record edited is still found.
func TestArchiveCarriesTheAutoRefillRecords(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ name, sql, check string }{
		{"untouched", "", ""},
		{"record moved to another day", `UPDATE auto_refills SET day = '2026-01-02' WHERE refill_id = 'auto-jan'`, "row history"},
		{"record deleted", `DELETE FROM auto_refills WHERE refill_id = 'auto-jan'`, "row missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, clock := openSteppingVault(t)
			autoRefill(t, v, "auto-jan", 100*Dollar, "2026-01-01")
			for range 100 { // 300 hours of the clock: into February
				p, err := v.Debit(ctx, 500, PieceInfo{MailClass: "letter", MailingDate: "2026-01-01", Actor: "ann"})
				require.NoError(t, err)
				require.NoError(t, v.MarkPrinted(ctx, p.Seq))
			}
			_, err := v.EndBatch(ctx, "sue")
			require.NoError(t, err)
			clock.jump(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
			done, err := v.Archive(ctx, ArchiveOptions{Max: 1})
			require.NoError(t, err)
			require.Len(t, done, 1)
			var live int
			require.NoError(t, v.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit WHERE kind = 'refill-requested'`).Scan(&live))
			require.Zero(t, live, "the entry of the auto-refill's intent was archived")

			if tt.sql == "" {
				require.NoError(t, v.Verify(ctx))
				_, err := v.RestoreArchive(ctx, "", "sue")
				require.NoError(t, err)
				require.NoError(t, v.Verify(ctx), "restored, the entries say it again")
				return
			}
			_, err = v.db.ExecContext(ctx, dropAutoRefillTriggers+tt.sql)
			require.NoError(t, err)
			var ve *VerifyError
			require.ErrorAs(t, v.Verify(ctx), &ve)
			assert.Equal(t, tt.check, ve.Check, ve.Error())
			assert.Contains(t, ve.Detail, "auto-jan")
		})
	}
}
