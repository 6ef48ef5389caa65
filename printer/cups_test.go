//go:build linux

package printer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/printer/cupstest"
)

// The integration test runs a private cupsd on loopback with a cups-pdf queue (printer/cupstest),
// prints a refill receipt through IPPPrinter and checks the text of the PDF that comes out.
func TestCUPSIntegration(t *testing.T) {
	srv := cupstest.Start(t)
	srv.AddQueue(t, "PDF_Test", "Letter")

	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	token := hex.EncodeToString(b)
	doc := sampleReceipt()
	doc.Fields = append(doc.Fields, Field{"Test run", token})
	p := &IPPPrinter{URI: srv.URI("PDF_Test"), Timeout: 45 * time.Second, PollInterval: 100 * time.Millisecond}
	assert.Equal(t, "PDF_Test", p.Name())
	start := time.Now()
	require.NoError(t, p.PrintDocument(context.Background(), doc), srv.Logs())
	t.Logf("CUPS job completed in %v", time.Since(start).Round(time.Millisecond))

	pdfs := srv.WaitPDFs(t, "PDF_Test", 1)
	text := cupstest.PDFText(t, pdfs[0])
	assert.Contains(t, text, doc.Title)
	for _, f := range doc.Fields {
		assert.Contains(t, text, f.Label)
		assert.Contains(t, text, f.Value)
	}

	// A stopped queue is reported as such, and nothing is queued.
	srv.Stop(t, "PDF_Test")
	err = p.PrintDocument(context.Background(), doc)
	assert.ErrorIs(t, err, ErrPrinterStopped)
}
