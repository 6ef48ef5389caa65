package printer

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// A print engine driven through CUPS (an envelope or label printer) gets the same pixels the
// simulated engine puts in the output tray, as a PDF page: the 1-bit image at its print resolution,
// and under it the image's words in white, so the job can be searched and checked
// (pdftotext) without changing what prints.

// IPP media keywords of the print engine's media.
const (
	MediaEnvelope10 = "na_number-10_4.125x9.5in"
	MediaLabel      = "oe_4x6-label_4x6in"
)

// MediaKeyword is the IPP media a medium is printed on.
func MediaKeyword(m Medium) string {
	if m == Envelope {
		return MediaEnvelope10
	}
	return MediaLabel
}

// envelopePage is a #10 envelope, landscape, in mm; the indicium goes in its top-right corner.
const (
	envelopeW, envelopeH = 241.3, 104.775
	envelopeMargin       = 6.35 // a quarter inch from the top and right edges
)

// IndiciumPDF is the indicium for medium m as a PDF: on an envelope, a #10 envelope page with the
// indicium in its top-right corner; on tape, a label page the indicium's size.
func IndiciumPDF(ind Indicium, m Medium) ([]byte, error) {
	img, err := RenderIndicium(ind, m)
	if err != nil {
		return nil, err
	}
	words := []string{postageText(ind), strings.ToUpper(ind.MailingDate.Format("Jan 02 2006")),
		"FROM ZIP " + ind.OriginZIP, "METER " + ind.MeterSerial, "PIECE " + strconv.FormatInt(ind.Piece, 10)}
	if mark := kindMark(ind); mark != "" {
		words = append(words, mark)
	}
	if ind.IndiciaNumber != "" {
		words = append(words, "INDICIA "+ind.IndiciaNumber)
	}
	words = append(words, SimulationBanner)
	return pagePDF(img, m, "Indicium piece "+strconv.FormatInt(ind.Piece, 10), words)
}

// DocumentPDF is a receipt or report for medium m as a PDF, the page laid out as on the envelope or
// tape.
func DocumentPDF(doc Document, m Medium) ([]byte, error) {
	img, err := RenderDocument(doc, m)
	if err != nil {
		return nil, err
	}
	words := []string{doc.Title}
	for _, f := range doc.Fields {
		words = append(words, f.Label+" "+f.Value)
	}
	return pagePDF(img, m, doc.Title, words)
}

// pagePDF puts img, printed at the medium's resolution, on a page with words as invisible text.
func pagePDF(img image.Image, m Medium, title string, words []string) ([]byte, error) {
	spec, err := specFor(m)
	if err != nil {
		return nil, err
	}
	mm := func(px int) float64 { return float64(px) * 25.4 / float64(spec.dpi) }
	w, h := mm(img.Bounds().Dx()), mm(img.Bounds().Dy())
	pageW, pageH, x, y := w, h, 0.0, 0.0
	if m == Envelope {
		pageW, pageH = envelopeW, envelopeH
		x, y = envelopeW-envelopeMargin-w, envelopeMargin
	}
	orientation := "P"
	if pageW > pageH {
		orientation = "L"
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: orientation, UnitStr: "mm",
		Size: fpdf.SizeType{Wd: min(pageW, pageH), Ht: max(pageW, pageH)}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("postmeter", true)
	pdf.SetTitle(title, true)
	pdf.AddPage()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("%s PDF: %w", title, err)
	}
	// The words go first, in white, and the image over them: invisible text (render mode 3) does not
	// survive CUPS's filters, white text under an image does, and the page prints only the image.
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("Helvetica", "", 6)
	for i, line := range words {
		pdf.Text(x+1, y+3+float64(i)*2.5, tr(line))
	}
	pdf.RegisterImageOptionsReader("page", fpdf.ImageOptions{ImageType: "PNG"}, &b)
	pdf.ImageOptions("page", x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("%s PDF: %w", title, err)
	}
	return out.Bytes(), nil
}
