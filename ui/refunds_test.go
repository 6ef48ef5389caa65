package ui

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// printPieces prints n letters on tape as user; jam makes each of them jam (spoiled) instead.
func printPieces(t *testing.T, sim *simulator.Simulator, user string, n int, jam bool) []funds.Piece {
	t.Helper()
	ctx := context.Background()
	s, err := sim.SignIn(ctx, user)
	require.NoError(t, err)
	var out []funds.Piece
	for range n {
		if jam {
			sim.Engine.FailNextPrint(meter.ErrJam)
		}
		res, err := sim.Meter.PrintPiece(ctx, s, meter.Job{Class: meter.ClassLetter, Weight: 10}, meter.MediumTape)
		if jam {
			var failed *meter.PrintFailedError
			require.ErrorAs(t, err, &failed)
			out = append(out, failed.Piece)
			sim.Engine.Update(func(st *meter.EngineStatus) { st.Jammed = false })
			continue
		}
		require.NoError(t, err)
		out = append(out, res.Piece)
	}
	return out
}

// buttonsOn counts the visible buttons id on the screen or the dialog on top.
func buttonsOn(a *App, id ID) int {
	objs := visibleUnder(a.meterScreen)
	if a.modal != nil {
		objs = visibleUnder(a.modal)
	}
	n := 0
	for _, o := range objs {
		if b, ok := o.(*Button); ok && b.ID == id {
			n++
		}
	}
	return n
}

// targetsLargeEnough checks every visible button is a comfortable touch target.
func targetsLargeEnough(t *testing.T, a *App) {
	t.Helper()
	for _, o := range visibleUnder(a.meterScreen) {
		if b, ok := o.(*Button); ok {
			assert.GreaterOrEqual(t, b.Size().Height, float32(MinTarget), "button %s", b.ID)
			assert.GreaterOrEqual(t, b.Size().Width, float32(MinTarget), "button %s", b.ID)
		}
	}
}

// A supervisor marks a misprint, claims it with a jammed piece, prints the claim on tape and follows
// it to refunded, all by touch; the vault then holds the mark, the claim and its history, and no
// register moved.
func TestRefundLedgerFromMisprintToRefund(t *testing.T) {
	a, sim := play(t, Scene{Name: "refund-ledger", User: supervisor()})
	ctx := context.Background()
	jammed := printPieces(t, sim, operator(), 1, true)[0]
	printed := printPieces(t, sim, operator(), 1, false)[0]
	before, err := sim.Vault.Registers(ctx)
	require.NoError(t, err)

	tap(t, a, IDReports)
	tap(t, a, IDRefundLedger)
	require.Equal(t, ScreenRefundLedger, a.Screen())
	assert.Equal(t, 1, buttonsOn(a, RefundPiece(jammed.Seq)))
	assert.Zero(t, buttonsOn(a, RefundPiece(printed.Seq)), "a printed piece is good postage until marked")
	targetsLargeEnough(t, a)

	tap(t, a, IDRefundMark)
	require.Equal(t, ScreenRefundMark, a.Screen())
	tap(t, a, RefundMisprinted(printed.Seq))
	require.Equal(t, DialogMisprintReason, a.Modal())
	tap(t, a, MisprintReason(meter.ReasonWrongDate))
	require.Equal(t, ScreenRefundLedger, a.Screen(), "dialog %q", a.Modal())

	tap(t, a, RefundPiece(printed.Seq))
	tap(t, a, RefundPiece(jammed.Seq))
	assert.Equal(t, txt(CapRefundChosen), button(t, a, RefundPiece(jammed.Seq)).Text)
	assert.Equal(t, txt(CapRefundMakeClaim, 2), button(t, a, IDRefundMakeClaim).Text)
	tap(t, a, IDRefundMakeClaim)
	require.Equal(t, ScreenRefundClaim, a.Screen(), "dialog %q", a.Modal())
	targetsLargeEnough(t, a)

	// The applicant printed on the claim, typed on the on-screen keyboard.
	tap(t, a, IDRefundApplicant)
	require.Equal(t, ScreenRefundApplicant, a.Screen())
	typeText(t, a, "Acme Widgets")
	tap(t, a, IDKeyboardOK)
	require.Equal(t, ScreenRefundClaim, a.Screen(), "dialog %q", a.Modal())
	who, err := sim.Meter.RefundApplicant(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Acme Widgets", who)

	tap(t, a, IDRefundPrint)
	require.Equal(t, ScreenRefundClaimPrint, a.Screen())
	tap(t, a, IDPrintTape)
	imps := sim.Engine.Impressions()
	require.NotNil(t, imps[len(imps)-1].Document, "the claim came out on tape")
	assert.Equal(t, "Refund Claim", imps[len(imps)-1].Document.Title)
	applicant, _ := imps[len(imps)-1].Document.Value("Applicant")
	assert.Equal(t, "Acme Widgets", applicant)
	tap(t, a, IDDone)
	require.Equal(t, ScreenRefundClaim, a.Screen())

	assert.Zero(t, buttonsOn(a, IDRefundRefunded), "an open claim is handed in first")
	tap(t, a, IDRefundSubmitted)
	tap(t, a, IDRefundRefunded)
	require.Equal(t, ScreenRefundClaim, a.Screen(), "dialog %q", a.Modal())
	assert.Zero(t, buttonsOn(a, IDRefundRefused), "refunded is final")

	// The vault after the screens.
	claims, total, err := sim.Vault.Claims(ctx, 0, -1)
	require.NoError(t, err)
	require.Equal(t, 1, total)
	c, err := sim.Vault.Claim(ctx, claims[0].ID)
	require.NoError(t, err)
	assert.Equal(t, funds.ClaimRefunded, c.State)
	assert.Equal(t, jammed.Amount+printed.Amount, c.Total)
	assert.Equal(t, supervisor(), c.UpdatedBy)
	p, err := sim.Vault.PieceBySeq(ctx, printed.Seq)
	require.NoError(t, err)
	assert.Equal(t, funds.PiecePrinted, p.State, "the mark sits beside the piece; the piece stays printed")
	sp, ok, err := sim.Vault.SpoiledPiece(ctx, printed.Seq)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "Wrong date", sp.Reason)
	after, err := sim.Vault.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "refund bookkeeping moves no register")
	require.NoError(t, sim.Vault.Verify(ctx))
	consistent(t, sim)
}

// Seven spoiled pieces page four and three, turned by buttons; an operator without the right sees the
// lock on Make claim and the core's refusal, and no claim is made.
func TestRefundLedgerPagesAndTheOperatorMeetsTheLock(t *testing.T) {
	a, sim := play(t, Scene{Name: "refund-pages", User: operator()})
	pieces := printPieces(t, sim, operator(), 7, true)
	tap(t, a, IDReports)
	tap(t, a, IDRefundLedger)
	assert.Equal(t, 1, buttonsOn(a, RefundPiece(pieces[6].Seq)), "newest first")
	assert.Equal(t, 1, buttonsOn(a, RefundPiece(pieces[3].Seq)))
	assert.Zero(t, buttonsOn(a, RefundPiece(pieces[2].Seq)))
	assert.True(t, button(t, a, IDRefundPrevPage).Disabled())
	tap(t, a, IDRefundNextPage)
	assert.Equal(t, 1, buttonsOn(a, RefundPiece(pieces[0].Seq)))
	assert.Equal(t, 1, buttonsOn(a, RefundPiece(pieces[2].Seq)))
	assert.Zero(t, buttonsOn(a, RefundPiece(pieces[3].Seq)))
	assert.True(t, button(t, a, IDRefundNextPage).Disabled())
	targetsLargeEnough(t, a)

	tap(t, a, RefundPiece(pieces[0].Seq))
	assert.Equal(t, iconLock, button(t, a, IDRefundMakeClaim).Icon)
	tap(t, a, IDRefundMakeClaim)
	assert.Equal(t, MessageDialog(meter.MsgNoRights), a.Modal())
	_, total, err := sim.Vault.Claims(context.Background(), 0, -1)
	require.NoError(t, err)
	assert.Zero(t, total)
}

// Home warns from seven days before an unclaimed piece's deadline, and its button opens the ledger.
func TestRefundDeadlineWarningOnHome(t *testing.T) {
	a, sim := play(t, Scene{Name: "refund-warning", User: supervisor()})
	ctx := context.Background()
	printPieces(t, sim, operator(), 1, true)
	home := func(days int) {
		t.Helper()
		sim.PassTime(ctx, time.Duration(days)*24*time.Hour)
		s, err := sim.SignIn(ctx, supervisor())
		require.NoError(t, err)
		a.act(func() { a.SignInAs(s) })
		a.Settle()
		require.Equal(t, ScreenHome, a.Screen())
	}
	home(52)
	assert.Zero(t, buttonsOn(a, IDOpenRefundLedger), "eight days before the deadline")
	home(1)
	require.Equal(t, 1, buttonsOn(a, IDOpenRefundLedger), "seven days before the deadline")
	tap(t, a, IDOpenRefundLedger)
	assert.Equal(t, ScreenRefundLedger, a.Screen())
}
