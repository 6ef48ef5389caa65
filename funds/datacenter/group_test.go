package datacenter_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// Group commit on PostgreSQL (postgres_group.go): requests of different meters and accounts that arrive
// together share one transaction; a group that cannot commit whole is rolled back and each of its
// requests runs again alone, with the answer it would have had alone.

// groupOf sends the requests at once to a store held until all of them are in one group, and returns
// their responses in order.
func groupOf(t *testing.T, h *harness, sends ...func() response) []response {
	t.Helper()
	st := h.store.(*datacenter.PostgresStore)
	datacenter.HoldGroups(st, len(sends))
	defer datacenter.HoldGroups(st, 0)
	out := make([]response, len(sends))
	var wg sync.WaitGroup
	for i, send := range sends {
		wg.Go(func() { out[i] = send() })
	}
	wg.Wait()
	return out
}

func groupStats(h *harness) (groups, members, fellBack int64) {
	return h.store.(*datacenter.PostgresStore).GroupStats()
}

// assertRanAlone asserts that no group committed and that n requests ran again alone.
func assertRanAlone(t *testing.T, h *harness, n int) {
	t.Helper()
	groups, _, fellBack := groupStats(h)
	assert.Zero(t, groups, "no group committed")
	assert.EqualValues(t, n, fellBack, "each request of the group ran again alone")
}

func TestRequestsOfTwoAccountsCommitAsOneGroup(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	a, b := newID(t), newID(t)
	got := groupOf(t, h,
		func() response { return h.meter(m1).reserve(a, 300*dollar) },
		func() response { return h.meter(m3).reserve(b, 40*dollar) })
	assert.Equal(t, funds.DCReserved, got[0].answer(t).State)
	assert.Equal(t, funds.DCReserved, got[1].answer(t).State)
	groups, members, fellBack := groupStats(h)
	assert.EqualValues(t, 1, groups, "one transaction for both")
	assert.EqualValues(t, 2, members)
	assert.Zero(t, fellBack)

	got = groupOf(t, h, func() response { return h.meter(m1).post(a) }, func() response { return h.meter(m3).post(b) })
	assert.Equal(t, funds.DCPosted, got[0].answer(t).State)
	assert.Equal(t, funds.DCPosted, got[1].answer(t).State)
	groups, _, _ = groupStats(h)
	assert.EqualValues(t, 2, groups)
	status, body := getText(t, h.srv.URL+"/metrics")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "datacenter_store_groups_total 2")
	assert.Contains(t, body, "datacenter_store_grouped_requests_total 4")
	assert.Equal(t, funds.Amount(300*dollar), h.figures(acctA).Posted)
	assert.Equal(t, funds.Amount(40*dollar), h.figures(acctB).Posted)
	h.checkInvariants()
}

// Two meters of one account in one group would decide on the same balance: the group is rolled back and
// each runs alone, so the second sees the first's reserve.
func TestTwoMetersOfOneAccountRunAlone(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	got := groupOf(t, h,
		func() response { return h.meter(m1).reserve(newID(t), 900*dollar) },
		func() response { return h.meter(m2).reserve(newID(t), 200*dollar) })
	// $1,000.00 prepaid and a $500.00 credit line cover both.
	assert.Equal(t, funds.DCReserved, got[0].answer(t).State)
	assert.Equal(t, funds.DCReserved, got[1].answer(t).State)
	assertRanAlone(t, h, 2)
	assert.Equal(t, funds.Amount(1100*dollar), h.figures(acctA).Reserved)
	h.checkInvariants()
}

// A replayed request fails its group; the other request commits alone and the replay is refused, as
// alone.
func TestAReplayInAGroupIsRefusedAndTheOthersCommit(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	m := h.meter(m1)
	nonce := funds.NewNonce()
	balance := request{method: http.MethodPost, path: "/v1/meters/" + m1 + "/account", body: reportBody(m), nonce: nonce, at: h.clock.Now()}
	require.Equal(t, http.StatusOK, m.send(balance).status)
	id := newID(t)
	got := groupOf(t, h,
		func() response { return m.send(balance) },
		func() response { return h.meter(m3).reserve(id, 50*dollar) })
	got[0].errorBody(t, http.StatusUnauthorized, funds.CodeReplayed)
	assert.Equal(t, funds.DCReserved, got[1].answer(t).State)
	assertRanAlone(t, h, 2)
	assert.Equal(t, funds.Amount(50*dollar), h.figures(acctB).Reserved)
	h.checkInvariants()
}

// The server refuses a group's writes (the database's ledger check) after every request has decided:
// nothing of the group commits, the request on the sound account commits alone and the other is refused.
func TestAGroupRefusedAtCommitRunsAlone(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	h.mustExec(t, `UPDATE account_ledger SET posted = posted + 1000 WHERE account_number = '87654321'`)
	before := h.figures(acctB)
	got := groupOf(t, h,
		func() response { return h.meter(m1).reserve(newID(t), 100*dollar) },
		func() response { return h.meter(m3).reserve(newID(t), 50*dollar) })
	assert.Equal(t, funds.DCReserved, got[0].answer(t).State)
	got[1].errorBody(t, http.StatusInternalServerError, funds.CodeInternal)
	assertRanAlone(t, h, 2)
	assert.Equal(t, funds.Amount(100*dollar), h.figures(acctA).Reserved)
	assert.Equal(t, before, h.figures(acctB), "the refused refill changed nothing")
}
