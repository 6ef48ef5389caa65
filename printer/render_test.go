package printer

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// testMeterKey stands for a meter's signing key; Ed25519 signatures are deterministic, so the goldens
// made with it are stable.
var testMeterKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

// sign sets ind's signature by key.
func sign(t testing.TB, ind Indicium, key ed25519.PrivateKey) Indicium {
	t.Helper()
	body, err := IndiciumBody(ind)
	require.NoError(t, err)
	ind.Signature = ed25519.Sign(key, funds.IndiciumMessage(body))
	return ind
}

// sampleIndicium has a midnight-UTC date, so it round-trips through the payload exactly; it is
// signed by testMeterKey.
func sampleIndicium() Indicium {
	ind := Indicium{
		MailingDate:   time.Date(2026, time.November, 25, 0, 0, 0, 0, time.UTC),
		Postage:       780,
		MailClass:     "letter",
		MeterSerial:   "PM123456",
		Model:         "SendPro P1000",
		IndiciaNumber: "IN-0042",
		OriginZIP:     "06926",
		Piece:         42,
		Available:     535_730,
		Used:          464_270,
		Simulation:    true,
	}
	body, err := IndiciumBody(ind)
	if err != nil {
		panic(err)
	}
	ind.Signature = ed25519.Sign(testMeterKey, funds.IndiciumMessage(body))
	return ind
}

func sampleReceipt() Document {
	return Document{Title: "Refill Receipt", Fields: []Field{
		{"Date", "Nov 25, 2026 10:42"},
		{"Meter serial", "PM123456"},
		{"Account", "Acme Mailroom (4417-0093)"},
		{"Refill ID", "0193f6e2-7c1a-7d3e-9b2f-4c5d6e7f8a9b"},
		{"Postage before", funds.Amount(35_730).String()},
		{"Postage added", funds.Amount(500_000).String()},
		{"Postage after", funds.Amount(535_730).String()},
		{"Control sum", funds.Amount(1_000_000).MillsString()},
	}}
}

func sampleFundsReport() Document {
	return Document{Title: "Funds Report", Fields: []Field{
		{"Meter serial", "PM123456"},
		{"Postage in meter (descending)", funds.Amount(535_730).MillsString()},
		{"Postage used (ascending)", funds.Amount(464_270).MillsString()},
		{"Control sum", funds.Amount(1_000_000).MillsString()},
		{"Pieces", "42"},
		{"Batch count", "7"},
		{"Batch value", funds.Amount(5_460).MillsString()},
		{"Printed", "Nov 25, 2026 10:45"},
	}}
}

// checkGolden compares img with testdata/name pixel by pixel. UPDATE_GOLDEN=1 rewrites the golden;
// on a mismatch the actual image is written to testdata/failed/name.
func checkGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	golden := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
		return
	}
	f, err := os.Open(golden)
	require.NoError(t, err, "golden missing: run UPDATE_GOLDEN=1 go test ./printer")
	defer f.Close()
	want, err := png.Decode(f)
	require.NoError(t, err)
	if diff := pixelDiff(want, img); diff != "" {
		failed := filepath.Join("testdata", "failed", name)
		require.NoError(t, os.MkdirAll(filepath.Dir(failed), 0o755))
		require.NoError(t, os.WriteFile(failed, buf.Bytes(), 0o644))
		t.Fatalf("%s differs from the golden (%s); actual image written to %s", name, diff, failed)
	}
}

func pixelDiff(want, got image.Image) string {
	if want.Bounds() != got.Bounds() {
		return "size " + got.Bounds().String() + ", want " + want.Bounds().String()
	}
	n := 0
	var first image.Point
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := want.At(x, y).RGBA()
			r2, g2, b2, _ := got.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d pixels differ, the first at %v", n, first)
}

// decodeDataMatrix reads the indicium's Data Matrix with ZXing's reader. ZXing's detector looks for
// the symbol in a clean area, so it gets the symbol's square (quiet zone included) cut from the image
// at the place the layout puts it.
func decodeDataMatrix(t *testing.T, img image.Image, m Medium, payload []byte) []byte {
	t.Helper()
	dm, err := encodeDataMatrix(payload)
	require.NoError(t, err)
	inset, side := indiciumInset(specs[m]), dm.side(specs[m].module)
	crop := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(crop, crop.Rect, img, image.Pt(inset, inset), draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	require.NoError(t, err)
	res, err := datamatrix.NewDataMatrixReader().Decode(bmp, nil)
	require.NoError(t, err, "no Data Matrix found in the image")
	return latin1Bytes(res.GetText())
}

// latin1Bytes turns ZXing's text (one rune per byte) back into bytes.
func latin1Bytes(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

func TestIndiciumGoldens(t *testing.T) {
	ind := sampleIndicium()
	payload, err := IndiciumPayload(ind)
	require.NoError(t, err)
	for _, m := range Media() {
		t.Run(string(m), func(t *testing.T) {
			img, err := RenderIndicium(ind, m)
			require.NoError(t, err)
			assert.Equal(t, specs[m].width, img.Bounds().Dx())
			checkGolden(t, "indicium-"+string(m)+".png", img)

			// The golden file itself, read back from disk, carries the payload.
			f, err := os.Open(filepath.Join("testdata", "indicium-"+string(m)+".png"))
			require.NoError(t, err)
			defer f.Close()
			golden, err := png.Decode(f)
			require.NoError(t, err)
			decoded := decodeDataMatrix(t, golden, m, payload)
			assert.Equal(t, payload, decoded)
			back, err := ParseIndiciumPayload(decoded)
			require.NoError(t, err)
			assert.Equal(t, ind, back)
		})
	}
}

func TestDocumentGoldens(t *testing.T) {
	cases := []struct {
		name string
		doc  Document
		m    Medium
	}{
		{"receipt-envelope.png", sampleReceipt(), Envelope},
		{"receipt-tape.png", sampleReceipt(), Tape},
		{"funds-report-tape.png", sampleFundsReport(), Tape},
		{"receipt-sheet.png", sampleReceipt(), Sheet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := RenderDocument(c.doc, c.m)
			require.NoError(t, err)
			assert.Equal(t, specs[c.m].width, img.Bounds().Dx())
			if c.m == Sheet {
				assert.Equal(t, 1100, img.Bounds().Dy(), "a whole Letter page at 100 dpi")
			}
			checkGolden(t, c.name, img)
		})
	}
}

// A large payload (unprinted text fields at their longest, a destination ZIP, huge registers) still
// renders on both media, and its symbol, at most 52×52 modules, decodes back.
func TestLargestIndiciumFitsAndDecodes(t *testing.T) {
	ind := sampleIndicium()
	long := strings.Repeat("9", MaxTextField)
	ind.Model, ind.DestinationZIP = long, long                                    // not printed; the printed fields keep their usual lengths
	ind.Available, ind.Used, ind.Piece, ind.Postage = 1<<62, 1<<62, 1<<62, 99_990 // a piece carries at most $99.99
	ind = sign(t, ind, testMeterKey)
	payload, err := IndiciumPayload(ind)
	require.NoError(t, err)
	dm, err := encodeDataMatrix(payload)
	require.NoError(t, err)
	assert.LessOrEqual(t, dm.size, 52, "a %d-byte payload", len(payload))
	t.Logf("largest payload %d bytes: %dx%d modules", len(payload), dm.size, dm.size)
	small, err := IndiciumPayload(sampleIndicium())
	require.NoError(t, err)
	sdm, err := encodeDataMatrix(small)
	require.NoError(t, err)
	t.Logf("sample payload %d bytes: %dx%d modules", len(small), sdm.size, sdm.size)
	for _, m := range Media() {
		img, err := RenderIndicium(ind, m)
		require.NoError(t, err, m)
		assert.Equal(t, payload, decodeDataMatrix(t, img, m, payload), m)
	}
}

// A test print and a date correction say on their face what they are, where postage shows its class,
// and carry their kind in the symbol.
func TestZeroValueGoldens(t *testing.T) {
	for name, kind := range map[string]Kind{"test-print": KindTest, "date-correction": KindDateCorrection} {
		t.Run(name, func(t *testing.T) {
			ind := sampleIndicium()
			ind.Kind, ind.Postage, ind.MailClass = kind, 0, ""
			if kind == KindTest {
				ind.Piece = 0
			}
			ind = sign(t, ind, testMeterKey)
			img, err := RenderIndicium(ind, Tape)
			require.NoError(t, err)
			checkGolden(t, name+"-tape.png", img)
			payload, err := IndiciumPayload(ind)
			require.NoError(t, err)
			back, err := ParseIndiciumPayload(decodeDataMatrix(t, img, Tape, payload))
			require.NoError(t, err)
			assert.Equal(t, kind, back.Kind)
		})
	}
}
