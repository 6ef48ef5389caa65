package funds

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestRefiller(t testing.TB, dc *fakeDC) *Refiller {
	v, _ := openTestVault(t)
	return &Refiller{Vault: v, DC: dc, Retry: RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond},
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
}

func loseAll(op string) (bool, bool) { return true, false }

func TestRefillSucceeds(t *testing.T) {
	ctx := context.Background()
	dc := newFakeDC(1000 * Dollar)
	r := newTestRefiller(t, dc)
	var stages []Stage
	res, err := r.Refill(ctx, 125*Dollar, "ann", func(s Stage) { stages = append(stages, s) })
	require.NoError(t, err)
	assert.Equal(t, []Stage{StageConnecting, StageReserving, StageAdding, StageConfirming}, stages)
	assert.Equal(t, Amount(0), res.Before)
	assert.Equal(t, 125*Dollar, res.Added)
	assert.Equal(t, 125*Dollar, res.After)
	assert.True(t, res.Confirmed)
	require.NotNil(t, res.Account)
	assert.Equal(t, (875 * Dollar).Mills(), res.Account.PrepaidMills)

	ref, err := r.Vault.Refill(ctx, res.ID)
	require.NoError(t, err)
	assert.Equal(t, RefillConfirmed, ref.State)
	_, posted, err := dc.check()
	require.NoError(t, err)
	assert.Equal(t, map[string]Amount{res.ID: 125 * Dollar}, posted)
	require.NoError(t, r.Vault.Verify(ctx))
}

func TestRefillDeclines(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(dc *fakeDC)
		amount Amount
		is     error
	}{
		{"short of funds", func(dc *fakeDC) {}, 2000 * Dollar, ErrShortOfFunds},
		{"out of limits", func(dc *fakeDC) {}, 50 * Cent, ErrOutOfLimits},
		{"locked account", func(dc *fakeDC) { dc.locked = true }, 10 * Dollar, ErrAccountLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dc := newFakeDC(1000 * Dollar)
			tt.setup(dc)
			r := newTestRefiller(t, dc)
			_, err := r.Refill(ctx, tt.amount, "ann", nil)
			var declined *DeclinedError
			require.ErrorAs(t, err, &declined)
			assert.ErrorIs(t, err, tt.is)
			ref, err := r.Vault.Refill(ctx, declined.RefillID)
			require.NoError(t, err)
			assert.Equal(t, RefillClosed, ref.State, "a declined refill is settled, not left open")
			assert.Equal(t, declined.Decline.Code, ref.DeclineCode)
			regs, _ := r.Vault.Registers(ctx)
			assert.Equal(t, Amount(0), regs.Control)
			_, _, err = dc.check()
			require.NoError(t, err)
		})
	}
}

func TestRefillNoConnectionThenResume(t *testing.T) {
	ctx := context.Background()
	dc := newFakeDC(1000 * Dollar)
	dc.fault = loseAll
	r := newTestRefiller(t, dc)
	_, err := r.Refill(ctx, 100*Dollar, "ann", nil)
	var pending *PendingRefillError
	require.ErrorAs(t, err, &pending)
	assert.ErrorIs(t, err, ErrNoConnection)
	assert.Equal(t, 3, dc.calls, "the reserve is retried as the policy says")
	ref, _ := r.Vault.Refill(ctx, pending.Refill.ID)
	assert.Equal(t, RefillRequested, ref.State, "the intent is kept, never lost")

	_, err = r.Refill(ctx, 5*Dollar, "ann", nil)
	assert.ErrorIs(t, err, ErrNoConnection, "a new refill first settles the pending one, which needs the Data Center")

	dc.fault = nil
	res, err := r.Resume(ctx, pending.Refill.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, 100*Dollar, res.After)
	assert.True(t, res.Confirmed)
	require.NoError(t, r.Vault.Verify(ctx))
}

func TestRefillNoConnectionThenAbandon(t *testing.T) {
	ctx := context.Background()
	dc := newFakeDC(1000 * Dollar)
	// The reserve reaches the Data Center and is held, but every answer is lost.
	dc.fault = func(op string) (bool, bool) { return false, true }
	r := newTestRefiller(t, dc)
	_, err := r.Refill(ctx, 100*Dollar, "ann", nil)
	var pending *PendingRefillError
	require.ErrorAs(t, err, &pending)
	reserved, _, err := dc.check()
	require.NoError(t, err)
	assert.Len(t, reserved, 1, "the Data Center holds the amount it could not confirm")

	require.NoError(t, r.Abandon(ctx, pending.Refill.ID), "abandon succeeds locally even while offline")
	ref, _ := r.Vault.Refill(ctx, pending.Refill.ID)
	assert.Equal(t, RefillAbandoned, ref.State)

	dc.fault = nil
	require.NoError(t, r.Reconcile(ctx))
	ref, _ = r.Vault.Refill(ctx, pending.Refill.ID)
	assert.Equal(t, RefillClosed, ref.State)
	reserved, posted, err := dc.check()
	require.NoError(t, err)
	assert.Empty(t, reserved, "the hold is released")
	assert.Empty(t, posted)
	assert.Equal(t, 1000*Dollar, dc.prepaid)
	regs, _ := r.Vault.Registers(ctx)
	assert.Equal(t, Amount(0), regs.Available)
}

func TestRefillPostLostIsCompletedByReconcile(t *testing.T) {
	ctx := context.Background()
	dc := newFakeDC(1000 * Dollar)
	dc.fault = func(op string) (bool, bool) { return op == "post", false }
	r := newTestRefiller(t, dc)
	res, err := r.Refill(ctx, 100*Dollar, "ann", nil)
	require.NoError(t, err, "the money is in the meter; the post is owed, not a failure")
	assert.False(t, res.Confirmed)
	assert.Equal(t, 100*Dollar, res.After)
	ref, _ := r.Vault.Refill(ctx, res.ID)
	assert.Equal(t, RefillApplied, ref.State)

	dc.fault = nil
	require.NoError(t, r.Reconcile(ctx))
	ref, _ = r.Vault.Refill(ctx, res.ID)
	assert.Equal(t, RefillConfirmed, ref.State)
	_, posted, err := dc.check()
	require.NoError(t, err)
	assert.Equal(t, map[string]Amount{res.ID: 100 * Dollar}, posted)
}

func TestRefillCancelledKeepsIntent(t *testing.T) {
	dc := newFakeDC(1000 * Dollar)
	r := newTestRefiller(t, dc)
	ctx, cancel := context.WithCancel(context.Background())
	dc.fault = func(op string) (bool, bool) { cancel(); return true, false }
	_, err := r.Refill(ctx, 100*Dollar, "ann", nil)
	var pending *PendingRefillError
	require.ErrorAs(t, err, &pending)
	assert.True(t, errors.Is(err, context.Canceled))
	dc.fault = nil
	require.NoError(t, r.Abandon(context.Background(), pending.Refill.ID))
	ref, _ := r.Vault.Refill(context.Background(), pending.Refill.ID)
	assert.Equal(t, RefillClosed, ref.State)
}

// TestOwedPostOrVoidDoesNotBlockANewRefill: an applied refill whose post is owed (its money is in the
// meter) and an abandoned one whose void is owed are settled later by Reconcile; a new refill goes ahead
// while the Data Center cannot be told about them.
func TestOwedPostOrVoidDoesNotBlockANewRefill(t *testing.T) {
	ctx := context.Background()
	dc := newFakeDC(1000 * Dollar)
	r := newTestRefiller(t, dc)
	dc.fault = func(op string) (bool, bool) { return op == "post", false }
	res, err := r.Refill(ctx, 100*Dollar, "ann", nil)
	require.NoError(t, err, "the money is in the meter; the post is owed")
	assert.False(t, res.Confirmed)
	ref, _ := r.Vault.Refill(ctx, res.ID)
	require.Equal(t, RefillApplied, ref.State)

	// A second refill while posts still fail: allowed, and itself applied with its post owed.
	res2, err := r.Refill(ctx, 20*Dollar, "ann", nil)
	require.NoError(t, err)
	assert.Equal(t, 120*Dollar, res2.After)

	// A refill abandoned while the void cannot be sent does not block either.
	dc.fault = loseAll
	_, err = r.Refill(ctx, 5*Dollar, "ann", nil)
	var pending *PendingRefillError
	require.ErrorAs(t, err, &pending)
	require.NoError(t, r.Abandon(ctx, pending.Refill.ID))
	dc.fault = func(op string) (bool, bool) { return op == "post" || op == "void", false }
	res3, err := r.Refill(ctx, 10*Dollar, "ann", nil)
	require.NoError(t, err)
	assert.Equal(t, 130*Dollar, res3.After)

	dc.fault = nil
	require.NoError(t, r.Reconcile(ctx))
	open, err := r.Vault.OpenRefills(ctx)
	require.NoError(t, err)
	assert.Empty(t, open, "everything settled at the next connection")
	_, posted, err := dc.check()
	require.NoError(t, err)
	assert.Len(t, posted, 3)
	require.NoError(t, r.Vault.Verify(ctx))
}
