package funds

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openTestVault(t testing.TB) (*Vault, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meter.db")
	v, err := OpenVault(context.Background(), path, testVaultOptions(t, path))
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })
	return v, path
}

// fill credits the vault as a refill would, without a Data Center.
func fill(t testing.TB, v *Vault, amount Amount) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, id, amount, "test"))
	applied, err := v.ApplyRefill(ctx, id, testGrant(id, amount))
	require.NoError(t, err)
	require.True(t, applied)
	require.NoError(t, v.ConfirmRefill(ctx, id))
	return id
}

func TestVaultStartsEmptyAndVerified(t *testing.T) {
	v, _ := openTestVault(t)
	regs, err := v.Registers(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Registers{}, regs)
	require.NoError(t, v.Verify(context.Background()))
}

func TestVaultRefusesNonDurableConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meter.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)")
	require.NoError(t, err)
	defer db.Close()
	err = CheckDurablePragmas(context.Background(), db)
	assert.ErrorIs(t, err, ErrNotDurable)
	assert.Contains(t, err.Error(), "synchronous=1")

	v, _ := openTestVault(t)
	assert.NoError(t, CheckDurablePragmas(context.Background(), v.db), "the vault's own connection is durable")
}

func TestDebit(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 100*Dollar)

	p, err := v.Debit(ctx, 730, PieceInfo{MailClass: "First-Class letter", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), p.Seq)
	assert.Equal(t, PieceCommitted, p.State)
	assert.Equal(t, Registers{Available: 99_270, Used: 730, Control: 100 * Dollar, Pieces: 1, BatchCount: 1, BatchValue: 730}, p.Registers)

	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, p.Registers, regs)
	require.NoError(t, v.Verify(ctx))
}

func TestDebitInsufficientFundsChangesNothing(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 1*Dollar)
	before, err := v.Registers(ctx)
	require.NoError(t, err)

	_, err = v.Debit(ctx, 1*Dollar+Mill, PieceInfo{Actor: "ann"})
	var insufficient *InsufficientFundsError
	require.ErrorAs(t, err, &insufficient)
	assert.Equal(t, 1*Dollar+Mill, insufficient.Needed)
	assert.Equal(t, 1*Dollar, insufficient.Available)
	assert.Contains(t, err.Error(), "add postage to the meter")

	after, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	require.NoError(t, v.Verify(ctx))

	// Exactly the available amount is allowed and empties the meter.
	_, err = v.Debit(ctx, 1*Dollar, PieceInfo{Actor: "ann"})
	require.NoError(t, err)
	after, _ = v.Registers(ctx)
	assert.Equal(t, Amount(0), after.Available)
}

func TestDebitRejectsNonPositive(t *testing.T) {
	v, _ := openTestVault(t)
	fill(t, v, Dollar)
	for _, a := range []Amount{0, -1} {
		_, err := v.Debit(context.Background(), a, PieceInfo{})
		assert.ErrorIs(t, err, ErrInvalidAmount)
	}
}

func TestSpoiledPieceStaysUsedAndIsNotReprinted(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 10*Dollar)
	p1, err := v.Debit(ctx, 730, PieceInfo{Actor: "ann"})
	require.NoError(t, err)
	p2, err := v.Debit(ctx, 500, PieceInfo{Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.MarkPrinted(ctx, p1.Seq))
	require.NoError(t, v.MarkSpoiled(ctx, p2.Seq, "jam", "ann"))
	assert.Error(t, v.MarkPrinted(ctx, p2.Seq), "a spoiled piece can never become printed")

	count, value, err := v.SpoiledTotal(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), count)
	assert.Equal(t, Amount(500), value)
	regs, _ := v.Registers(ctx)
	assert.Equal(t, Amount(1230), regs.Used, "spoiled postage stays in the used register until refunded")
	require.NoError(t, v.Verify(ctx))
}

func TestSpoilUnconfirmedPiecesAtStartup(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	fill(t, v, 10*Dollar)
	_, err := v.Debit(ctx, 730, PieceInfo{Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.Close())

	v2, err := OpenVault(ctx, path, testVaultOptions(t, path))
	require.NoError(t, err)
	defer v2.Close()
	n, err := v2.SpoilUnconfirmedPieces(ctx, "power lost before the print was confirmed")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	spoiled, err := v2.Pieces(ctx, PieceSpoiled, 10)
	require.NoError(t, err)
	require.Len(t, spoiled, 1)
	assert.Equal(t, "power lost before the print was confirmed", spoiled[0].Note)
}

func TestRefillTransitions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		steps []func(v *Vault, id string) error
		state string
		fail  bool
	}{
		{"confirm path", []func(*Vault, string) error{apply, confirm}, RefillConfirmed, false},
		{"abandon path", []func(*Vault, string) error{abandon, closeR}, RefillClosed, false},
		{"cannot abandon applied", []func(*Vault, string) error{apply, abandon}, RefillApplied, true},
		{"cannot confirm requested", []func(*Vault, string) error{confirm}, RefillRequested, true},
		{"cannot close requested", []func(*Vault, string) error{closeR}, RefillRequested, true},
		{"cannot apply abandoned", []func(*Vault, string) error{abandon, apply}, RefillAbandoned, false},
		{"confirm twice is a no-op", []func(*Vault, string) error{apply, confirm, confirm}, RefillConfirmed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := openTestVault(t)
			id := uuid.Must(uuid.NewV7()).String()
			require.NoError(t, v.CreateRefill(ctx, id, 50*Dollar, "ann"))
			var err error
			for _, step := range tt.steps {
				if err = step(v, id); err != nil {
					break
				}
			}
			assert.Equal(t, tt.fail, err != nil, "error: %v", err)
			r, rerr := v.Refill(ctx, id)
			require.NoError(t, rerr)
			assert.Equal(t, tt.state, r.State)
			require.NoError(t, v.Verify(ctx))
		})
	}
}

func confirm(v *Vault, id string) error { return v.ConfirmRefill(context.Background(), id) }
func closeR(v *Vault, id string) error  { return v.CloseRefill(context.Background(), id) }
func apply(v *Vault, id string) error {
	_, err := v.ApplyRefill(context.Background(), id, testGrant(id, 50*Dollar))
	return err
}
func abandon(v *Vault, id string) error {
	return v.AbandonRefill(context.Background(), id, "", "test")
}

func TestApplyRefillIsIdempotent(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, id, 50*Dollar, "ann"))
	grant := testGrant(id, 50*Dollar)
	applied, err := v.ApplyRefill(ctx, id, grant)
	require.NoError(t, err)
	assert.True(t, applied)
	applied, err = v.ApplyRefill(ctx, id, grant)
	require.NoError(t, err)
	assert.False(t, applied, "a replayed grant credits nothing")
	regs, _ := v.Registers(ctx)
	assert.Equal(t, 50*Dollar, regs.Available)
	assert.Equal(t, 50*Dollar, regs.Control)
}

func TestCreateRefillRefusesWhilePending(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	first := uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, first, 50*Dollar, "ann"))
	err := v.CreateRefill(ctx, uuid.Must(uuid.NewV7()).String(), 20*Dollar, "ann")
	assert.ErrorIs(t, err, ErrRefillPending)
	require.NoError(t, v.AbandonRefill(ctx, first, "", "cancelled"))
	assert.NoError(t, v.CreateRefill(ctx, uuid.Must(uuid.NewV7()).String(), 20*Dollar, "ann"),
		"an abandoned refill can never be applied, so it does not block a new one")
	assert.ErrorIs(t, v.CreateRefill(ctx, uuid.Must(uuid.NewV7()).String(), 0, "ann"), ErrInvalidAmount)
}

func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper string
		check  string
	}{
		{"money added to both registers", `UPDATE registers SET available = available + 1000, control = control + 1000`, "control register"},
		{"used moved to available", `UPDATE registers SET available = available + 730, used = used - 730`, "used register"},
		{"audit entry edited", `UPDATE audit SET body = 'piece 1 $0.001' WHERE kind = 'debit'`, "audit chain"},
		{"audit entry deleted", `DELETE FROM audit WHERE seq = 2`, "audit sequence"},
		{"piece deleted", `DELETE FROM pieces WHERE seq = 1`, "used register"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, path := openTestVault(t)
			fill(t, v, 10*Dollar)
			_, err := v.Debit(ctx, 730, PieceInfo{Actor: "ann"})
			require.NoError(t, err)
			require.NoError(t, v.Close())

			// An attacker with the file drops the guards first; the history still gives them away.
			db, err := sql.Open("sqlite", "file:"+path)
			require.NoError(t, err)
			for _, trig := range []string{"registers_ascend", "audit_no_update", "audit_no_delete", "pieces_keep"} {
				_, err := db.Exec("DROP TRIGGER " + trig)
				require.NoError(t, err)
			}
			_, err = db.Exec(tt.tamper)
			require.NoError(t, err)
			require.NoError(t, db.Close())

			_, err = OpenVault(ctx, path, testVaultOptions(t, path))
			var ve *VerifyError
			require.True(t, errors.As(err, &ve), "open must refuse a tampered vault, got %v", err)
			assert.Equal(t, tt.check, ve.Check)
		})
	}
}

func TestDatabaseGuardsRefuseIllegalChanges(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 10*Dollar)
	for _, stmt := range []string{
		`UPDATE registers SET available = -1, control = used - 1`,
		`UPDATE registers SET available = available + 5`,
		`UPDATE registers SET used = used - 1, available = available + 1`,
		`UPDATE audit SET actor = 'mallory'`,
		`DELETE FROM audit`,
		`DELETE FROM refills`,
		`UPDATE refills SET state = 'requested'`,
	} {
		_, err := v.db.ExecContext(ctx, stmt)
		assert.Error(t, err, stmt)
	}
	require.NoError(t, v.Verify(ctx))
}

func TestSettingsAreStoredAndAudited(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	_, ok, err := v.Setting(ctx, "low_funds_warning")
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, v.SetSetting(ctx, "low_funds_warning", "50000", "sue"))
	require.NoError(t, v.Close())
	v2, err := OpenVault(ctx, path, testVaultOptions(t, path))
	require.NoError(t, err)
	defer v2.Close()
	val, ok, err := v2.Setting(ctx, "low_funds_warning")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "50000", val)
	log, err := v2.AuditLog(ctx, 1, 100)
	require.NoError(t, err)
	assert.Equal(t, "setting", log[len(log)-1].Kind)
	assert.Equal(t, "sue", log[len(log)-1].Actor)
}
