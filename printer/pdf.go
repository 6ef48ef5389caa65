package printer

import (
	"bytes"
	"fmt"

	"codeberg.org/go-pdf/fpdf"
)

// PDF documents for the attached printer are US Letter portrait (8.5 × 11 in), 20 mm margins, in the
// PDF core fonts (Helvetica), text encoded as Windows-1252. The matching IPP media keyword is
// MediaLetter, which IPPPrinter asks for by default.
const (
	pdfMargin   = 20.0 // mm
	pdfLabelCol = 85.0 // mm, width of the label column
	pdfLine     = 7.0  // mm, line height of a field
)

// RenderPDF lays out doc on Letter paper: the title in bold, a rule, then a two-column table of
// labels and values (long values wrap), and a closing rule. Long documents continue on new pages.
func RenderPDF(doc Document) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(false, pdfMargin) // fields are placed, and pages broken, by hand
	pdf.SetCreator("postmeter", true)
	pdf.SetTitle(doc.Title, true)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // UTF-8 → cp1252 for the core fonts
	pdf.AddPage()
	pageW, _ := pdf.GetPageSize()
	textW := pageW - 2*pdfMargin

	pdf.SetFont("Helvetica", "B", 18)
	pdf.MultiCell(textW, 9, tr(doc.Title), "", "L", false)
	pdf.Ln(2)
	rule(pdf, pageW)
	pdf.Ln(4)
	_, pageH := pdf.GetPageSize()
	valueW := textW - pdfLabelCol
	for _, f := range doc.Fields {
		label, value := tr(f.Label), tr(f.Value)
		pdf.SetFont("Helvetica", "", 12)
		rows := len(pdf.SplitText(label, pdfLabelCol-2))
		pdf.SetFont("Helvetica", "B", 12)
		rows = max(rows, len(pdf.SplitText(value, valueW)), 1)
		y := pdf.GetY()
		if y+float64(rows)*pdfLine > pageH-pdfMargin {
			pdf.AddPage()
			y = pdf.GetY()
		}
		pdf.SetFont("Helvetica", "", 12)
		pdf.SetXY(pdfMargin, y)
		pdf.MultiCell(pdfLabelCol-2, pdfLine, label, "", "L", false)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.SetXY(pdfMargin+pdfLabelCol, y)
		pdf.MultiCell(valueW, pdfLine, value, "", "L", false)
		pdf.SetY(y + float64(rows)*pdfLine)
	}
	pdf.Ln(2)
	rule(pdf, pageW)
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("render PDF of %q: %w", doc.Title, err)
	}
	return b.Bytes(), nil
}

func rule(pdf *fpdf.Fpdf, pageW float64) {
	y := pdf.GetY()
	pdf.SetLineWidth(0.4)
	pdf.Line(pdfMargin, y, pageW-pdfMargin, y)
}
