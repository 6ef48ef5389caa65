package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

const verifySerial = "PM-VERIFY-1"

// historyDir makes a data folder as the trainer keeps it (meter.db, keys/, meter-credentials.json)
// with a generated history of 300 pieces sealed by checkpoints every 100.
func historyDir(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	_, dcKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	require.NoError(t, keys.PinDataCenter(dcKey.Public().(ed25519.PublicKey)))
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: verifySerial, CheckpointEvery: 100})
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
	require.NoError(t, v.GenerateHistory(ctx, funds.HistoryOptions{Pieces: 300, Amount: 500}))
	require.NoError(t, v.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "meter-credentials.json"), []byte(`{"serial":"`+verifySerial+`"}`), 0o600))
	return dir
}

// TestVerifyCommand: `postmeter verify` passes a genuine vault and finds a change to a row older than the
// newest checkpoint, which the meter's open does not look at.
func TestVerifyCommand(t *testing.T) {
	dir := historyDir(t)
	var out, errs bytes.Buffer
	require.Equal(t, 0, run([]string{"verify", "-data", dir}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), "verified: 300 pieces")
	assert.Contains(t, out.String(), "3 checkpoints, the newest entry 606", "one every 100 pieces; the last is the newest entry, so Close added none")

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "meter.db"))
	require.NoError(t, err)
	_, err = db.Exec(`DROP TRIGGER pieces_keep; UPDATE pieces SET state = 'spoiled' WHERE seq = 7`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	out.Reset()
	errs.Reset()
	assert.Equal(t, 1, run([]string{"verify", "-data", dir, "-serial", verifySerial}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), `NOT VERIFIED: check "row history" failed: piece 7 `)

	errs.Reset()
	assert.Equal(t, 2, run([]string{"verify", "-data", t.TempDir()}, &out, &errs), "no serial to check grants against")
	assert.Contains(t, errs.String(), "-serial")
}
