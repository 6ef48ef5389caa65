package datacenter_test

import (
	"crypto/ed25519"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// The server keeps the meters' keys so a request needs no read for its key. A key replaced by a
// re-enrollment (through another replica, or an administrator's tool) grants nothing even while a
// replica still keeps it — the store refuses it in the request's transaction, before anything changes —
// and the new key works at once.
func TestKeptKeysFollowReEnrollment(t *testing.T) { forEachStore(t, testKeptKeys) }

func testKeptKeys(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	m := h.meter(m1)
	require.Equal(t, http.StatusOK, m.balance().status) // the server now keeps m1's key

	token, err := h.store.IssueEnrollmentToken(h.ctx, m1, time.Hour)
	require.NoError(t, err)
	pub, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.NoError(t, h.store.Enroll(h.ctx, m1, token, pub))

	before := h.figures(acctA)
	old := m.reserve(newID(t), 100*dollar) // verified with the kept, replaced key
	require.Equal(t, http.StatusUnauthorized, old.status, string(old.body))
	require.Equal(t, before, h.figures(acctA), "a request signed with a replaced key changed the account")

	m.key = key
	res := m.reserve(newID(t), 100*dollar)
	require.Equal(t, http.StatusOK, res.status, string(res.body))
	require.Equal(t, before.Reserved+funds.Amount(100*dollar), h.figures(acctA).Reserved)

	_, stale, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	m.key = stale // a key the meter never had is refused with the new key kept, too
	require.Equal(t, http.StatusUnauthorized, m.balance().status)
	h.checkInvariants()
}
