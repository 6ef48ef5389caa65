package meter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// TestSeedArticle follows ../shared/seed/refill-article.txt step by step through the core, against a
// real Data Center on loopback, and checks the registers and the account after each step.
func TestSeedArticle(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	dollars := func(n int64) funds.Amount { return funds.Amount(n) * funds.Dollar }

	// "Before you begin: make sure your meter is connected to the internet."
	require.True(t, r.link.Up())

	// Step 1, first way: Funds on the Home screen opens the Meter Funds tab.
	view, err := r.m.Funds(ctx, r.super)
	require.NoError(t, err)
	assert.Equal(t, funds.Registers{}, view.Registers, "a new meter holds nothing")
	assert.Nil(t, view.Account, "the account balance shows only after Get Balance")

	// Step 1, second way: "Postage in meter" at the bottom of Run Mail shows the same figure and opens Funds.
	runMail, err := r.m.EnterRunMail(ctx, r.super)
	require.NoError(t, err)
	assert.Equal(t, view.Registers.Available, runMail.PostageInMeter)

	// Step 1, third way: the low funds warning offers Add Postage to Meter ...
	require.NotEmpty(t, runMail.Warnings)
	low := runMail.Warnings[0]
	assert.Equal(t, WarnLowFunds, low.Kind)
	assert.Equal(t, ActionAddPostage, low.Action)
	// ... and the insufficient funds error offers Refill My Meter, debiting nothing.
	_, err = r.m.PrintPiece(ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	var insufficient *funds.InsufficientFundsError
	require.ErrorAs(t, err, &insufficient)
	assert.Contains(t, Explain(err).Actions, ActionRefillMyMeter)
	assert.Equal(t, funds.Registers{}, r.registers())

	// "If you see a lock symbol next to Add Postage to Meter, you do not have rights to refill the meter."
	assert.False(t, r.m.Can(r.oper, RightRefill), "the operator sees the lock")
	assert.True(t, r.m.Can(r.super, RightRefill))
	_, err = r.m.RefillOptions(ctx, r.oper)
	assert.ErrorIs(t, err, ErrNoRights)
	_, err = r.m.Refill(ctx, r.oper, dollars(50), nil)
	assert.ErrorIs(t, err, ErrNoRights, "the core refuses even if a screen forgot the lock")
	assert.Equal(t, funds.Amount(0), r.account().Posted)

	// Steps 2-3: Meter Funds tab, Add Postage to Meter: the refill options.
	opts, err := r.m.RefillOptions(ctx, r.super)
	require.NoError(t, err)
	assert.False(t, opts.HasLast, "no last refill amount before the first refill")
	assert.Equal(t, DefaultRefillAmount, opts.Default)

	// Step 4c: Other amount, keyed ATM-style, then OK: the limits come from the Data Center's profile.
	other, err := funds.ParseKeypad("12500")
	require.NoError(t, err)
	bal, err := r.m.GetBalance(ctx, r.super)
	require.NoError(t, err)
	assert.Equal(t, dollars(1000).Mills(), bal.PrepaidMills)
	limits, err := r.m.Limits(ctx)
	require.NoError(t, err)
	assert.Equal(t, Limits{Min: dollars(10), Max: dollars(5000), Known: true}, limits)

	// Step 5: Confirm; the meter connects to the Data Center, adds the postage and says it is finished.
	conf, err := r.m.ConfirmRefill(ctx, r.super, other)
	require.NoError(t, err)
	assert.Equal(t, Confirmation{Amount: dollars(125), AccountNumber: rigAccount, Before: 0, After: dollars(125)}, conf)
	var stages []funds.Stage
	done, err := r.m.Refill(ctx, r.super, other, func(s funds.Stage) { stages = append(stages, s) })
	require.NoError(t, err)
	assert.Equal(t, []funds.Stage{funds.StageConnecting, funds.StageReserving, funds.StageAdding, funds.StageConfirming}, stages)
	assert.Equal(t, dollars(0), done.Before)
	assert.Equal(t, dollars(125), done.Added)
	assert.Equal(t, dollars(125), done.After)
	assert.True(t, done.Confirmed)
	assert.Equal(t, dollars(125), r.registers().Available)
	assert.Equal(t, dollars(875), r.account().Prepaid)
	r.consistent()

	// Step 6: Print receipt: on an envelope (placed on the feed deck, then Start), on tape, on the
	// attached printer. Without an envelope the meter says what to do and prints nothing.
	r.engine.Update(func(st *EngineStatus) { st.EnvelopeOnFeedDeck = false })
	err = r.m.PrintRefillReceipt(ctx, r.super, OnEnvelope)
	assert.ErrorIs(t, err, ErrNoEnvelope)
	assert.Contains(t, err.Error(), "Place an envelope on the feed deck and select Start")
	r.engine.Update(func(st *EngineStatus) { st.EnvelopeOnFeedDeck = true })
	require.NoError(t, r.m.PrintRefillReceipt(ctx, r.super, OnEnvelope))
	require.NoError(t, r.m.PrintRefillReceipt(ctx, r.super, OnTape))
	require.NoError(t, r.m.PrintRefillReceipt(ctx, r.super, OnDocument))
	imps := r.engine.Impressions()
	require.Len(t, imps, 2)
	assert.Equal(t, MediumEnvelope, imps[0].Medium)
	assert.Equal(t, MediumTape, imps[1].Medium)
	receipt := *imps[0].Document
	for label, want := range map[string]string{
		"Refill performed by": "Sue", "Postage in meter before refill": "$0.00", "Refill amount": "$125.00",
		"Postage in meter after refill": "$125.00", "Prepaid balance": "$875.00", "Credit line available": "$500.00",
		"Account number": rigAccount, "Meter number": rigSerial,
		// One date style on receipts as on screens (when.DateTime), not "11/25/2026 10:00".
		"Refill date": "Nov 25, 2026, 10:00 AM", "Printed": "Nov 25, 2026, 10:00 AM",
	} {
		got, ok := receipt.Value(label)
		assert.True(t, ok, label)
		assert.Equal(t, want, got, label)
	}
	require.Len(t, r.printer.Impressions(), 1)
	assert.Equal(t, "Refill Receipt", r.printer.Impressions()[0].Document.Title)
	assert.Equal(t, dollars(125), r.registers().Available, "printing a receipt costs no postage")

	// Step 7: Done returns to Home; the low funds warning is gone now.
	warns, err := r.m.Warnings(ctx)
	require.NoError(t, err)
	assert.Empty(t, warns)

	// Step 4a: Last refill amount adds the same amount as the last refill.
	opts, err = r.m.RefillOptions(ctx, r.super)
	require.NoError(t, err)
	require.True(t, opts.HasLast)
	assert.Equal(t, dollars(125), opts.Last)
	_, err = r.m.Refill(ctx, r.super, opts.Last, nil)
	require.NoError(t, err)
	assert.Equal(t, dollars(250), r.registers().Available)
	assert.Equal(t, dollars(750), r.account().Prepaid)

	// Step 4b: Default refill amount adds the default amount.
	_, err = r.m.Refill(ctx, r.super, opts.Default, nil)
	require.NoError(t, err)
	assert.Equal(t, dollars(350), r.registers().Available)
	assert.Equal(t, dollars(350), r.registers().Control)
	assert.Equal(t, dollars(650), r.account().Prepaid)
	assert.Equal(t, dollars(350), r.account().Posted)
	r.consistent()

	// And the postage now prints: a First-Class letter of 1 oz.
	res, err := r.m.PrintPiece(ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.NoError(t, err)
	assert.Equal(t, dollars(350)-res.Piece.Amount, r.registers().Available)
	r.consistent()
}
