package funds

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The test Data Center key: the tests sign grants and contact receipts with it by hand.
var testDCKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

const testSerial = "PM-TEST-0001"

// testKeys opens (or makes) the meter keys in dir, with the test Data Center key pinned.
func testKeys(t testing.TB, dir string) *FileKeys {
	t.Helper()
	k, err := OpenFileKeys(dir)
	require.NoError(t, err)
	require.NoError(t, k.PinDataCenter(testDCKey.Public().(ed25519.PublicKey)))
	return k
}

// testVaultOptions are the options of the vault at path; its keys live beside it, so a reopen finds them.
func testVaultOptions(t testing.TB, path string) VaultOptions {
	return VaultOptions{Keys: testKeys(t, filepath.Join(filepath.Dir(path), "keys")), Serial: testSerial}
}

// signAnswer signs body as the Data Center would answer this meter with status.
func signAnswer(key ed25519.PrivateKey, serial string, status int, body any) SignedAnswer {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // plain structs always encode
	}
	a := SignedAnswer{Serial: serial, Nonce: NewNonce(), Status: status, Body: b}
	a.Signature = ed25519.Sign(key, a.Message())
	return a
}

// testGrant is the test Data Center's answer reserving refill id of amount for the test meter.
func testGrant(id string, amount Amount) SignedAnswer {
	return signAnswer(testDCKey, testSerial, 200, RefillAnswer{Serial: testSerial, Time: time.Now().UTC(),
		ID: id, State: DCReserved, AmountMills: amount.Mills()})
}

// testReceipt is a signed balance inquiry answered at at.
func testReceipt(at time.Time) SignedAnswer {
	return signAnswer(testDCKey, testSerial, 200, AccountBalance{Serial: testSerial, Time: at})
}

// grantFor signs a grant for the stored refill id.
func grantFor(t testing.TB, v *Vault, id string) SignedAnswer {
	t.Helper()
	r, err := v.Refill(context.Background(), id)
	require.NoError(t, err)
	return testGrant(id, r.Amount)
}
