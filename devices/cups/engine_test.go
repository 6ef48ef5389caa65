package cups

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer"
)

func sampleIndicium() meter.Indicium {
	return meter.Indicium{MailingDate: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Postage: 780, MailClass: "letter",
		MeterSerial: "PM777777", IndiciaNumber: "PB0077777", OriginZIP: "06926", Piece: 4,
		Registers: funds.Registers{Available: 10 * funds.Dollar, Used: 3120}, Simulation: true,
		Signature: make([]byte, printer.SignatureSize)} // the engine prints only signed postage; no key checks it here
}

func fastEngine(uri string) *Engine {
	e := NewEngine(uri, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.P.Timeout, e.P.PollInterval = 3*time.Second, 10*time.Millisecond
	return e
}

// What the printer reports becomes the engine's sensors and, when a print fails, the clerk's words.
func TestCUPSPrintEngineTellsTheClerkWhatStoppedIt(t *testing.T) {
	f, uri := newFakePrinter(t)
	e := fastEngine(uri)
	ctx := context.Background()
	require.NoError(t, e.PrintIndicium(ctx, sampleIndicium(), meter.MediumEnvelope))
	assert.Equal(t, []string{printer.MediaEnvelope10}, f.media, "an indicium on a #10 envelope")
	assert.Equal(t, meter.DeviceReady, e.Health(ctx).State)

	for _, tt := range []struct {
		name            string
		state, jobState int
		reasons         []string
		medium          meter.Medium
		want            error
		says            string
	}{
		{"out of envelopes mid-job", 5, 6, []string{"media-empty-error"}, meter.MediumEnvelope, meter.ErrNoEnvelope, "no envelope on the feed deck"},
		{"out of labels", 5, 6, []string{"media-needed"}, meter.MediumTape, meter.ErrTapeOut, "tape is out"},
		{"jammed", 5, 8, []string{"media-jam-error"}, meter.MediumEnvelope, meter.ErrJam, "jammed"},
		{"ink out", 5, 8, []string{"marker-supply-empty-error"}, meter.MediumEnvelope, meter.ErrInkOut, "ink is out"},
		{"paused for no stated reason", 5, 6, []string{"paused"}, meter.MediumEnvelope, meter.ErrEngineStopped, "paused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.failNextJob(tt.state, tt.jobState, tt.reasons...)
			err := e.PrintIndicium(ctx, sampleIndicium(), tt.medium)
			require.ErrorIs(t, err, tt.want)
			var de *meter.DeviceError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "print engine", de.Device)
			assert.Contains(t, meter.Explain(&meter.PrintFailedError{Piece: funds.Piece{Seq: 4, Amount: 780}, Err: err}).Text, tt.says)
			// Before the next piece the core checks the engine, which refuses before anything is debited;
			// a queue stopped before the job refuses the same way.
			assert.ErrorIs(t, meter.EngineReady(e.Check(ctx), tt.medium), tt.want)
			assert.ErrorIs(t, e.PrintIndicium(ctx, sampleIndicium(), tt.medium), tt.want)
			h := e.Health(ctx)
			assert.Equal(t, meter.DeviceAttention, h.State)
			assert.Error(t, h.Problem)
		})
	}

	f.set(3, 9, "marker-supply-low-report")
	require.NoError(t, e.PrintIndicium(ctx, sampleIndicium(), meter.MediumTape))
	assert.Equal(t, printer.MediaLabel, f.media[len(f.media)-1])
	assert.Equal(t, meter.InkLow, e.Check(ctx).Ink, "low ink warns and prints")
	h := e.Health(ctx)
	assert.Equal(t, meter.DeviceReady, h.State)
	assert.ErrorIs(t, h.LastError, meter.ErrEngineStopped, "the last failure stays to be read")
}

func TestCUPSPrintEngineOffline(t *testing.T) {
	e := fastEngine("ipp://127.0.0.1:1/printers/Envelopes")
	ctx := context.Background()
	err := e.PrintIndicium(ctx, sampleIndicium(), meter.MediumEnvelope)
	require.ErrorIs(t, err, meter.ErrEngineOffline)
	assert.Contains(t, meter.Explain(err).Text, "does not answer")
	assert.True(t, e.Status().Offline)
	assert.Equal(t, meter.DeviceMissing, e.Health(ctx).State)
	assert.Equal(t, "ipp://127.0.0.1:1/printers/Envelopes", e.Health(ctx).Name)
}
