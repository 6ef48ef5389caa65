package meter

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/printer"
)

// verifies checks an impression's signature with the meter's public key, as a verifier would.
func verifies(t *testing.T, r *rig, ind Indicium) bool {
	t.Helper()
	pub, err := r.store.MeterKey(r.ctx, rigSerial)
	require.NoError(t, err)
	return printer.VerifyIndicium(pub, toPrinterIndicium(ind))
}

// A test print comes out marked as a test, signed, with no postage; the registers do not move and the
// count of test prints is kept in the audited records.
func TestTestPrintDebitsNothing(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	before := r.registers()

	require.NoError(t, r.m.PrintTest(r.ctx, r.oper, MediumTape))
	require.NoError(t, r.m.PrintTest(r.ctx, r.oper, MediumEnvelope))

	assert.Equal(t, before, r.registers(), "no register moved")
	imps := r.engine.Impressions()
	require.Len(t, imps, 2)
	ind := *imps[0].Indicium
	assert.Equal(t, printer.KindTest, ind.Kind)
	assert.Equal(t, funds.Amount(0), ind.Postage)
	assert.Equal(t, int64(0), ind.Piece)
	assert.True(t, verifies(t, r, ind), "signed by the meter's key")
	n, err := r.m.TestPrints(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	pieces, err := r.vault.Pieces(r.ctx, "", 10)
	require.NoError(t, err)
	assert.Empty(t, pieces, "a test print is no piece")
	r.consistent()

	r.engine.Update(func(s *EngineStatus) { s.TapeLoaded = false })
	assert.ErrorIs(t, r.m.PrintTest(r.ctx, r.oper, MediumTape), ErrTapeOut, "the engine must be ready")
}

// A piece mailed yesterday gets today's date once: zero postage, its own number, signed; a second
// try is refused, as are a piece dated today, a piece that never printed and one that does not exist.
func TestDateCorrectionOncePerPiece(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	res, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.NoError(t, err)
	seq := res.Piece.Seq

	_, err = r.m.DateCorrectionFor(r.ctx, r.oper, seq)
	assert.ErrorIs(t, err, ErrNothingToCorrect, "dated today: nothing to correct")

	r.nextDay() // the piece missed its collection
	before := r.registers()
	dc, err := r.m.DateCorrectionFor(r.ctx, r.oper, seq)
	require.NoError(t, err)
	assert.Equal(t, "2026-11-25", dc.PrintedDate.Format(time.DateOnly))
	assert.Equal(t, "2026-11-26", dc.NewDate.Format(time.DateOnly))

	// Several tries at once: one prints.
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = r.m.PrintDateCorrection(r.ctx, r.oper, seq, MediumTape) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, ErrAlreadyCorrected)
		}
	}
	assert.Equal(t, 1, ok, "one date correction per piece")
	imps := r.engine.Impressions()
	require.Len(t, imps, 2, "the piece and one correction")
	corr := *imps[1].Indicium
	assert.Equal(t, printer.KindDateCorrection, corr.Kind)
	assert.Equal(t, funds.Amount(0), corr.Postage)
	assert.Equal(t, seq, corr.Piece, "the correction names the piece")
	assert.Equal(t, "2026-11-26", corr.MailingDate.Format(time.DateOnly))
	assert.True(t, verifies(t, r, corr))
	assert.Equal(t, before, r.registers(), "no register moved")

	_, err = r.m.PrintDateCorrection(r.ctx, r.oper, seq, MediumTape)
	var dce *DateCorrectionError
	require.ErrorAs(t, err, &dce)
	assert.Equal(t, "2026-11-26", dce.Date.Format(time.DateOnly))
	assert.Contains(t, Explain(err).Text, "Nov 26, 2026")

	_, err = r.m.DateCorrectionFor(r.ctx, r.oper, seq+10)
	assert.ErrorIs(t, err, ErrPieceNotFound)

	r.engine.FailNextPrint(ErrJam)
	_, err = r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	var failed *PrintFailedError
	require.ErrorAs(t, err, &failed)
	r.engine.Update(func(s *EngineStatus) { s.Jammed = false })
	r.nextDay()
	_, err = r.m.PrintDateCorrection(r.ctx, r.oper, failed.Piece.Seq, MediumTape)
	assert.ErrorIs(t, err, ErrPieceNotPrinted, "a spoiled piece has no date to correct")
	r.consistent()
}

// A correction the engine refused may be tried again; the one that prints is the last.
func TestFailedDateCorrectionMayBeTriedAgain(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	res, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.NoError(t, err)
	r.nextDay()
	r.engine.FailNextPrint(ErrJam)
	_, err = r.m.PrintDateCorrection(r.ctx, r.oper, res.Piece.Seq, MediumTape)
	assert.ErrorIs(t, err, ErrJam)
	r.engine.Update(func(s *EngineStatus) { s.Jammed = false })
	_, err = r.m.PrintDateCorrection(r.ctx, r.oper, res.Piece.Seq, MediumTape)
	require.NoError(t, err)
	_, err = r.m.PrintDateCorrection(r.ctx, r.oper, res.Piece.Seq, MediumTape)
	assert.ErrorIs(t, err, ErrAlreadyCorrected)
	assert.Len(t, r.engine.Impressions(), 2, "the piece and the correction that printed")
}

// nextDay moves the clock a day on and signs the operator in again (the night signed everyone out).
func (r *rig) nextDay() {
	r.clock.Advance(24 * time.Hour)
	r.oper = r.signIn("Oscar", "1357")
}
