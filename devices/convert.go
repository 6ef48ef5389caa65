package devices

import (
	"postmeter/meter"
	"postmeter/printer"
)

// PrinterIndicium is the printer package's view of an indicium (the core converts it: it also signs
// what the printer encodes).
func PrinterIndicium(ind meter.Indicium) printer.Indicium { return meter.PrinterIndicium(ind) }

// PrinterDocument is the printer package's view of a document.
func PrinterDocument(doc meter.Document) printer.Document { return meter.PrinterDocument(doc) }

// DocumentKind names a document in the tray and in print jobs: "receipt", "funds-report", "last-5-refills".
func DocumentKind(doc meter.Document) string { return meter.DocumentKind(doc) }
