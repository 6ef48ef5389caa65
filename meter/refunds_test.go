package meter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// jam prints a letter that jams: debited, spoiled, on the ledger.
func jam(t *testing.T, r *rig) funds.Piece {
	t.Helper()
	r.engine.FailNextPrint(ErrJam)
	_, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumTape)
	var failed *PrintFailedError
	require.ErrorAs(t, err, &failed)
	r.engine.Update(func(s *EngineStatus) { s.Jammed = false })
	return failed.Piece
}

func printLetter(t *testing.T, r *rig) funds.Piece {
	t.Helper()
	res, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumTape)
	require.NoError(t, err)
	return res.Piece
}

// refundBody is the catalogue body a refund refusal carries, "" if err is none.
func refundBody(err error) MessageID {
	if m, ok := explainRefund(err); ok {
		return m.ID
	}
	return ""
}

func TestRefundDeadlineCountsSixtyDaysOnTheMeterClock(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	p := jam(t, r)

	page, err := r.m.RefundLedger(r.ctx, r.oper, 0)
	require.NoError(t, err)
	require.Len(t, page.Lines, 1)
	l := page.Lines[0]
	assert.Equal(t, p.Seq, l.Seq)
	assert.Equal(t, CauseFailed, l.Cause)
	assert.Equal(t, "2027-01-24", l.Deadline.Format(time.DateOnly), "60 days after Nov 25, 2026")
	assert.Equal(t, RefundDeadlineDays, l.DaysLeft)

	// On the deadline itself the piece may still be claimed; the day after, no longer.
	r.later(60 * day)
	page, err = r.m.RefundLedger(r.ctx, r.oper, 0)
	require.NoError(t, err)
	assert.Equal(t, 0, page.Lines[0].DaysLeft)
	assert.False(t, page.Lines[0].Expired())
	claimable, err := r.m.Claimable(r.ctx, r.super)
	require.NoError(t, err)
	assert.Len(t, claimable, 1)

	r.later(day)
	claimable, err = r.m.Claimable(r.ctx, r.super)
	require.NoError(t, err)
	assert.Empty(t, claimable)
	_, err = r.m.CreateClaim(r.ctx, r.super, []int64{p.Seq})
	assert.Equal(t, MsgRefundPastDeadline, refundBody(err))
	assert.ErrorIs(t, err, ErrPastDeadline)
	claims, err := r.m.Claims(r.ctx, r.super, 0)
	require.NoError(t, err)
	assert.Zero(t, claims.Total)
}

func TestMarkMisprintedOnlyUntilTheEndOfItsMailingDate(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	first := printLetter(t, r)
	second := printLetter(t, r)
	before := r.registers()

	markable, err := r.m.Markable(r.ctx, r.oper, 0)
	require.NoError(t, err)
	assert.Equal(t, 2, markable.Total)

	// The operator may mark (it moves no money); late in the day still counts.
	r.clock.Advance(13*time.Hour + 59*time.Minute) // 23:59
	r.oper = r.signIn("Oscar", "1357")
	require.NoError(t, r.m.MarkMisprinted(r.ctx, r.oper, first.Seq, ReasonIllegible))
	err = r.m.MarkMisprinted(r.ctx, r.oper, first.Seq, ReasonWrongDate)
	assert.Equal(t, MsgRefundNotPrinted, refundBody(err), "once only")

	r.later(time.Minute) // midnight: the mailing day is over
	err = r.m.MarkMisprinted(r.ctx, r.oper, second.Seq, ReasonIllegible)
	assert.Equal(t, MsgRefundDayOver, refundBody(err))
	markable, err = r.m.Markable(r.ctx, r.oper, 0)
	require.NoError(t, err)
	assert.Zero(t, markable.Total, "yesterday's pieces are no longer offered")
	assert.Equal(t, MsgRefundNoPiece, refundBody(r.m.MarkMisprinted(r.ctx, r.oper, 99, ReasonIllegible)))

	// The vault: the piece row says printed, the mark is its own row, no register moved.
	got, err := r.vault.PieceBySeq(r.ctx, first.Seq)
	require.NoError(t, err)
	assert.Equal(t, funds.PiecePrinted, got.State)
	page, err := r.m.RefundLedger(r.ctx, r.oper, 0)
	require.NoError(t, err)
	require.Len(t, page.Lines, 1)
	assert.Equal(t, CauseMisprinted, page.Lines[0].Cause)
	assert.Equal(t, "Smudged or unreadable", page.Lines[0].Reason)
	assert.Equal(t, "Oscar", page.Lines[0].MarkedBy)
	assert.Equal(t, before, r.registers())
	r.consistent()
}

func TestClaimNeedsTheRightAndHoldsAPieceOnce(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	a, b := jam(t, r), jam(t, r)

	_, err := r.m.CreateClaim(r.ctx, r.oper, []int64{a.Seq})
	var noRights *NoRightsError
	require.ErrorAs(t, err, &noRights, "an operator without the right is refused by the core")
	assert.Equal(t, RightRefundClaims, noRights.Right)
	_, err = r.m.CreateClaim(r.ctx, r.super, nil)
	assert.Equal(t, MsgRefundNoPieces, refundBody(err))

	c, err := r.m.CreateClaim(r.ctx, r.super, []int64{a.Seq, b.Seq})
	require.NoError(t, err)
	assert.Equal(t, funds.ClaimOpen, c.State)
	assert.Equal(t, a.Amount+b.Amount, c.Total)
	assert.Equal(t, "Print failed", c.Reason)
	_, err = r.m.CreateClaim(r.ctx, r.super, []int64{b.Seq})
	assert.Equal(t, MsgRefundClaimed, refundBody(err))

	// The state machine, each step by the core.
	assert.Equal(t, MsgRefundClaimState, refundBody(r.m.SetClaimState(r.ctx, r.super, c.ID, funds.ClaimRefunded)))
	require.ErrorAs(t, r.m.SetClaimState(r.ctx, r.oper, c.ID, funds.ClaimSubmitted), &noRights)
	require.NoError(t, r.m.SetClaimState(r.ctx, r.super, c.ID, funds.ClaimSubmitted))
	require.NoError(t, r.m.SetClaimState(r.ctx, r.super, c.ID, funds.ClaimRefused))
	assert.Equal(t, MsgRefundNoClaim, refundBody(r.m.SetClaimState(r.ctx, r.super, 77, funds.ClaimSubmitted)))

	// Refused: its pieces may be claimed again, in a new claim.
	again, err := r.m.CreateClaim(r.ctx, r.super, []int64{b.Seq})
	require.NoError(t, err)
	require.NoError(t, r.m.SetClaimState(r.ctx, r.super, again.ID, funds.ClaimSubmitted))
	require.NoError(t, r.m.SetClaimState(r.ctx, r.super, again.ID, funds.ClaimRefunded))
	_, err = r.m.CreateClaim(r.ctx, r.super, []int64{b.Seq})
	assert.Equal(t, MsgRefundClaimed, refundBody(err), "a refunded piece is never claimed again")

	claims, err := r.m.Claims(r.ctx, r.oper, 0)
	require.NoError(t, err)
	require.Equal(t, 2, claims.Total)
	assert.Equal(t, []string{funds.ClaimRefunded, funds.ClaimRefused}, []string{claims.Lines[0].State, claims.Lines[1].State})
	r.consistent()
}

func TestRefundWarningFromSevenDaysBeforeTheDeadline(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	p := jam(t, r)
	has := func() *Warning {
		t.Helper()
		warns, err := r.m.Warnings(r.ctx)
		require.NoError(t, err)
		for _, w := range warns {
			if w.Kind == WarnRefundDeadline {
				return &w
			}
		}
		return nil
	}
	assert.Nil(t, has())
	r.later(52 * day) // Jan 16, 2027: 8 days left
	assert.Nil(t, has(), "8 days before the deadline")
	r.later(day) // 7 days left
	w := has()
	require.NotNil(t, w, "7 days before the deadline")
	assert.Equal(t, ActionRefundLedger, w.Action)
	assert.Equal(t, fmt.Sprintf("Spoiled postage of %s must be claimed by Jan 24, 2027, or its refund is lost. "+
		"Open the refund ledger, make a claim, and take it to the post office with the pieces.", p.Amount), w.Message)
	assert.Empty(t, Entry{KindBody, w.Message}.Problems())

	_, err := r.m.CreateClaim(r.ctx, r.super, []int64{p.Seq})
	require.NoError(t, err)
	assert.Nil(t, has(), "a claimed piece needs no warning")
}

func TestClaimDocumentGolden(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	a := jam(t, r)
	b := printLetter(t, r)
	require.NoError(t, r.m.MarkMisprinted(r.ctx, r.oper, b.Seq, ReasonWrongDate))
	c := jam(t, r)
	require.NoError(t, r.m.SetRefundApplicant(r.ctx, r.super, "Acme Widgets, 1 Main St, Stamford CT 06926"))
	claim, err := r.m.CreateClaim(r.ctx, r.super, []int64{a.Seq, b.Seq, c.Seq})
	require.NoError(t, err)

	doc, err := r.m.ClaimDocument(r.ctx, r.super, claim.ID)
	require.NoError(t, err)
	var text strings.Builder
	fmt.Fprintln(&text, doc.Title)
	for _, f := range doc.Fields {
		fmt.Fprintf(&text, "%s: %s\n", f.Label, f.Value)
	}
	golden(t, "refund-claim.txt", []byte(text.String()))
	total, _ := doc.Value("Total postage value")
	assert.Equal(t, (a.Amount + b.Amount + c.Amount).MillsString(), total)

	// Printed as reports are: on tape, or on the attached printer; the document, never postage.
	require.NoError(t, r.m.PrintClaim(r.ctx, r.super, claim.ID, OnTape))
	require.NoError(t, r.m.PrintClaim(r.ctx, r.super, claim.ID, OnDocument))
	imps := r.engine.Impressions()
	require.NotNil(t, imps[len(imps)-1].Document)
	assert.Equal(t, "Refund Claim", imps[len(imps)-1].Document.Title)
	assert.Equal(t, "refund-claim", DocumentKind(*imps[len(imps)-1].Document))
	require.Len(t, r.printer.Impressions(), 1)
	var noRights *NoRightsError
	require.ErrorAs(t, r.m.PrintClaim(r.ctx, r.oper, claim.ID, OnTape), &noRights)
	r.consistent()
}

// A piece whose print was never confirmed before the meter stopped is spoiled at the next start and
// shows on the ledger with that cause.
func TestUnconfirmedPieceJoinsTheLedgerAtStart(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	p, err := r.vault.Debit(r.ctx, 780, funds.PieceInfo{MailClass: "letter", MailingDate: "2026-11-25", Actor: "Oscar"})
	require.NoError(t, err)
	m2, err := Open(r.ctx, r.m.cfg) // the meter starts again: the piece was debited, its print never confirmed
	require.NoError(t, err)
	page, err := m2.RefundLedger(r.ctx, r.oper, 0)
	require.NoError(t, err)
	require.Len(t, page.Lines, 1)
	assert.Equal(t, p.Seq, page.Lines[0].Seq)
	assert.Equal(t, CauseUnconfirmed, page.Lines[0].Cause)
	assert.Equal(t, "Print not confirmed", page.Lines[0].Cause.Label())
	var noRights *NoRightsError
	require.ErrorAs(t, m2.SetRefundApplicant(r.ctx, r.oper, "Acme"), &noRights)
	r.consistent()
}
