package meter

import (
	"context"
	"fmt"
	"strings"

	"postmeter/funds"
	"postmeter/printer"
)

// This file converts what the core prints into the printer package's types, in one place: the device
// drivers (package devices) render and send it.

// signIndicium has the vault sign what the indicium's Data Matrix will carry, after the debit and
// before the engine prints: the meter prints no postage it has not signed.
func signIndicium(ctx context.Context, v *funds.Vault, ind *Indicium) error {
	body, err := printer.IndiciumBody(toPrinterIndicium(*ind))
	if err != nil {
		return fmt.Errorf("sign indicium: %w", err)
	}
	// The vault keeps body and signature with the piece row, and signs only a debited piece.
	ind.Signature, err = v.SignPiece(ctx, ind.Piece, body)
	return err
}

func toPrinterIndicium(ind Indicium) printer.Indicium {
	return printer.Indicium{MailingDate: ind.MailingDate, Postage: ind.Postage, MailClass: ind.MailClass,
		MeterSerial: ind.MeterSerial, Model: ind.Model, IndiciaNumber: ind.IndiciaNumber, OriginZIP: ind.OriginZIP,
		DestinationZIP: ind.DestinationZIP, Piece: ind.Piece, Available: ind.Registers.Available,
		Used: ind.Registers.Used, Simulation: ind.Simulation, Kind: ind.Kind, Signature: ind.Signature}
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

// PrinterIndicium is the printer package's view of an indicium.
func PrinterIndicium(ind Indicium) printer.Indicium { return toPrinterIndicium(ind) }

// PrinterDocument is the printer package's view of a document.
func PrinterDocument(doc Document) printer.Document { return toPrinterDocument(doc) }

// DocumentKind names a document in the tray and in print jobs: "receipt", "funds-report".
func DocumentKind(doc Document) string { return documentKind(doc) }
