package datacenter_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// pgNonces counts the nonce rows of the PostgreSQL database at loc.
func pgNonces(t *testing.T, loc string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, loc)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT COUNT(*) FROM nonce`).Scan(&n))
	return n
}

// On PostgreSQL a request only stores its nonce; a sweep of its own drops the expired ones. A nonce the
// sweep keeps still refuses its replay, and a swept one cannot be replayed either: its signature is stale.
func TestExpiredNoncesAreSweptAndLiveOnesStillRefuseReplays(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	st := h.store.(*datacenter.PostgresStore)
	m := h.meter(m1)
	nonce, at := funds.NewNonce(), h.clock.Now()
	balance := request{method: http.MethodPost, path: "/v1/meters/" + m1 + "/account", body: reportBody(m), nonce: nonce, at: at}
	require.Equal(t, http.StatusOK, m.send(balance).status)
	stored := pgNonces(t, h.path)
	require.Positive(t, stored)

	dropped, err := datacenter.SweepNonces(st)
	require.NoError(t, err)
	assert.Zero(t, dropped, "no nonce has expired yet")
	assert.Equal(t, stored, pgNonces(t, h.path))
	m.send(balance).errorBody(t, http.StatusUnauthorized, funds.CodeReplayed)

	h.clock.Advance(funds.SignatureWindow + time.Millisecond)
	dropped, err = datacenter.SweepNonces(st)
	require.NoError(t, err)
	assert.EqualValues(t, stored, dropped, "every nonce stored so far has expired")
	assert.Zero(t, pgNonces(t, h.path))
	m.send(balance).errorBody(t, http.StatusUnauthorized, funds.CodeStaleRequest) // forgotten, but stale

	fresh := balance
	fresh.nonce, fresh.at = funds.NewNonce(), h.clock.Now()
	require.Equal(t, http.StatusOK, m.send(fresh).status)
	assert.Equal(t, 1, pgNonces(t, h.path))
}

// Each Data Center process sweeps on its own, every PostgresOptions.NonceSweep, with no request to start it.
func TestNonceSweepRunsOnItsOwn(t *testing.T) {
	h := newHarnessOn(t, postgresBackend)
	m := h.meter(m1)
	require.Equal(t, http.StatusOK, m.balance().status)
	require.Positive(t, pgNonces(t, h.path))
	h.clock.Advance(funds.SignatureWindow + time.Millisecond)

	st, err := datacenter.OpenPostgres(context.Background(), h.path, datacenter.PostgresOptions{
		Now: h.clock.Now, Logger: slog.New(slog.DiscardHandler), NonceSweep: 10 * time.Millisecond})
	require.NoError(t, err)
	defer st.Close()
	require.Eventually(t, func() bool { return pgNonces(t, h.path) == 0 }, 10*time.Second, 10*time.Millisecond)
}
