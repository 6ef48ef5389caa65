package scan

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"image"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/internal/scantest"
	"postmeter/printer"
)

func signedSample(t testing.TB) printer.Indicium {
	ind := printer.Indicium{MailingDate: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Postage: 780,
		MailClass: "letter", MeterSerial: "PM123456", Model: "SendPro P1000", IndiciaNumber: "IN-0042",
		OriginZIP: "06926", DestinationZIP: "10001", Piece: 42, Available: 535_730, Used: 464_270, Simulation: true}
	body, err := printer.IndiciumBody(ind)
	require.NoError(t, err)
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	ind.Signature = ed25519.Sign(key, funds.IndiciumMessage(body))
	return ind
}

// Every printed medium is read back from scans turned by any angle, at 150 to 300 dpi, sharp or
// slightly blurred (one pass of a 3×3 Gaussian; two at 200 dpi and more). The limit, measured: two
// passes at 150 dpi, where an envelope's modules are 2.5 scanner pixels, fail at most angles.
func TestReadDataMatrixFromScans(t *testing.T) {
	ind := signedSample(t)
	want, err := printer.IndiciumPayload(ind)
	require.NoError(t, err)
	dpi := map[printer.Medium]int{printer.Envelope: 300, printer.Tape: 203}
	for _, m := range printer.Media() {
		img, err := printer.RenderIndicium(ind, m)
		require.NoError(t, err)
		for _, scanDPI := range []int{150, 200, 300} {
			for _, deg := range []float64{0, -11, 30, 90, 135} {
				for _, blur := range []int{0, 1, 2} {
					if blur == 2 && scanDPI < 200 {
						continue
					}
					s := scantest.Scan{Degrees: deg, PrintDPI: dpi[m], ScanDPI: scanDPI, Blur: blur, Margin: 40}
					t.Run(fmt.Sprintf("%s/%ddpi/%gdeg/blur%d", m, scanDPI, deg, blur), func(t *testing.T) {
						t.Parallel()
						pic := scantest.Take(img, s)
						got, err := ReadDataMatrix(pic)
						if !assert.NoError(t, err) && os.Getenv("KEEP_SCANS") != "" {
							f, _ := os.Create(fmt.Sprintf("/tmp/scan-%s-%d-%g-%d.png", m, scanDPI, deg, blur))
							png.Encode(f, pic)
							f.Close()
						}
						assert.Equal(t, want, got)
					})
				}
			}
		}
	}
}

func TestReadDataMatrixFindsNothingInABlankOrTextOnlyPicture(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	_, err := ReadDataMatrix(blank)
	assert.ErrorIs(t, err, ErrNoSymbol)
	doc, err := printer.RenderDocument(printer.Document{Title: "Funds Report", Fields: []printer.Field{{Label: "Pieces", Value: "42"}}}, printer.Tape)
	require.NoError(t, err)
	_, err = ReadDataMatrix(doc)
	assert.ErrorIs(t, err, ErrNoSymbol)
}
