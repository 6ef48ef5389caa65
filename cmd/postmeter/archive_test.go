package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// archivedDir is a trainer's data folder whose vault printed 400 pieces from January 2026 on (two hours
// of its clock at every reading) and then archived its first two months.
func archivedDir(t *testing.T) (dir string, files []string) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	_, dcKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	require.NoError(t, keys.PinDataCenter(dcKey.Public().(ed25519.PublicKey)))
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 2 * time.Hour
	opts := funds.VaultOptions{Keys: keys, Serial: verifySerial, CheckpointEvery: 100,
		Now: func() time.Time { clock = clock.Add(step); return clock }}
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), opts)
	require.NoError(t, err)
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, id, 1000*funds.Dollar, "sue"))
	body, err := json.Marshal(funds.RefillAnswer{Serial: verifySerial, Time: time.Now().UTC(), ID: id, State: funds.DCReserved,
		AmountMills: (1000 * funds.Dollar).Mills()})
	require.NoError(t, err)
	grant := funds.SignedAnswer{Serial: verifySerial, Nonce: funds.NewNonce(), Status: 200, Body: body}
	grant.Signature = ed25519.Sign(dcKey, grant.Message())
	_, err = v.ApplyRefill(ctx, id, grant)
	require.NoError(t, err)
	require.NoError(t, v.GenerateHistory(ctx, funds.HistoryOptions{Pieces: 400, Amount: 500, PerDay: 12}))
	_, err = v.EndBatch(ctx, "sue") // the archive leaves the open batch's pieces live
	require.NoError(t, err)
	clock, step = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 0
	done, err := v.Archive(ctx, funds.ArchiveOptions{Max: 2})
	require.NoError(t, err)
	require.Len(t, done, 2)
	require.NoError(t, v.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "meter-credentials.json"), []byte(`{"serial":"`+verifySerial+`"}`), 0o600))
	return dir, []string{done[0].Path, done[1].Path}
}

// TestVerifyArchiveCommand: an auditor verifies the archive files with the public key `postmeter
// public-key` prints and nothing else, joins them to the live vault with -data, and an edited file fails;
// `postmeter verify` still passes the archived vault and still finds a change to an old live row.
func TestVerifyArchiveCommand(t *testing.T) {
	dir, files := archivedDir(t)
	var out, errs bytes.Buffer
	require.Equal(t, 0, run([]string{"public-key", "-data", dir}, &out, &errs), errs.String())
	key := strings.TrimSpace(out.String())
	assert.Len(t, key, 64)

	out.Reset()
	require.Equal(t, 0, run(append([]string{"verify-archive", "-key", key}, files...), &out, &errs), errs.String())
	assert.Contains(t, out.String(), "verified: period 2026-01")
	assert.Contains(t, out.String(), "verified: period 2026-02")
	assert.Contains(t, out.String(), "the 2 files follow one another")

	keyFile := filepath.Join(t.TempDir(), "meter.pub")
	require.NoError(t, os.WriteFile(keyFile, []byte(key+"\n"), 0o600))
	out.Reset()
	require.Equal(t, 0, run(append([]string{"verify-archive", "-key", keyFile, "-data", dir}, files...), &out, &errs), errs.String())
	assert.Contains(t, out.String(), "recorded by the vault, whose live history continues from it")

	out.Reset()
	assert.Equal(t, 1, run([]string{"verify-archive", "-key", key, files[1], files[0]}, &out, &errs), "out of order")
	assert.Contains(t, out.String(), `check "archive join" failed`)

	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	edited := filepath.Join(t.TempDir(), "edited.pmarchive")
	require.NoError(t, os.WriteFile(edited, bytes.Replace(data, []byte(`"state":"printed"`), []byte(`"state":"spoiled"`), 1), 0o600))
	out.Reset()
	assert.Equal(t, 1, run([]string{"verify-archive", "-key", key, edited}, &out, &errs))
	assert.Contains(t, out.String(), `NOT VERIFIED: check "archive seal" failed`)

	_, other, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	out.Reset()
	assert.Equal(t, 1, run([]string{"verify-archive", "-key", keyHex(other), files[0]}, &out, &errs), "another meter's key")
	assert.Contains(t, out.String(), "NOT VERIFIED")

	out.Reset()
	require.Equal(t, 0, run([]string{"verify", "-data", dir}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), "verified: 400 pieces")

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "meter.db"))
	require.NoError(t, err)
	_, err = db.Exec(`DROP TRIGGER pieces_keep; UPDATE pieces SET state = 'spoiled' WHERE seq = (SELECT MIN(seq) FROM pieces)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	out.Reset()
	assert.Equal(t, 1, run([]string{"verify", "-data", dir}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), `NOT VERIFIED: check "row history" failed`)
}

func keyHex(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
