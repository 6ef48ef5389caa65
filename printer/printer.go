// Package printer turns what the meter prints into device output: the postage indicium and text
// documents (refill receipts, funds reports) rendered to PNG for the print engine (envelope or tape),
// an output tray of numbered PNGs for the simulated engine, and PDFs sent over IPP: documents to an
// attached office printer, envelope and label pages (pdf_media.go) to a print engine behind CUPS.
//
// The package is a leaf: it knows nothing about the meter core or the UI. Callers hand it the plain
// data types below and get images, files or printed pages back.
//
// # Media and resolution
//
// Every layout is described once, in points, and rendered to each [Medium]:
//
//   - [Envelope]: the print engine's impression on a #10 envelope at 300 dpi, 3.5 in (1050 px) wide.
//     An indicium is the indicium area only (1050 × 468 px, 3.5 × 1.56 in, for the usual fields);
//     the engine places it in the top-right corner of the envelope. A document may be at most 3.875 in tall (the height of a
//     #10 envelope less a margin); a longer one fails with [ErrDoesNotFit].
//   - [Tape]: an 80 mm tape strip at 203 dpi, 576 px wide, as long as the content (at most 40 in).
//     The indicium on tape is 576 × 386 px (2.84 × 1.9 in).
//
// Images are 1-bit (black and white palette), like the print heads. Text is drawn from the embedded
// Go fonts with an integer-only rasterizer (see text.go), so the pixels are the same on every machine
// and architecture, and golden-image tests compare them exactly.
//
// # Indicium
//
// An indicium shows the postage, mailing date, origin ZIP, meter serial, piece number, mail class,
// indicia number, the banner "SIMULATION — NOT VALID POSTAGE" and a Data Matrix carrying the payload
// described at [IndiciumBody]: the piece's data and the registers, signed by the meter's key, which
// anyone holding the meter's registered public key can check ([VerifyIndicium]). The banner is always printed: postmeter has no USPS authorisation,
// so nothing it prints is valid postage, whatever [Indicium.Simulation] says.
package printer

import (
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
)

// Indicium is what one postage impression shows and encodes.
type Indicium struct {
	MailingDate    time.Time    // only the calendar date (in MailingDate's location) is printed and encoded
	Postage        funds.Amount // postage on this piece, in mills
	MailClass      string       // e.g. "FIRST-CLASS MAIL"; optional
	MeterSerial    string       // e.g. "PM123456"
	Model          string       // the meter's model, e.g. "SendPro P1000"
	IndiciaNumber  string       // optional
	OriginZIP      string       // licensing ZIP, e.g. "06926"
	DestinationZIP string       // optional: only when the clerk keyed it in
	Piece          int64        // piece count after this debit
	Available      funds.Amount // descending register after the debit
	Used           funds.Amount // ascending register after the debit
	Simulation     bool         // the meter runs as the trainer simulator: the indicium is a specimen
	Kind           Kind         // postage ("") or one of the zero-value impressions
	// Signature is the meter key's Ed25519 signature of funds.IndiciumMessage(IndiciumBody(ind)).
	Signature []byte
}

// Kind is what an impression is: postage, or one of the two that carry no postage value. Both are
// signed like postage, so a verifier can tell them from forgeries, and both say on their face what they
// are (docs/indicia.md).
type Kind string

// The kinds of impression.
const (
	KindPostage        Kind = ""                // a postage indicium
	KindTest           Kind = "test print"      // checks print quality; Piece is 0
	KindDateCorrection Kind = "date correction" // the new date of the piece Piece, already paid
)

// Field is one labelled line of a document, e.g. {"Postage added", "$125.00"}.
type Field struct {
	Label, Value string
}

// Document is a refill receipt, funds report or refill summary: a title and labelled lines.
type Document struct {
	Title  string
	Fields []Field
}

// Medium is what the print engine prints on.
type Medium string

// The print engine's media.
const (
	Envelope Medium = "envelope"
	Tape     Medium = "tape"
	// Sheet is a Letter page from the attached printer as the trainer's output tray shows it: the page
	// RenderPDF sends to the printer, drawn at screen resolution.
	Sheet Medium = "sheet"
)

// Media lists every medium, in a stable order.
func Media() []Medium { return []Medium{Envelope, Tape} }

// ErrDoesNotFit is wrapped by render errors when content is too large for the medium.
var ErrDoesNotFit = errors.New("does not fit on the medium")

// ErrUnknownMedium is wrapped by render errors for a Medium that is not Envelope or Tape.
var ErrUnknownMedium = errors.New("unknown medium")

// mediumSpec is the geometry of one medium.
type mediumSpec struct {
	medium    Medium
	dpi       int
	width     int // px
	margin    int // px, white border around the content
	module    int // px per Data Matrix module
	maxHeight int // px; 0 means as long as needed (up to tapeMaxHeight)
	// page, if set, is the height of a whole page: a document fills it, blank below its text.
	page int
	// docTitlePt and docFieldPt are a document's text sizes on this medium.
	docTitlePt, docFieldPt int
}

// tapeMaxHeight bounds tape images (40 in) so a runaway document cannot allocate gigabytes.
const tapeMaxHeight = 40 * 203

var specs = map[Medium]mediumSpec{
	// 3.5 in wide; 5 px modules are 16.7 mil, in the usual range of meter Data Matrix symbols.
	Envelope: {medium: Envelope, dpi: 300, width: 1050, margin: 24, module: 5, maxHeight: 1162, docTitlePt: 11, docFieldPt: 9},
	// 80 mm tape: 72 mm printable = 576 dots at 8 dots/mm; 4 px modules are 19.7 mil.
	Tape: {medium: Tape, dpi: 203, width: 576, margin: 16, module: 4, maxHeight: tapeMaxHeight, docTitlePt: 11, docFieldPt: 9},
	// US Letter, 8.5 × 11 in at 100 dpi, 20 mm margins and the PDF's text sizes (pdf.go).
	Sheet: {medium: Sheet, dpi: 100, width: 850, margin: 79, module: 3, maxHeight: 1100, page: 1100, docTitlePt: 18, docFieldPt: 12},
}

func specFor(m Medium) (mediumSpec, error) {
	s, ok := specs[m]
	if !ok {
		return mediumSpec{}, fmt.Errorf("medium %q: %w (want %q, %q or %q)", m, ErrUnknownMedium, Envelope, Tape, Sheet)
	}
	return s, nil
}

// px converts a length in points (1/72 in) to whole device pixels, rounding to nearest.
func (s mediumSpec) px(pt int) int { return (pt*s.dpi + 36) / 72 }
