package devices

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer"
)

func sampleIndicium() meter.Indicium {
	return meter.Indicium{MailingDate: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Postage: 780, MailClass: "letter",
		MeterSerial: "PM123456", IndiciaNumber: "PB1", OriginZIP: "06926", Piece: 3,
		Registers: funds.Registers{Available: 10 * funds.Dollar, Used: 2340}, Simulation: true,
		Signature: make([]byte, printer.SignatureSize)} // the engine prints only signed postage; no key checks it here
}

func TestTrayOutputRendersEveryImpression(t *testing.T) {
	tray := printer.Tray{Dir: t.TempDir()}
	out := TrayOutput(tray)
	ind := sampleIndicium()
	unsigned := ind
	unsigned.Signature = nil
	require.ErrorIs(t, out(Impression{Medium: meter.MediumEnvelope, Indicium: &unsigned}), printer.ErrUnsigned,
		"the engine prints no unsigned postage")
	receipt := meter.Document{Title: "Refill Receipt", Fields: []meter.Field{{Label: "Refill amount", Value: "$125.00"}}}
	require.NoError(t, out(Impression{Medium: meter.MediumEnvelope, Indicium: &ind}))
	require.NoError(t, out(Impression{Medium: meter.MediumTape, Document: &receipt}))
	require.NoError(t, out(Impression{Medium: MediumDocument, Document: &meter.Document{Title: "Funds Report"}}))
	items, err := tray.List()
	require.NoError(t, err)
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.Kind)
	}
	assert.Equal(t, []string{"document-funds-report", "tape-receipt", "envelope-indicium"}, kinds, "newest first")
	assert.Error(t, out(Impression{Medium: meter.MediumTape}))
}

// A print the tray engine cannot render fails as a device error, which the core turns into a spoiled
// piece and the clerk's message.
func TestTrayEngineFailureIsADeviceError(t *testing.T) {
	e := NewTrayEngine(t.TempDir(), meter.SystemClock{})
	require.NoError(t, meter.EngineReady(e.Status(), meter.MediumEnvelope))
	ind := sampleIndicium()
	require.NoError(t, e.PrintIndicium(context.Background(), ind, meter.MediumEnvelope))
	ind.OriginZIP = "" // the layout refuses an indicium without its origin ZIP
	err := e.PrintIndicium(context.Background(), ind, meter.MediumEnvelope)
	var de *meter.DeviceError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "print engine", de.Device)
	items, err := e.Tray.List()
	require.NoError(t, err)
	assert.Len(t, items, 1)
}
