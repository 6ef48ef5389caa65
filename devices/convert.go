package devices

import (
	"strings"

	"postmeter/meter"
	"postmeter/printer"
)

// PrinterIndicium is the printer package's view of an indicium.
func PrinterIndicium(ind meter.Indicium) printer.Indicium {
	return printer.Indicium{MailingDate: ind.MailingDate, Postage: ind.Postage, MailClass: ind.MailClass,
		MeterSerial: ind.MeterSerial, IndiciaNumber: ind.IndiciaNumber, OriginZIP: ind.OriginZIP, Piece: ind.Piece,
		Available: ind.Registers.Available, Used: ind.Registers.Used, Simulation: ind.Simulation}
}

// PrinterDocument is the printer package's view of a document.
func PrinterDocument(doc meter.Document) printer.Document {
	out := printer.Document{Title: doc.Title}
	for _, f := range doc.Fields {
		out.Fields = append(out.Fields, printer.Field(f))
	}
	return out
}

// DocumentKind names a document in the tray and in job names: "receipt", "funds-report", "last-5-refills".
func DocumentKind(doc meter.Document) string {
	switch doc.Title {
	case "Refill Receipt":
		return "receipt"
	}
	return strings.ToLower(strings.NewReplacer(" ", "-").Replace(doc.Title))
}
