package cups

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postmeter/devices"
	"postmeter/meter"
	"postmeter/printer"
)

// Printer is the attached office printer reached over IPP (a CUPS queue or a network printer), for
// "Print on document".
type Printer struct {
	P *printer.IPPPrinter
}

// Name is the printer's queue name.
func (p Printer) Name() string { return p.P.Name() }

// PrintDocument sends the document as a PDF and waits for the job to finish.
func (p Printer) PrintDocument(ctx context.Context, doc meter.Document) error {
	err := p.P.PrintDocument(ctx, devices.PrinterDocument(doc))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, printer.ErrPrinterStopped):
		return &meter.DeviceError{Device: "attached printer", Err: meter.ErrPrinterStopped,
			Do: "Check the printer (paper, power, queue), then select Print on document again."}
	case errors.Is(err, printer.ErrPrinterUnreachable), errors.Is(err, printer.ErrPrinterTimeout):
		return &meter.DeviceError{Device: "attached printer", Err: fmt.Errorf("%w: %v", meter.ErrPrinterUnreachable, err),
			Do: "Check that the printer is on and connected, then select Print on document again, or print on tape."}
	}
	return &meter.DeviceError{Device: "attached printer", Err: err, Do: "Print on an envelope or tape instead, or try again."}
}

// Health asks the printer how it is: no answer, stopped (with the printer's reasons), or ready.
func (p Printer) Health(ctx context.Context) meter.DeviceHealth {
	h := meter.DeviceHealth{Device: "attached printer", Name: p.P.Name()}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := p.P.State(ctx)
	switch {
	case err != nil:
		h.State = meter.DeviceMissing
		h.Problem = &meter.DeviceError{Device: "attached printer", Err: fmt.Errorf("%w: %v", meter.ErrPrinterUnreachable, err),
			Do: "Check that the printer is on and connected."}
	case st.Stopped():
		h.State = meter.DeviceAttention
		h.Problem = &meter.DeviceError{Device: "attached printer", Err: fmt.Errorf("%w (%v)", meter.ErrPrinterStopped, st.Reasons),
			Do: "Check the printer (paper, power, queue)."}
	}
	return h
}
