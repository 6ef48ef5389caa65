package datacenter_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/internal/pgtest"
	"postmeter/internal/testenv"
)

// TestFailoverLosesNoAnsweredRefill: a primary with a synchronous standby (each commit waits until the
// standby has it), 120 meters refilling through the PostgreSQL store at once, the primary killed as after
// a power cut while more than a hundred refills are in flight, the standby promoted. The store, which
// lists both servers and wants the one that takes writes, reconnects by itself; every refill the Data
// Center answered before the kill is on the new primary in the state it was answered with (or the next
// one), the refills in flight at the kill finish on the new primary, and the invariants hold.
func TestFailoverLosesNoAnsweredRefill(t *testing.T) {
	if err := pgtest.Available(); err != nil {
		testenv.Missing(t, "%v", err)
	}
	ctx := context.Background()
	primary, err := pgtest.Start(ctx, pgtest.Options{Settings: []string{"synchronous_commit=on", "synchronous_standby_names='*'"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = primary.Stop() })
	standby, err := primary.StartStandby(ctx, pgtest.Options{Settings: []string{"synchronous_commit=on"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = standby.Stop() })

	// The standby really is synchronous: the primary waits for it on every commit.
	conn, err := pgx.Connect(ctx, primary.URL("postgres"))
	require.NoError(t, err)
	var syncState string
	require.Eventually(t, func() bool {
		return conn.QueryRow(ctx, `SELECT sync_state FROM pg_stat_replication`).Scan(&syncState) == nil && syncState == "sync"
	}, 30*time.Second, 10*time.Millisecond, "the standby streams synchronously")
	require.NoError(t, conn.Close(ctx))

	dsn := fmt.Sprintf("host=%s,%s port=%d,%d user=postgres dbname=postgres sslmode=disable "+
		"target_session_attrs=read-write connect_timeout=5", primary.Dir, standby.Dir, primary.Port, standby.Port)
	const meters = 120
	st, err := datacenter.OpenPostgres(ctx, dsn, datacenter.PostgresOptions{Logger: slog.New(slog.DiscardHandler), MaxConns: meters + 10})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	serials := make([]string, meters)
	for i := range serials {
		serials[i] = fmt.Sprintf("FO%06d", i)
		account := fmt.Sprintf("7%07d", i)
		require.NoError(t, st.CreateAccount(ctx, account, 0))
		require.NoError(t, st.Deposit(ctx, account, 100_000*funds.Dollar))
		token, err := st.RegisterMeter(ctx, serials[i], account, funds.Dollar, 5000*funds.Dollar)
		require.NoError(t, err)
		pub, _, err := ed25519.GenerateKey(nil)
		require.NoError(t, err)
		require.NoError(t, st.Enroll(ctx, serials[i], token, pub))
	}

	// answered[i] are meter i's refills and the state the Data Center last answered for each.
	answered := make([]map[string]string, meters)
	var inFlight, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range meters {
		answered[i] = map[string]string{}
		wg.Go(func() {
			serial := serials[i]
			var posted, seq int64
			// call retries one step until the Data Center answers it, as a meter retries with the same id
			// (before the kill too: 120 connections opened at once on two shared cores may time out).
			call := func(fn func() (funds.RefillAnswer, error)) (funds.RefillAnswer, bool) {
				deadline := time.Now().Add(60 * time.Second)
				for {
					inFlight.Add(1)
					ans, err := fn()
					inFlight.Add(-1)
					if err == nil {
						return ans, true
					}
					if time.Now().After(deadline) {
						t.Errorf("meter %s: %v", serial, err)
						return ans, false
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := newID(t)
				seq++
				rep := funds.Report{Registers: funds.RegisterReadings{AvailableMills: posted, ControlMills: posted},
					AuditSeq: seq, AuditHead: fmt.Sprintf("%064x", seq)}
				ans, ok := call(func() (funds.RefillAnswer, error) {
					return st.Reserve(ctx, datacenter.Request{Serial: serial, Nonce: funds.NewNonce(), At: time.Now()}, id, 10*funds.Dollar, rep)
				})
				if !ok {
					return
				}
				answered[i][id] = ans.State
				ans, ok = call(func() (funds.RefillAnswer, error) {
					return st.Post(ctx, datacenter.Request{Serial: serial, Nonce: funds.NewNonce(), At: time.Now()}, id)
				})
				if !ok {
					return
				}
				answered[i][id] = ans.State
				posted += (10 * funds.Dollar).Mills()
				done.Add(1)
			}
		})
	}

	// Let the load build up, then kill the primary while at least a hundred refills are in flight.
	require.Eventually(t, func() bool { return done.Load() >= meters && inFlight.Load() >= 100 }, 60*time.Second, time.Millisecond,
		"a hundred refills in flight")
	atKill := inFlight.Load()
	doneAtKill := done.Load()
	require.NoError(t, primary.Kill())
	require.NoError(t, standby.Promote(ctx))
	// The load goes on against the new primary until every meter has finished a refill after the kill.
	require.Eventually(t, func() bool { return done.Load() >= doneAtKill+meters }, 60*time.Second, 10*time.Millisecond,
		"refills complete on the promoted standby")
	close(stop)
	wg.Wait()
	t.Logf("failover: %d refills in flight at the kill, %d completed before it, %d in all", atKill, doneAtKill, done.Load())
	assert.GreaterOrEqual(t, atKill, int64(100))

	// Everything answered is on the new primary, in the answered state.
	refills, err := st.Refills(ctx)
	require.NoError(t, err)
	stored := map[string]string{}
	for _, r := range refills {
		stored[r.ID] = r.State
	}
	lost := 0
	for i := range meters {
		for id, state := range answered[i] {
			if stored[id] != state {
				lost++
				t.Errorf("meter %s refill %s: answered %s, stored %q", serials[i], id, state, stored[id])
			}
		}
	}
	assert.Zero(t, lost)
	require.NoError(t, st.CheckInvariants(ctx))
	var posted funds.Amount
	for _, r := range refills {
		if r.State == funds.DCPosted {
			posted += r.Amount
		}
	}
	assert.Equal(t, funds.Amount(done.Load())*10*funds.Dollar, posted, "every completed refill is posted, once")
}
