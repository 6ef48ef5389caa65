package printer

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/testenv"
)

// pdfText extracts the text of a PDF with poppler's pdftotext, or skips the test without it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		testenv.Missing(t, "pdftotext not found: install the Debian package poppler-utils (make deps installs it)")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(in, pdf, 0o644))
	out, err := exec.Command(bin, "-layout", in, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

// squash collapses runs of white space, so layout spacing does not matter to comparisons.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRenderPDF(t *testing.T) {
	doc := sampleReceipt()
	doc.Fields = append(doc.Fields, Field{"Note", "Refill — thank you €"})
	pdf, err := RenderPDF(doc)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	assert.Regexp(t, regexp.MustCompile(`/MediaBox \[0 0 612(\.00)? 792(\.00)?\]`), string(pdf), "US Letter")

	text := squash(pdfText(t, pdf))
	assert.Contains(t, text, "Refill Receipt")
	for _, f := range doc.Fields {
		assert.Contains(t, text, f.Label+" "+f.Value)
	}
}

func TestRenderPDFManyFieldsPaginates(t *testing.T) {
	doc := Document{Title: "Long"}
	for range 80 {
		doc.Fields = append(doc.Fields, Field{"Label", strings.Repeat("long value ", 12)})
	}
	pdf, err := RenderPDF(doc)
	require.NoError(t, err)
	pages := regexp.MustCompile(`/Type /Page\b`).FindAll(pdf, -1)
	assert.Greater(t, len(pages), 3)
}
