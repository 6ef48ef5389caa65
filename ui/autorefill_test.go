package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
)

// setAmountByKeypad changes an auto-refill amount on its keypad.
func setAmountByKeypad(t *testing.T, a *App, setting, digits string) {
	t.Helper()
	tap(t, a, ChangeSetting(setting))
	require.Equal(t, ScreenAutoRefillKeypad, a.Screen())
	tapDigits(t, a, digits)
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenAutoRefill, a.Screen())
}

func TestAutoRefillSetByTouchThenRefillsAfterAPieceAndShowsOnHome(t *testing.T) {
	a, sim := play(t, Scene{User: supervisor()})
	ctx := context.Background()
	tap(t, a, IDFunds)
	tap(t, a, IDTabRefillSettings)
	assert.Contains(t, a.Texts(), txt("ui.auto.summary-off"))
	tap(t, a, IDAutoRefillSettings)
	require.Equal(t, ScreenAutoRefill, a.Screen())
	tap(t, a, IDAutoRefillOn)
	setAmountByKeypad(t, a, "auto-threshold", "6000")
	setAmountByKeypad(t, a, "auto-amount", "10000")
	setAmountByKeypad(t, a, "auto-per-day-amount", "50000")
	tap(t, a, IDAutoRefillMore) // 2 -> 3 a day

	// Cancel on a keypad keeps the draft's figure.
	tap(t, a, ChangeSetting("auto-amount"))
	tapDigits(t, a, "1")
	tap(t, a, IDKeypadBack)
	require.Equal(t, ScreenAutoRefill, a.Screen())
	assert.Contains(t, a.Texts(), "$100.00")

	stored, err := sim.Meter.AutoRefillSettings(ctx)
	require.NoError(t, err)
	assert.False(t, stored.On, "nothing is stored before Save")
	head, _, err := sim.Vault.AuditHead(ctx)
	require.NoError(t, err)
	tap(t, a, IDAutoRefillSave)
	require.Equal(t, ScreenFundsRefillSettings, a.Screen())
	want := meter.AutoRefillSettings{On: true, Threshold: 60 * funds.Dollar, Amount: 100 * funds.Dollar, MaxPerDay: 3,
		MaxPerDayAmount: 500 * funds.Dollar}
	stored, err = sim.Meter.AutoRefillSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, stored)
	assert.Contains(t, a.Texts(), autoRefillSummary(want))
	entries, err := sim.Vault.AuditLog(ctx, head+1, 10)
	require.NoError(t, err)
	require.Len(t, entries, 3)
	for _, e := range entries {
		assert.Equal(t, supervisor(), e.Actor)
	}

	// A piece from Run Mail takes the $60.00 below the threshold: the meter adds $100.00 by itself.
	tap(t, a, IDHome)
	tap(t, a, IDRunMail)
	tap(t, a, IDStart)
	sim.Meter.WaitAutoRefill()
	a.Settle()
	regs, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 160*funds.Dollar, regs.Control, "the first refill and one auto-refill of $100.00, no more")
	assert.Empty(t, a.Modal(), "no low-funds dialog: the refill is on its way")
	tap(t, a, IDHome)
	assert.Contains(t, strings.Join(a.Texts(), "\n"), "Auto-refill added $100.00 at 10:30 AM.")

	tap(t, a, IDFunds)
	tap(t, a, IDTabLastRefills)
	assert.Contains(t, a.Texts(), meter.Words(meter.MsgAutoRefillBy), "Last refills marks the automatic one")
	refills, err := sim.Vault.Refills(ctx, -1)
	require.NoError(t, err)
	require.NotEmpty(t, refills)
	assert.Equal(t, funds.AutoRefillActor, refills[0].Actor)
	assert.Equal(t, funds.RefillConfirmed, refills[0].State)
	days, err := sim.Vault.AutoRefillDays(ctx)
	require.NoError(t, err)
	assert.Len(t, days, 1)
	consistent(t, sim)
}

func TestAutoRefillSettingsAreASupervisorsToChange(t *testing.T) {
	a, sim := play(t, Scene{User: operator()})
	tap(t, a, IDFunds)
	tap(t, a, IDTabRefillSettings)
	tap(t, a, IDAutoRefillSettings)
	assert.Equal(t, MessageDialog(meter.MsgNoRights), a.Modal(), "the lock explains itself")
	assert.NotEqual(t, ScreenAutoRefill, a.Screen())
	stored, err := sim.Meter.AutoRefillSettings(context.Background())
	require.NoError(t, err)
	assert.False(t, stored.On)
}

func TestAutoRefillSettingsRefusedSayWhatToDo(t *testing.T) {
	a, sim := play(t, Scene{User: supervisor()})
	tap(t, a, IDFunds)
	tap(t, a, IDTabRefillSettings)
	tap(t, a, IDAutoRefillSettings)
	tap(t, a, IDAutoRefillOn)
	setAmountByKeypad(t, a, "auto-per-day-amount", "5000") // $50.00 a day, below one refill of $100.00
	tap(t, a, IDAutoRefillSave)
	assert.Equal(t, MessageDialog(meter.MsgAutoPerDayAmount), a.Modal())
	tap(t, a, dialogAction(meter.ActionOK))
	assert.Equal(t, ScreenAutoRefill, a.Screen(), "the draft stays to be put right")
	assert.Contains(t, a.Texts(), "$50.00")
	stored, err := sim.Meter.AutoRefillSettings(context.Background())
	require.NoError(t, err)
	assert.False(t, stored.On)
	assert.Equal(t, meter.DefaultAutoRefillAmount, stored.MaxPerDayAmount)
}
