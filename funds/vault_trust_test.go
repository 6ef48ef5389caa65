package funds

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenVaultNeedsKeysAndSerial(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meter.db")
	opts := testVaultOptions(t, path)
	_, err := OpenVault(ctx, path, VaultOptions{Serial: testSerial})
	assert.ErrorContains(t, err, "no keys")
	_, err = OpenVault(ctx, path, VaultOptions{Keys: opts.Keys})
	assert.ErrorContains(t, err, "no meter serial")
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing is created without keys and serial")
}

func TestVaultFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	fill(t, v, 10*Dollar)
	_, err := v.Debit(ctx, 730, PieceInfo{Actor: "ann"})
	require.NoError(t, err)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), p)
	}
}

func TestOpenVaultRefusesAnOlderVault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meter.db")
	// The tables of a vault from before the keyed chain: no touched, no grant, format 0.
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE registers(id INTEGER PRIMARY KEY, available INTEGER, used INTEGER, control INTEGER,
		pieces INTEGER, batch_count INTEGER, batch_value INTEGER);
		INSERT INTO registers VALUES(1, 0, 0, 0, 0, 0, 0);
		CREATE TABLE audit(seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, kind TEXT, body TEXT, available INTEGER,
		used INTEGER, control INTEGER, pieces INTEGER, prev_hash BLOB, hash BLOB);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = OpenVault(context.Background(), path, testVaultOptions(t, path))
	require.ErrorIs(t, err, ErrOldVault)
	assert.ErrorContains(t, err, "older postmeter")
	assert.ErrorContains(t, err, "replace it")
}

func TestApplyRefillRefusesBadGrants(t *testing.T) {
	ctx := context.Background()
	other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	tests := []struct {
		name  string
		grant func(id string) SignedAnswer
	}{
		{"no grant", func(string) SignedAnswer { return SignedAnswer{} }},
		{"signed by another key", func(id string) SignedAnswer {
			return signAnswer(other, testSerial, 200, RefillAnswer{Serial: testSerial, ID: id, State: DCReserved, AmountMills: (50 * Dollar).Mills()})
		}},
		{"for another refill", func(string) SignedAnswer { return testGrant(uuid.Must(uuid.NewV7()).String(), 50*Dollar) }},
		{"for another amount", func(id string) SignedAnswer { return testGrant(id, 500*Dollar) }},
		{"for another meter", func(id string) SignedAnswer {
			return signAnswer(testDCKey, "PM-OTHER", 200, RefillAnswer{Serial: "PM-OTHER", ID: id, State: DCReserved, AmountMills: (50 * Dollar).Mills()})
		}},
		{"body for another meter", func(id string) SignedAnswer {
			return signAnswer(testDCKey, testSerial, 200, RefillAnswer{Serial: "PM-OTHER", ID: id, State: DCReserved, AmountMills: (50 * Dollar).Mills()})
		}},
		{"a 4xx", func(id string) SignedAnswer {
			return signAnswer(testDCKey, testSerial, 409, RefillAnswer{Serial: testSerial, ID: id, State: DCReserved, AmountMills: (50 * Dollar).Mills()})
		}},
		{"declined", func(id string) SignedAnswer {
			return signAnswer(testDCKey, testSerial, 200, RefillAnswer{Serial: testSerial, ID: id, State: DCDeclined, AmountMills: (50 * Dollar).Mills()})
		}},
		{"signature of another answer", func(id string) SignedAnswer {
			g := testGrant(id, 50*Dollar)
			g.Signature = testGrant(id, 40*Dollar).Signature
			return g
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := openTestVault(t)
			id := uuid.Must(uuid.NewV7()).String()
			require.NoError(t, v.CreateRefill(ctx, id, 50*Dollar, "ann"))
			applied, err := v.ApplyRefill(ctx, id, tt.grant(id))
			require.ErrorIs(t, err, ErrBadAnswer)
			assert.False(t, applied)
			regs, err := v.Registers(ctx)
			require.NoError(t, err)
			assert.Equal(t, Registers{}, regs, "nothing credited")
			r, err := v.Refill(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, RefillRequested, r.State)
			assert.Empty(t, r.Grant)
			require.NoError(t, v.Verify(ctx))

			applied, err = v.ApplyRefill(ctx, id, testGrant(id, 50*Dollar))
			require.NoError(t, err)
			assert.True(t, applied, "the genuine grant still applies")
			require.NoError(t, v.Verify(ctx))
		})
	}
}

func TestApplyRefillKeepsTheGrant(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, id, 50*Dollar, "ann"))
	grant := signAnswer(testDCKey, testSerial, 200, RefillAnswer{Serial: testSerial, ID: id, State: DCPosted, AmountMills: (50 * Dollar).Mills()})
	applied, err := v.ApplyRefill(ctx, id, grant)
	require.NoError(t, err)
	assert.True(t, applied, "a posted answer grants too (the post raced the apply)")
	r, err := v.Refill(ctx, id)
	require.NoError(t, err)
	assert.Contains(t, r.Grant, `"signature"`)
}

func TestContactReceipts(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	_, ok, err := v.LastContact(ctx)
	require.NoError(t, err)
	assert.False(t, ok, "no contact before the first receipt")

	first := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	at, err := v.RecordContact(ctx, testReceipt(first), "system")
	require.NoError(t, err)
	assert.True(t, at.Equal(first))
	at, err = v.RecordContact(ctx, testReceipt(first.Add(-time.Hour)), "system")
	require.NoError(t, err)
	assert.True(t, at.Equal(first), "an older receipt does not move the clock back")
	second := first.Add(48 * time.Hour)
	at, err = v.RecordContact(ctx, testReceipt(second), "system")
	require.NoError(t, err)
	assert.True(t, at.Equal(second))

	other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	forged := signAnswer(other, testSerial, 200, AccountBalance{Serial: testSerial, Time: second.Add(time.Hour)})
	_, err = v.RecordContact(ctx, forged, "system")
	assert.ErrorIs(t, err, ErrBadAnswer)
	assert.Error(t, v.SetSetting(ctx, contactReceiptKey, "{}", "mallory"), "receipts go through RecordContact only")
	noTime := signAnswer(testDCKey, testSerial, 200, AccountBalance{Serial: testSerial})
	_, err = v.RecordContact(ctx, noTime, "system")
	assert.ErrorIs(t, err, ErrBadAnswer)

	require.NoError(t, v.Close())
	v2, err := OpenVault(ctx, path, testVaultOptions(t, path))
	require.NoError(t, err)
	defer v2.Close()
	last, ok, err := v2.LastContact(ctx)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, last.Equal(second))
}

// TestGenuineVaultVerifies runs every write path many times and reopens: a genuine vault always passes.
func TestGenuineVaultVerifies(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	opts := testVaultOptions(t, path)
	for round := 0; round < 5; round++ {
		fill(t, v, 20*Dollar)
		gone := uuid.Must(uuid.NewV7()).String()
		require.NoError(t, v.CreateRefill(ctx, gone, 5*Dollar, "sue"))
		require.NoError(t, v.AbandonRefill(ctx, gone, CodeShortOfFunds, "short"))
		require.NoError(t, v.CloseRefill(ctx, gone))
		for i := 0; i < 20; i++ {
			p, err := v.Debit(ctx, Amount(100+i), PieceInfo{MailClass: "letter", AccountCode: "A;B=C%", Actor: "ann"})
			require.NoError(t, err)
			switch i % 3 {
			case 0:
				require.NoError(t, v.MarkPrinted(ctx, p.Seq))
			case 1:
				require.NoError(t, v.MarkSpoiled(ctx, p.Seq, "jam", "ann"))
			}
		}
		require.NoError(t, v.SetSetting(ctx, "users", string(make([]byte, 200+round)), "sue"))
		require.NoError(t, v.SetSetting(ctx, "odd;key=%", "x", "sue"))
		_, err := v.RecordContact(ctx, testReceipt(time.Now().Add(time.Duration(round)*time.Hour)), "system")
		require.NoError(t, err)
		require.NoError(t, v.ResetBatch(ctx, "sue"))
		require.NoError(t, v.Verify(ctx))
		require.NoError(t, v.Close())
		var err2 error
		v, err2 = OpenVault(ctx, path, opts)
		require.NoError(t, err2)
	}
	defer v.Close()
	_, err := v.SpoilUnconfirmedPieces(ctx, "restart")
	require.NoError(t, err)
	require.NoError(t, v.Verify(ctx))

	rep, err := v.Report(ctx)
	require.NoError(t, err)
	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	seq, head, err := v.AuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, Report{Registers: regs.Readings(), AuditSeq: seq, AuditHead: head}, rep)
	assert.Equal(t, (100 * Dollar).Mills(), rep.Registers.ControlMills)
}

func TestVaultWithAnotherDeviceKeyIsRefused(t *testing.T) {
	v, path := openTestVault(t)
	fill(t, v, 10*Dollar)
	require.NoError(t, v.Close())
	_, err := OpenVault(context.Background(), path, VaultOptions{Keys: testKeys(t, t.TempDir()), Serial: testSerial})
	var ve *VerifyError
	require.True(t, errors.As(err, &ve), "got %v", err)
	assert.Equal(t, "audit chain", ve.Check)
}

func TestPlantedSplitApply(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, id, 50*Dollar, "ann"))
	var between error
	split := PlantedSplitApply(func() { between = v.Verify(ctx) })
	applied, err := split(ctx, v, id, testGrant(id, 50*Dollar))
	require.NoError(t, err)
	assert.True(t, applied)
	var ve *VerifyError
	require.True(t, errors.As(between, &ve), "between the commits the vault is inconsistent: %v", between)
	assert.Equal(t, "control register", ve.Check)
	require.NoError(t, v.Verify(ctx), "both commits done, the vault is whole again")
	_, err = PlantedSplitApply(nil)(ctx, v, id, SignedAnswer{})
	assert.NoError(t, err, "an applied refill is not applied again")
}
