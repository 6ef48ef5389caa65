package meter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"postmeter/funds"
	"postmeter/printer"
)

// This file connects the meter's devices to the printer package: impressions become images in the
// output tray, and "Print on document" goes to an IPP printer.

// signIndicium has the vault sign what the indicium's Data Matrix will carry, after the debit and
// before the engine prints: the meter prints no postage it has not signed.
func signIndicium(v *funds.Vault, ind *Indicium) error {
	body, err := printer.IndiciumBody(toPrinterIndicium(*ind))
	if err != nil {
		return fmt.Errorf("sign indicium: %w", err)
	}
	ind.Signature = v.SignIndicium(body)
	return nil
}

func toPrinterIndicium(ind Indicium) printer.Indicium {
	return printer.Indicium{MailingDate: ind.MailingDate, Postage: ind.Postage, MailClass: ind.MailClass,
		MeterSerial: ind.MeterSerial, Model: ind.Model, IndiciaNumber: ind.IndiciaNumber, OriginZIP: ind.OriginZIP,
		DestinationZIP: ind.DestinationZIP, Piece: ind.Piece, Available: ind.Registers.Available,
		Used: ind.Registers.Used, Simulation: ind.Simulation, Signature: ind.Signature}
}

func toPrinterDocument(doc Document) printer.Document {
	out := printer.Document{Title: doc.Title}
	for _, f := range doc.Fields {
		out.Fields = append(out.Fields, printer.Field(f))
	}
	return out
}

// documentKind names a document in the tray: "receipt", "funds-report", "last-5-refills".
func documentKind(doc Document) string {
	switch doc.Title {
	case "Refill Receipt":
		return "receipt"
	}
	return strings.ToLower(strings.NewReplacer(" ", "-").Replace(doc.Title))
}

// TrayOutput renders each impression at print resolution into the output tray, the simulated print
// engine's and printer's paper: envelopes and tape from the engine, sheets from the attached printer.
func TrayOutput(tray printer.Tray) func(Impression) error {
	return func(imp Impression) error {
		var kind string
		var err error
		switch {
		case imp.Indicium != nil:
			kind = string(imp.Medium) + "-indicium"
			im, rerr := printer.RenderIndicium(toPrinterIndicium(*imp.Indicium), printer.Medium(imp.Medium))
			if rerr != nil {
				return fmt.Errorf("render indicium: %w", rerr)
			}
			_, err = tray.Save(kind, im)
		case imp.Document != nil:
			medium := printer.Medium(imp.Medium)
			if imp.Medium == MediumDocument {
				medium = printer.Sheet // the page the attached printer prints
			}
			kind = string(imp.Medium) + "-" + documentKind(*imp.Document)
			im, rerr := printer.RenderDocument(toPrinterDocument(*imp.Document), medium)
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

// IPPPrinter is the attached office printer reached over IPP (a CUPS queue or a network printer).
type IPPPrinter struct {
	P *printer.IPPPrinter
}

// Name is the printer's queue name.
func (p IPPPrinter) Name() string { return p.P.Name() }

// PrintDocument sends the document as a PDF and waits for the job to finish.
func (p IPPPrinter) PrintDocument(ctx context.Context, doc Document) error {
	err := p.P.PrintDocument(ctx, toPrinterDocument(doc))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, printer.ErrPrinterStopped):
		return &DeviceError{"attached printer", ErrPrinterStopped, "Check the printer (paper, power, queue), then select Print on document again."}
	case errors.Is(err, printer.ErrPrinterUnreachable), errors.Is(err, printer.ErrPrinterTimeout):
		return &DeviceError{"attached printer", fmt.Errorf("%w: %v", ErrPrinterUnreachable, err),
			"Check that the printer is on and connected, then select Print on document again, or print on tape."}
	}
	return &DeviceError{"attached printer", err, "Print on an envelope or tape instead, or try again."}
}
