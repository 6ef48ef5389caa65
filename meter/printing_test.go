package meter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds/datacenter"
	"postmeter/printer"
	"postmeter/printer/scan"
)

// Every printed indicium is signed by the meter's key, as registered at the Data Center, over the
// piece's data and the registers after its debit; a destination ZIP keyed in is carried, a bad one
// refused before anything is debited.
func TestPrintedIndiciumIsSignedByTheMeter(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10, DestinationZIP: "10001-0001"}, MediumEnvelope)
	require.NoError(t, err)
	before := r.registers()
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10, DestinationZIP: "1000"}, MediumEnvelope)
	require.ErrorIs(t, err, ErrDestinationZIP)
	assert.Equal(t, before, r.registers(), "a bad destination ZIP costs nothing")
	assert.Equal(t, MsgDestinationZIP, Explain(err).ID)

	var printed []Indicium
	for _, p := range r.engine.Impressions() {
		if p.Indicium != nil {
			printed = append(printed, *p.Indicium)
		}
	}
	require.Len(t, printed, 1)
	ind := toPrinterIndicium(printed[0])
	pub, err := r.store.MeterKey(r.ctx, rigSerial)
	require.NoError(t, err)
	assert.True(t, printer.VerifyIndicium(pub, ind), "signed by the key the Data Center registered")
	assert.Equal(t, "10001-0001", ind.DestinationZIP)
	assert.Equal(t, r.m.Model().Name, ind.Model)
	assert.Equal(t, before.Used, ind.Used)
	assert.Equal(t, before.Available, ind.Available)
	assert.Equal(t, before.Pieces, ind.Piece)
	ind.Postage++
	assert.False(t, printer.VerifyIndicium(pub, ind), "a changed postage no longer verifies")
}

// What the meter prints passes the open verifier: the picture the engine prints read back, its signature
// checked with the key the Data Center registered, and the piece against the meter's own reports.
func TestPrintedIndiciumPassesTheVerifier(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	for range 2 {
		_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumTape)
		require.NoError(t, err)
	}
	v := &datacenter.IndiciumVerifier{Store: r.store, Now: r.clock.Now}
	n := 0
	for _, p := range r.engine.Impressions() {
		if p.Indicium == nil {
			continue
		}
		n++
		img, err := printer.RenderIndicium(toPrinterIndicium(*p.Indicium), printer.Medium(p.Medium))
		require.NoError(t, err)
		payload, err := scan.ReadDataMatrix(img)
		require.NoError(t, err)
		ind, err := printer.ParseIndiciumPayload(payload)
		require.NoError(t, err)
		body, err := printer.IndiciumBody(ind)
		require.NoError(t, err)
		verdict, err := v.Check(r.ctx, datacenter.IndiciumClaim{Serial: ind.MeterSerial, MailingDate: ind.MailingDate,
			Postage: ind.Postage, Piece: ind.Piece, Used: ind.Used, Available: ind.Available, Specimen: ind.Simulation,
			Body: body, Signature: ind.Signature})
		require.NoError(t, err)
		assert.True(t, verdict.Valid(), "piece %d: %s", ind.Piece, verdict.Reason)
		// The vault keeps what was signed with the piece: the same bytes the barcode carries.
		kept, sig, ok, err := r.vault.PieceSignature(r.ctx, ind.Piece)
		require.NoError(t, err)
		require.True(t, ok, "piece %d has its signature in the vault", ind.Piece)
		assert.Equal(t, body, kept)
		assert.Equal(t, ind.Signature, sig)
	}
	assert.Equal(t, 2, n)
	require.NoError(t, r.vault.CheckPieceSignatures(r.ctx))

	// A piece whose print fails is spoiled, and its signature stays with it: it was signed before the
	// engine took it.
	r.engine.FailNextPrint(ErrJam)
	_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	var failed *PrintFailedError
	require.ErrorAs(t, err, &failed)
	_, _, ok, err := r.vault.PieceSignature(r.ctx, failed.Piece.Seq)
	require.NoError(t, err)
	assert.True(t, ok)
}
