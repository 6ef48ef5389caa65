package funds

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAutoRefillLimitsAreCheckedWhereTheIntentIsStored(t *testing.T) {
	ctx := context.Background()
	dc := newFakeDC(1000 * Dollar)
	r := newTestRefiller(t, dc)
	v := r.Vault
	lim := AutoLimits{Count: 2, Amount: 120 * Dollar}

	require.NoError(t, v.CreateAutoRefill(ctx, "auto-1", 50*Dollar, "2026-11-25", lim))
	// Never two at once: the first is still requested.
	require.ErrorIs(t, v.CreateAutoRefill(ctx, "auto-2", 50*Dollar, "2026-11-25", lim), ErrRefillPending)
	require.ErrorIs(t, v.CreateRefill(ctx, "manual-1", 50*Dollar, "ann"), ErrRefillPending)
	_, err := r.Resume(ctx, "auto-1", nil)
	require.NoError(t, err)

	// $50.00 + $50.00 = $100.00 stays within $120.00; a third would pass it.
	require.NoError(t, v.CreateAutoRefill(ctx, "auto-2", 50*Dollar, "2026-11-25", lim))
	_, err = r.Resume(ctx, "auto-2", nil)
	require.NoError(t, err)
	var limit *AutoLimitError
	require.ErrorAs(t, v.CreateAutoRefill(ctx, "auto-3", 10*Dollar, "2026-11-25", AutoLimits{Count: 2, Amount: 500 * Dollar}), &limit)
	assert.Equal(t, AutoDay{Count: 2, Amount: 100 * Dollar}, limit.Used)
	require.ErrorIs(t, v.CreateAutoRefill(ctx, "auto-3", 30*Dollar, "2026-11-25", AutoLimits{Count: 5, Amount: 120 * Dollar}), ErrAutoRefillLimit)
	_, err = v.Refill(ctx, "auto-3")
	require.ErrorIs(t, err, ErrUnknownRefill, "a refused auto-refill stores nothing")

	// Another day counts afresh; an abandoned auto-refill (declined) gives its place back.
	require.NoError(t, v.CreateAutoRefill(ctx, "auto-4", 50*Dollar, "2026-11-26", lim))
	require.NoError(t, r.Abandon(ctx, "auto-4"))
	day, err := v.AutoRefillDay(ctx, "2026-11-26")
	require.NoError(t, err)
	assert.Equal(t, AutoDay{}, day)

	days, err := v.AutoRefillDays(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"auto-1": "2026-11-25", "auto-2": "2026-11-25", "auto-4": "2026-11-26"}, days)
	last, ok, err := v.LastAutoRefill(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "auto-4", last.ID)
	assert.Equal(t, AutoRefillActor, last.Actor)
	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 100*Dollar, regs.Control)
	require.NoError(t, v.Verify(ctx))

	// The record of which refills were automatic is never changed or deleted.
	_, err = v.db.ExecContext(ctx, `UPDATE auto_refills SET day = '2026-11-27' WHERE refill_id = 'auto-1'`)
	require.ErrorContains(t, err, "never changed")
	_, err = v.db.ExecContext(ctx, `DELETE FROM auto_refills WHERE refill_id = 'auto-1'`)
	require.ErrorContains(t, err, "never deleted")
}

func TestSetSettingsIsOneAuditedTransaction(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	seq, _, err := v.AuditHead(ctx)
	require.NoError(t, err)
	require.NoError(t, v.SetSettings(ctx, [][2]string{{"a", "1"}, {"b", "2"}}, "sue"))
	log, err := v.AuditLog(ctx, seq+1, 10)
	require.NoError(t, err)
	require.Len(t, log, 2)
	for _, e := range log {
		assert.Equal(t, "sue", e.Actor)
		assert.Equal(t, "setting", e.Kind)
	}
	// One refused key stores none of them.
	require.Error(t, v.SetSettings(ctx, [][2]string{{"a", "3"}, {contactReceiptKey, "x"}}, "sue"))
	a, _, err := v.Setting(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, "1", a)
	require.NoError(t, v.Verify(ctx))
}
