package meter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// autoRig is a rig with $100.00 in the meter and auto-refill on: below $90.00 add $50.00, at most
// perDay refills and perDayAmount a day.
func autoRig(t *testing.T, perDay int, perDayAmount funds.Amount) *rig {
	r := newRig(t)
	_, err := r.m.Refill(r.ctx, r.super, 100*funds.Dollar, nil)
	require.NoError(t, err)
	require.NoError(t, r.m.SetAutoRefill(r.ctx, r.super, AutoRefillSettings{On: true, Threshold: 90 * funds.Dollar,
		Amount: 50 * funds.Dollar, MaxPerDay: perDay, MaxPerDayAmount: perDayAmount}))
	return r
}

// printDollars prints one piece of d dollars and waits for any auto-refill it started.
func (r *rig) printDollars(d int64) error {
	r.t.Helper()
	_, err := r.m.PrintPiece(r.ctx, r.oper, Job{KeyedPostage: funds.Amount(d) * funds.Dollar}, MediumEnvelope)
	r.m.WaitAutoRefill()
	return err
}

// autoRefills are the vault's refills the meter started by itself, oldest first.
func (r *rig) autoRefills() []funds.Refill {
	r.t.Helper()
	all, err := r.vault.Refills(r.ctx, -1)
	require.NoError(r.t, err)
	var out []funds.Refill
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Actor == funds.AutoRefillActor {
			out = append(out, all[i])
		}
	}
	return out
}

func warningOf(t *testing.T, r *rig, kind WarningKind) *Warning {
	t.Helper()
	ws, err := r.m.Warnings(r.ctx)
	require.NoError(t, err)
	for _, w := range ws {
		if w.Kind == kind {
			return &w
		}
	}
	return nil
}

func TestAutoRefillSettingsNeedTheRightAndAreStoredTogether(t *testing.T) {
	r := newRig(t)
	want := AutoRefillSettings{On: true, Threshold: 40 * funds.Dollar, Amount: 200 * funds.Dollar, MaxPerDay: 3,
		MaxPerDayAmount: 500 * funds.Dollar}
	var noRights *NoRightsError
	require.ErrorAs(t, r.m.SetAutoRefill(r.ctx, r.oper, want), &noRights)
	got, err := r.m.AutoRefillSettings(r.ctx)
	require.NoError(t, err)
	assert.False(t, got.On, "auto-refill starts off")
	assert.Equal(t, DefaultLowFundsWarning, got.Threshold)

	head, _, err := r.vault.AuditHead(r.ctx)
	require.NoError(t, err)
	require.NoError(t, r.m.SetAutoRefill(r.ctx, r.super, want))
	got, err = r.m.AutoRefillSettings(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	// The threshold and amount are the refill settings' figures, not copies of them.
	set, err := r.m.Settings(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, Settings{LowFundsWarning: want.Threshold, DefaultRefill: want.Amount}, set)
	entries, err := r.vault.AuditLog(r.ctx, head+1, 10)
	require.NoError(t, err)
	require.Len(t, entries, 3, "one audit entry per setting, all in one transaction")
	for _, e := range entries {
		assert.Equal(t, "Sue", e.Actor)
		assert.Equal(t, "setting", e.Kind)
		assert.Equal(t, entries[0].At, e.At, "one transaction, one time")
	}
	require.NoError(t, r.vault.Verify(r.ctx))

	for name, tc := range map[string]struct {
		change func(*AutoRefillSettings)
		reason MessageID
	}{
		"no refill a day":        {func(a *AutoRefillSettings) { a.MaxPerDay = 0 }, MsgAutoPerDayRange},
		"too many a day":         {func(a *AutoRefillSettings) { a.MaxPerDay = MaxAutoRefillsPerDay + 1 }, MsgAutoPerDayRange},
		"a day below one refill": {func(a *AutoRefillSettings) { a.MaxPerDayAmount = 100 * funds.Dollar }, MsgAutoPerDayAmount},
		"negative threshold":     {func(a *AutoRefillSettings) { a.Threshold = -funds.Dollar }, MsgAutoNegativeThreshold},
	} {
		t.Run(name, func(t *testing.T) {
			bad := want
			tc.change(&bad)
			var e *AutoSettingsError
			require.ErrorAs(t, r.m.SetAutoRefill(r.ctx, r.super, bad), &e)
			assert.Equal(t, tc.reason, e.Reason)
			assert.Equal(t, Words(MsgAutoSettingsTitle), Explain(e).Title)
			assert.NotContains(t, Explain(e).Text, "auto-refill settings:", "the clerk reads the catalogue, not Go")
		})
	}
	// Outside the Data Center's refill limits ($10.00 to $5,000.00 for the rig's meter, known after a refill).
	_, err = r.m.Refill(r.ctx, r.super, 20*funds.Dollar, nil)
	require.NoError(t, err)
	bad := want
	bad.Amount = 6000 * funds.Dollar
	bad.MaxPerDayAmount = 9000 * funds.Dollar
	var limits *OutOfLimitsError
	require.ErrorAs(t, r.m.SetAutoRefill(r.ctx, r.super, bad), &limits)
}

func TestAutoRefillAddsOnceBelowTheThresholdWithinTheDaysLimits(t *testing.T) {
	r := autoRig(t, 2, 500*funds.Dollar)
	require.NoError(t, r.printDollars(5)) // $95.00: above the threshold
	assert.Empty(t, r.autoRefills())
	assert.Nil(t, warningOf(t, r, WarnAutoRefill))

	require.NoError(t, r.printDollars(10)) // $85.00: below, so $50.00 is added
	auto := r.autoRefills()
	require.Len(t, auto, 1)
	assert.Equal(t, funds.RefillConfirmed, auto[0].State)
	assert.Equal(t, 135*funds.Dollar, r.registers().Available)
	r.consistent()
	w := warningOf(t, r, WarnAutoRefill)
	require.NotNil(t, w, "Home says what auto-refill did")
	assert.Equal(t, "Auto-refill added $50.00 at 10:00 AM.", w.Message)

	lines, err := r.m.LastRefills(r.ctx, 5)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	assert.True(t, lines[0].Automatic)
	assert.Equal(t, "Auto-refill", lines[0].User)
	assert.False(t, lines[1].Automatic, "the manual refill stays the supervisor's")
	doc, err := r.m.RefillReceipt(r.ctx, r.super)
	require.NoError(t, err)
	assert.Contains(t, doc.Fields, Field{"Automatic refill", "Yes, started by the meter"})
	assert.Contains(t, doc.Fields, Field{"Refill performed by", "Auto-refill"})

	// The second of the day, then the limit: no third refill, and Home says what to do.
	require.NoError(t, r.printDollars(50)) // $85.00 again
	require.Len(t, r.autoRefills(), 2)
	require.NoError(t, r.printDollars(50))
	assert.Len(t, r.autoRefills(), 2, "at most two a day")
	assert.Equal(t, 85*funds.Dollar, r.registers().Available)
	w = warningOf(t, r, WarnAutoRefillFailed)
	require.NotNil(t, w)
	assert.Contains(t, w.Message, "today's limit of 2 refills")
	assert.Equal(t, ActionAddPostage, w.Action)

	// The next day on the meter's clock counts afresh.
	r.clock.Advance(24 * time.Hour)
	r.oper = r.signIn("Oscar", "1357")
	assert.Nil(t, warningOf(t, r, WarnAutoRefillFailed), "yesterday's limit is not today's")
	require.NoError(t, r.printDollars(1))
	auto = r.autoRefills()
	require.Len(t, auto, 3)
	assert.Equal(t, 134*funds.Dollar, r.registers().Available)
	days, err := r.vault.AutoRefillDays(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, "2026-11-25", days[auto[0].ID])
	assert.Equal(t, "2026-11-26", days[auto[2].ID])
	r.consistent()
}

func TestAutoRefillStopsAtTheDaysAmount(t *testing.T) {
	r := autoRig(t, 5, 120*funds.Dollar) // $120.00 a day: two refills of $50.00, not three
	for range 6 {
		require.NoError(t, r.printDollars(15))
	}
	assert.Len(t, r.autoRefills(), 2)
	day, err := r.vault.AutoRefillDay(r.ctx, "2026-11-25")
	require.NoError(t, err)
	assert.Equal(t, funds.AutoDay{Count: 2, Amount: 100 * funds.Dollar}, day)
	// The vault refuses past the limits by itself too, whatever the caller checked.
	err = r.vault.CreateAutoRefill(r.ctx, "0193-test", 50*funds.Dollar, "2026-11-25", funds.AutoLimits{Count: 5, Amount: 120 * funds.Dollar})
	require.ErrorIs(t, err, funds.ErrAutoRefillLimit)
	r.consistent()
}

func TestAutoRefillWithoutTheDataCenterWaitsAndResumesTheSameRefill(t *testing.T) {
	r := autoRig(t, 3, 500*funds.Dollar)
	r.link.SetUp(false)
	require.NoError(t, r.printDollars(20)) // $80.00
	auto := r.autoRefills()
	require.Len(t, auto, 1)
	assert.Equal(t, funds.RefillRequested, auto[0].State, "the intent stays, to be finished or cancelled")
	w := warningOf(t, r, WarnRefillPending)
	require.NotNil(t, w)
	assert.Contains(t, w.Message, "tries again with the first piece after 10:15 AM")

	// No retry storm: pieces within the wait send nothing and start no second refill.
	for range 3 {
		require.NoError(t, r.printDollars(1))
	}
	assert.Len(t, r.autoRefills(), 1)
	assert.Equal(t, funds.RefillRequested, r.autoRefills()[0].State)

	// Back online after the wait: the next piece finishes the same refill, never a second one.
	r.link.SetUp(true)
	r.clock.Advance(AutoRefillRetryAfter)
	require.NoError(t, r.printDollars(1))
	auto = r.autoRefills()
	require.Len(t, auto, 1)
	assert.Equal(t, funds.RefillConfirmed, auto[0].State)
	assert.Equal(t, 126*funds.Dollar, r.registers().Available)
	r.consistent()
}

func TestAutoRefillNeverWhileAManualRefillIsPending(t *testing.T) {
	r := autoRig(t, 3, 500*funds.Dollar)
	r.link.SetUp(false)
	_, err := r.m.Refill(r.ctx, r.super, 30*funds.Dollar, nil)
	var pending *funds.PendingRefillError
	require.ErrorAs(t, err, &pending)
	r.link.SetUp(true)
	require.NoError(t, r.printDollars(20))
	assert.Empty(t, r.autoRefills(), "the clerk's refill is theirs to finish or cancel first")
	p, err := r.m.PendingRefill(r.ctx)
	require.NoError(t, err)
	require.NotNil(t, p)
	assert.Equal(t, pending.Refill.ID, p.ID)
	r.consistent()
}

func TestAutoRefillOffOrAboveTheThresholdDoesNothing(t *testing.T) {
	r := autoRig(t, 3, 500*funds.Dollar)
	a, err := r.m.AutoRefillSettings(r.ctx)
	require.NoError(t, err)
	a.On = false
	require.NoError(t, r.m.SetAutoRefill(r.ctx, r.super, a))
	require.NoError(t, r.printDollars(60))
	assert.Empty(t, r.autoRefills())
	assert.Nil(t, warningOf(t, r, WarnAutoRefill))
	assert.NotNil(t, warningOf(t, r, WarnLowFunds), "the low-funds warning still says what to do")
}

func TestAutoRefillAfterARefusedPiece(t *testing.T) {
	r := autoRig(t, 3, 500*funds.Dollar)
	require.NoError(t, r.printDollars(95)) // $5.00, and an auto-refill: $55.00
	require.Len(t, r.autoRefills(), 1)
	require.NoError(t, r.printDollars(50)) // $5.00 again, a second: $55.00
	// A piece the meter cannot pay for prints nothing, but starts the refill that lets the next one print.
	a, err := r.m.AutoRefillSettings(r.ctx)
	require.NoError(t, err)
	a.Threshold = 0
	require.NoError(t, r.m.SetAutoRefill(r.ctx, r.super, a))
	require.NoError(t, r.printDollars(55)) // $0.00: not below $0.00, no refill
	assert.Len(t, r.autoRefills(), 2)
	a.Threshold = 10 * funds.Dollar
	require.NoError(t, r.m.SetAutoRefill(r.ctx, r.super, a))
	var short *funds.InsufficientFundsError
	require.ErrorAs(t, r.printDollars(20), &short)
	assert.Len(t, r.autoRefills(), 3)
	require.NoError(t, r.printDollars(20))
	assert.Equal(t, 30*funds.Dollar, r.registers().Available)
	r.consistent()
}

func TestAutoRefillDeclinedSaysWhyAndDoesNotAskAgainAtOnce(t *testing.T) {
	r := autoRig(t, 3, 500*funds.Dollar)
	require.NoError(t, r.store.SetLocked(r.ctx, rigAccount, true))
	require.NoError(t, r.printDollars(20)) // $80.00: declined
	auto := r.autoRefills()
	require.Len(t, auto, 1)
	assert.Equal(t, funds.RefillClosed, auto[0].State, "abandoned and voided: nothing added")
	w := warningOf(t, r, WarnAutoRefillFailed)
	require.NotNil(t, w)
	assert.Contains(t, w.Message, "The Data Center declined the auto-refill of $50.00.")
	assert.Contains(t, w.Message, Explain(&funds.DeclinedError{Decline: funds.Decline{Code: funds.CodeAccountLocked}}).Text)
	assert.NotNil(t, warningOf(t, r, WarnLowFunds), "Add postage stays on Home")

	// No retry storm: within the wait, pieces ask nothing.
	require.NoError(t, r.store.SetLocked(r.ctx, rigAccount, false))
	for range 3 {
		require.NoError(t, r.printDollars(1))
	}
	assert.Len(t, r.autoRefills(), 1)
	r.clock.Advance(AutoRefillRetryAfter)
	r.oper = r.signIn("Oscar", "1357")
	require.NoError(t, r.printDollars(1))
	auto = r.autoRefills()
	require.Len(t, auto, 2)
	assert.Equal(t, funds.RefillConfirmed, auto[1].State)
	assert.Nil(t, warningOf(t, r, WarnAutoRefillFailed), "a refill that worked clears the failure")
	day, err := r.vault.AutoRefillDay(r.ctx, "2026-11-25")
	require.NoError(t, err)
	assert.Equal(t, funds.AutoDay{Count: 1, Amount: 50 * funds.Dollar}, day, "the declined one gave its place back")
	r.consistent()
}
