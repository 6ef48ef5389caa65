package cups

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/printer"
)

func TestIPPPrinterUnreachableIsAClearDeviceError(t *testing.T) {
	p := Printer{P: &printer.IPPPrinter{URI: "ipp://127.0.0.1:1/printers/office", Timeout: 2 * time.Second}}
	err := p.PrintDocument(context.Background(), meter.Document{Title: "Refill Receipt"})
	var de *meter.DeviceError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, meter.ErrPrinterUnreachable)
	assert.Contains(t, meter.Explain(err).Text, "print on tape")
}

func TestIPPPrinterHealth(t *testing.T) {
	ctx := context.Background()
	h := Printer{P: &printer.IPPPrinter{URI: "ipp://127.0.0.1:1/printers/office"}}.Health(ctx)
	assert.Equal(t, meter.DeviceMissing, h.State)
	assert.Contains(t, meter.Explain(h.Problem).Text, "does not answer")

	f, uri := newFakePrinter(t)
	p := Printer{P: &printer.IPPPrinter{URI: uri}}
	assert.Equal(t, meter.DeviceReady, p.Health(ctx).State)
	f.set(5, 9, "paused")
	h = p.Health(ctx)
	assert.Equal(t, meter.DeviceAttention, h.State)
	assert.ErrorIs(t, h.Problem, meter.ErrPrinterStopped)
	assert.Equal(t, "Envelopes", h.Name)
}
