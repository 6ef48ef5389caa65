//go:build linux

package cups

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/printer/cupstest"
)

// The engine against a real CUPS: an envelope queue that accepts prints the indicium and a receipt
// (cups-pdf writes the PDFs, whose words pdftotext reads back); the same queue stopped refuses the
// next piece before anything is debited, in the clerk's words.
func TestCUPSPrintEngineWithCUPS(t *testing.T) {
	srv := cupstest.Start(t)
	srv.AddQueue(t, "Envelopes", "Env10")
	e := NewEngine(srv.URI("Envelopes"), nil)
	e.P.Timeout, e.P.PollInterval = 45*time.Second, 100*time.Millisecond
	ctx := context.Background()

	require.Equal(t, meter.DeviceReady, e.Health(ctx).State, srv.Logs())
	ind := sampleIndicium()
	start := time.Now()
	require.NoError(t, e.PrintIndicium(ctx, ind, meter.MediumEnvelope), srv.Logs())
	t.Logf("indicium job completed in %v", time.Since(start).Round(time.Millisecond))
	receipt := meter.Document{Title: "Refill Receipt", Fields: []meter.Field{{Label: "Refill amount", Value: "$125.00"}}}
	require.NoError(t, e.PrintDocument(ctx, receipt, meter.MediumTape), srv.Logs())

	pdfs := srv.WaitPDFs(t, "Envelopes", 2)
	var texts []string
	for _, p := range pdfs {
		texts = append(texts, cupstest.PDFText(t, p))
	}
	all := texts[0] + " | " + texts[1]
	for _, want := range []string{"$0.78", "METER PM777777", "PIECE 4", "FROM ZIP 06926", "Refill Receipt", "Refill amount $125.00"} {
		assert.Contains(t, all, want)
	}

	srv.Stop(t, "Envelopes")
	assert.ErrorIs(t, meter.EngineReady(e.Check(ctx), meter.MediumEnvelope), meter.ErrEngineStopped)
	err := e.PrintIndicium(ctx, ind, meter.MediumEnvelope)
	require.ErrorIs(t, err, meter.ErrEngineStopped)
	assert.Contains(t, meter.Explain(err).Text, "paused")
	assert.Equal(t, meter.DeviceAttention, e.Health(ctx).State)
}
