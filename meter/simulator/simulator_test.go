package simulator

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
)

func TestStartCreatesDemoDataOnceAndRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sim, err := Start(ctx, Options{Dir: dir, Printer: true})
	require.NoError(t, err)
	regs, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, DemoFirstRefill, regs.Available)
	acct, err := sim.Store.Account(ctx, DemoAccount)
	require.NoError(t, err)
	assert.Equal(t, DemoPrepaid-DemoFirstRefill, acct.Prepaid)
	op, err := sim.SignIn(ctx, DemoOperator)
	require.NoError(t, err)
	assert.False(t, sim.Meter.Can(op, meter.RightRefill), "the demo operator meets the lock")
	require.NoError(t, sim.Close())

	sim, err = Start(ctx, Options{Dir: dir})
	require.NoError(t, err)
	defer sim.Close()
	regs, err = sim.Meter.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, DemoFirstRefill, regs.Available, "a restart keeps the meter and adds no second demo refill")
	require.NoError(t, sim.Store.CheckInvariants(ctx))
	require.NoError(t, sim.Vault.Verify(ctx))
}

// TestUnknownModelWritesNothing: an unknown model is refused before the folder is made, so the next
// start with a known model makes the demo data (a half-made folder once left it without any).
func TestUnknownModelWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	_, err := Start(ctx, Options{Dir: dir, Model: "P9999"})
	require.ErrorIs(t, err, meter.ErrUnknownModel)
	assert.Contains(t, err.Error(), meter.DefaultModel, "the refusal names the known models")
	_, statErr := os.Stat(dir)
	assert.True(t, os.IsNotExist(statErr), "nothing written for an unknown model: %v", statErr)

	sim, err := Start(ctx, Options{Dir: dir})
	require.NoError(t, err)
	defer sim.Close()
	regs, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, DemoFirstRefill, regs.Available, "the next start has the demo data")
}

func TestFaultsReachTheMeter(t *testing.T) {
	ctx := context.Background()
	sim, err := Start(ctx, Options{Dir: t.TempDir(), FirstRefill: -1})
	require.NoError(t, err)
	defer sim.Close()
	sup, err := sim.SignIn(ctx, DemoSupervisor)
	require.NoError(t, err)

	sim.Faults.Set(DCDown, 0)
	_, err = sim.Meter.Refill(ctx, sup, 20*funds.Dollar, nil)
	assert.ErrorIs(t, err, funds.ErrNoConnection)
	require.NoError(t, sim.Meter.AbandonPending(ctx, sup))
	sim.Faults.Set(DCNormal, 0)
	_, err = sim.Meter.GetBalance(ctx, sup) // a contact settles the abandoned refill
	require.NoError(t, err)
	open, err := sim.Vault.OpenRefills(ctx)
	require.NoError(t, err)
	assert.Empty(t, open)

	// The Data Center commits the reserve but the answer is lost: the meter keeps the refill pending,
	// and completes it exactly once when the answers come back.
	sim.Faults.Set(DCDropResponse, 0)
	_, err = sim.Meter.Refill(ctx, sup, 30*funds.Dollar, nil)
	assert.ErrorIs(t, err, funds.ErrNoConnection)
	sim.Faults.Set(DCNormal, 0)
	c, err := sim.Meter.CompletePending(ctx, sup, nil)
	require.NoError(t, err)
	assert.Equal(t, 30*funds.Dollar, c.After)

	sim.Faults.Set(DCSlow, 50*time.Millisecond)
	start := time.Now()
	_, err = sim.Meter.GetBalance(ctx, sup)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	sim.Link.SetUp(false)
	_, err = sim.Meter.GetBalance(ctx, sup)
	assert.ErrorIs(t, err, funds.ErrNoConnection)
	require.NoError(t, sim.Store.CheckInvariants(ctx))
	acct, err := sim.Store.Account(ctx, DemoAccount)
	require.NoError(t, err)
	assert.Equal(t, funds.Amount(0), acct.Reserved)
	assert.Equal(t, 30*funds.Dollar, acct.Posted)
}
