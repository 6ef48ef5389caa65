package meter

import (
	"context"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/printer"
	"postmeter/printer/scan"
)

func TestTrayOutputRendersEveryImpression(t *testing.T) {
	tray := printer.Tray{Dir: t.TempDir()}
	out := TrayOutput(tray)
	ind := Indicium{MailingDate: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Postage: 780, MailClass: "letter",
		MeterSerial: "PM123456", IndiciaNumber: "PB1", OriginZIP: "06926", Piece: 3,
		Registers: funds.Registers{Available: 10 * funds.Dollar, Used: 2340}, Simulation: true}
	unsigned := ind
	assert.ErrorIs(t, out(Impression{Medium: MediumEnvelope, Indicium: &unsigned}), printer.ErrUnsigned,
		"the engine prints no unsigned postage")
	ind.Signature = make([]byte, printer.SignatureSize)
	receipt := Document{Title: "Refill Receipt", Fields: []Field{{"Refill amount", "$125.00"}}}
	require.NoError(t, out(Impression{Medium: MediumEnvelope, Indicium: &ind}))
	require.NoError(t, out(Impression{Medium: MediumTape, Document: &receipt}))
	require.NoError(t, out(Impression{Medium: MediumDocument, Document: &Document{Title: "Funds Report"}}))
	items, err := tray.List()
	require.NoError(t, err)
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.Kind)
	}
	assert.Equal(t, []string{"document-funds-report", "tape-receipt", "envelope-indicium"}, kinds, "newest first")
	assert.Error(t, out(Impression{Medium: MediumTape}))
}

func TestPrintFailureInTheTraySpoilsThePiece(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	r.engine.OnPrint = TrayOutput(printer.Tray{Dir: t.TempDir()})
	_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.NoError(t, err)
	// An indicium the engine cannot render (no origin ZIP) fails after the debit: spoiled, not lost.
	r.m.cfg.Identity.OriginZIP = ""
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	var pf *PrintFailedError
	require.ErrorAs(t, err, &pf)
	n, v, err := r.vault.SpoiledTotal(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Equal(t, funds.Amount(780), v)
	r.consistent()
}

func TestIPPPrinterUnreachableIsAClearDeviceError(t *testing.T) {
	p := IPPPrinter{P: &printer.IPPPrinter{URI: "ipp://127.0.0.1:1/printers/office", Timeout: 2 * time.Second}}
	err := p.PrintDocument(context.Background(), Document{Title: "Refill Receipt"})
	var de *DeviceError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrPrinterUnreachable)
	assert.Contains(t, Explain(err).Text, "print on tape")
}

// Every printed indicium is signed by the meter's key, as registered at the Data Center, over the
// piece's data and the registers after its debit; a destination ZIP keyed in is carried, a bad one
// refused before anything is debited.
func TestPrintedIndiciumIsSignedByTheMeter(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	var printed []Indicium
	r.engine.OnPrint = func(imp Impression) error {
		if imp.Indicium != nil {
			printed = append(printed, *imp.Indicium)
		}
		return nil
	}
	_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10, DestinationZIP: "10001-0001"}, MediumEnvelope)
	require.NoError(t, err)
	before := r.registers()
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10, DestinationZIP: "1000"}, MediumEnvelope)
	require.ErrorIs(t, err, ErrDestinationZIP)
	assert.Equal(t, before, r.registers(), "a bad destination ZIP costs nothing")
	assert.Equal(t, MsgDestinationZIP, Explain(err).ID)

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

// What the meter prints passes the open verifier: the output tray's picture read back, its signature
// checked with the key the Data Center registered, and the piece against the meter's own reports.
func TestPrintedIndiciumPassesTheVerifier(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	tray := printer.Tray{Dir: t.TempDir()}
	r.engine.OnPrint = TrayOutput(tray)
	for range 2 {
		_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumTape)
		require.NoError(t, err)
	}
	items, err := tray.List()
	require.NoError(t, err)
	require.Len(t, items, 2)
	v := &datacenter.IndiciumVerifier{Store: r.store, Now: r.clock.Now}
	for _, it := range items {
		f, err := os.Open(it.Path)
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
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
		assert.True(t, verdict.Valid(), "%s: %s", it.Path, verdict.Reason)
	}
}
