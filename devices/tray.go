package devices

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postmeter/meter"
	"postmeter/printer"
)

// Impression is one thing a print engine or printer printed.
type Impression struct {
	Medium   meter.Medium // envelope, tape, or MediumDocument for the attached printer
	Indicium *meter.Indicium
	Document *meter.Document
	At       time.Time
}

// MediumDocument marks impressions of the attached printer.
const MediumDocument meter.Medium = "document"

// TrayOutput renders each impression at print resolution into the output tray: envelopes and tape from
// the engine, sheets from the attached printer.
func TrayOutput(tray printer.Tray) func(Impression) error {
	return func(imp Impression) error {
		var kind string
		var err error
		switch {
		case imp.Indicium != nil:
			kind = string(imp.Medium) + "-indicium"
			switch imp.Indicium.Kind { // a zero-value impression is named for what it is
			case printer.KindTest:
				kind = string(imp.Medium) + "-test-print"
			case printer.KindDateCorrection:
				kind = string(imp.Medium) + "-date-correction"
			}
			im, rerr := printer.RenderIndicium(PrinterIndicium(*imp.Indicium), printer.Medium(imp.Medium))
			if rerr != nil {
				return fmt.Errorf("render indicium: %w", rerr)
			}
			_, err = tray.Save(kind, im)
		case imp.Document != nil:
			medium := printer.Medium(imp.Medium)
			if imp.Medium == MediumDocument {
				medium = printer.Sheet // the page the attached printer prints
			}
			kind = string(imp.Medium) + "-" + DocumentKind(*imp.Document)
			im, rerr := printer.RenderDocument(PrinterDocument(*imp.Document), medium)
			if rerr != nil {
				return fmt.Errorf("render %s: %w", imp.Document.Title, rerr)
			}
			_, err = tray.Save(kind, im)
		default:
			return errors.New("empty impression")
		}
		if err != nil {
			return fmt.Errorf("output tray: %w", err)
		}
		return nil
	}
}

// TrayEngine is a print engine whose paper is a folder: each impression becomes a PNG at print
// resolution ("tray:DIR" in the kiosk's configuration). It has no sensors, so it is always ready; a
// folder it cannot write to fails the print, and the piece is spoiled as after any failed print.
type TrayEngine struct {
	Tray  printer.Tray
	Clock meter.Clock
	out   func(Impression) error
}

// NewTrayEngine returns an engine printing into dir.
func NewTrayEngine(dir string, clock meter.Clock) *TrayEngine {
	t := printer.Tray{Dir: dir}
	return &TrayEngine{Tray: t, Clock: clock, out: TrayOutput(t)}
}

// Status reports an engine that is always ready.
func (e *TrayEngine) Status() meter.EngineStatus {
	return meter.EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: meter.InkOK}
}

// PrintIndicium saves the indicium's image.
func (e *TrayEngine) PrintIndicium(ctx context.Context, ind meter.Indicium, m meter.Medium) error {
	return e.print(ctx, Impression{Medium: m, Indicium: &ind})
}

// PrintDocument saves the document's image.
func (e *TrayEngine) PrintDocument(ctx context.Context, doc meter.Document, m meter.Medium) error {
	return e.print(ctx, Impression{Medium: m, Document: &doc})
}

func (e *TrayEngine) print(ctx context.Context, imp Impression) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.Clock != nil {
		imp.At = e.Clock.Now()
	}
	if err := e.out(imp); err != nil {
		return &meter.DeviceError{Device: "print engine", Err: err,
			Do: "Check the output folder; the postage of this piece is kept for a refund request."}
	}
	return nil
}
