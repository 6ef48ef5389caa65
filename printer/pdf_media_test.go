package printer

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIndiciumPDFIsAnEnvelopeWithItsWords(t *testing.T) {
	ind := sampleIndicium()
	pdf, err := IndiciumPDF(ind, Envelope)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	assert.Regexp(t, regexp.MustCompile(`/MediaBox \[0 0 684(\.\d+)? 297(\.\d+)?\]`), string(pdf), "a #10 envelope, landscape")
	text := squash(pdfText(t, pdf))
	for _, want := range []string{postageText(ind), "METER " + ind.MeterSerial, "FROM ZIP " + ind.OriginZIP, SimulationBanner} {
		assert.Contains(t, text, want)
	}

	pdf, err = IndiciumPDF(ind, Tape)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`/MediaBox \[0 0 204(\.\d+)? 13\d(\.\d+)?\]`), string(pdf), "a label the indicium's size")
}

func TestDocumentPDFOnTape(t *testing.T) {
	doc := sampleReceipt()
	pdf, err := DocumentPDF(doc, Tape)
	require.NoError(t, err)
	text := squash(pdfText(t, pdf))
	assert.Contains(t, text, doc.Title)
	for _, f := range doc.Fields {
		assert.Contains(t, text, f.Label+" "+f.Value)
	}
}
