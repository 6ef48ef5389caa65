package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/internal/scantest"
	"postmeter/printer"
)

// goldenSeed is the meter key the printer package's goldens are signed with (printer/render_test.go).
var goldenSeed = bytes.Repeat([]byte{7}, ed25519.SeedSize)

// verifierDC is a Data Center database with meter PM123456 enrolled under goldenSeed's key, granted
// $1,000.000 and reporting on Nov 24, 2026 40 pieces and $460.000 used: the printer goldens (piece 42,
// $464.270 used, dated Nov 25) fit it.
func verifierDC(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "dc.db")
	st, err := datacenter.OpenSQLite(ctx, db, datacenter.SQLiteOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.CreateAccount(ctx, "12345678", 0))
	require.NoError(t, st.Deposit(ctx, "12345678", 2000*funds.Dollar))
	_, err = st.RegisterMeter(ctx, "PM123456", "12345678", 10*funds.Dollar, 5000*funds.Dollar)
	require.NoError(t, err)
	keyDir := filepath.Join(dir, "meter-keys")
	require.NoError(t, os.MkdirAll(keyDir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(keyDir, "meter-signing.key"), goldenSeed, 0o600))
	keys, err := funds.OpenFileKeys(keyDir)
	require.NoError(t, err)
	_, dcKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.NoError(t, datacenter.EnrollLocal(ctx, st, dcKey, "PM123456", keys))

	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	id := uuid.Must(uuid.NewV7()).String()
	_, err = st.Reserve(ctx, datacenter.Request{Serial: "PM123456", At: day(20)}, id, 1000*funds.Dollar,
		funds.Report{AuditSeq: 1, AuditHead: strings.Repeat("a", 64)})
	require.NoError(t, err)
	_, err = st.Post(ctx, datacenter.Request{Serial: "PM123456", At: day(20)}, id)
	require.NoError(t, err)
	_, err = st.UploadPostalInfo(ctx, datacenter.Request{Serial: "PM123456", At: day(24)}, funds.PostalInfo{
		Registers: funds.RegisterReadings{AvailableMills: 540_000, UsedMills: 460_000, ControlMills: 1_000_000, Pieces: 40},
		AuditSeq:  2, AuditHead: strings.Repeat("b", 64)})
	require.NoError(t, err)
	return db
}

// golden is the printer's sample indicium, the one in its goldens.
func golden() printer.Indicium {
	return printer.Indicium{MailingDate: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Postage: 780,
		MailClass: "letter", MeterSerial: "PM123456", Model: "SendPro P1000", IndiciaNumber: "IN-0042",
		OriginZIP: "06926", Piece: 42, Available: 535_730, Used: 464_270, Simulation: true}
}

func signWith(t *testing.T, ind printer.Indicium, seed []byte) printer.Indicium {
	t.Helper()
	body, err := printer.IndiciumBody(ind)
	require.NoError(t, err)
	ind.Signature = ed25519.Sign(ed25519.NewKeyFromSeed(seed), funds.IndiciumMessage(body))
	return ind
}

// picture renders ind on m, as printed or as scanned with s (nil: as printed), into a PNG file.
func picture(t *testing.T, ind printer.Indicium, m printer.Medium, s *scantest.Scan) string {
	t.Helper()
	img, err := printer.RenderIndicium(ind, m)
	require.NoError(t, err)
	if s != nil {
		img = scantest.Take(img, *s)
	}
	return writePNG(t, img)
}

func writePNG(t *testing.T, img image.Image) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "piece-*.png")
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return f.Name()
}

// TestIndiciumVerifier runs `datacenter verify-indicium` on pictures of indicia: the printer's goldens,
// scans of fresh prints, and forgeries; each verdict is checked by its line and the exit status.
func TestIndiciumVerifier(t *testing.T) {
	db := verifierDC(t)
	otherSeed := bytes.Repeat([]byte{9}, ed25519.SeedSize)
	next := func(mutate func(*printer.Indicium)) printer.Indicium {
		ind := golden()
		ind.Piece, ind.Used, ind.Available = 43, 465_050, 534_950 // the piece after the golden
		if mutate != nil {
			mutate(&ind)
		}
		return ind
	}
	valid := signWith(t, next(nil), goldenSeed)
	scan := func(deg float64, m printer.Medium, dpi, blur int) *scantest.Scan {
		printDPI := 300
		if m == printer.Tape {
			printDPI = 203
		}
		return &scantest.Scan{Degrees: deg, PrintDPI: printDPI, ScanDPI: dpi, Blur: blur, Margin: 60}
	}
	tampered := valid
	tampered.Postage = 7_800 // the barcode says $7.80; the signature was for $0.78
	copied := valid
	copied.MailingDate = copied.MailingDate.AddDate(0, 0, 5) // the same indicium, moved to another day
	copyOfValid := picture(t, valid, printer.Envelope, nil)

	cases := []struct {
		name   string
		images []string
		want   []string // one pattern per image, in order
	}{
		{"envelope golden", []string{filepath.Join("..", "..", "printer", "testdata", "indicium-envelope.png")},
			[]string{`valid: A specimen .* signed by meter PM123456, piece 42 of \$0\.780`}},
		{"tape golden at 203 dpi", []string{filepath.Join("..", "..", "printer", "testdata", "indicium-tape.png")},
			[]string{`valid: .*piece 42`}},
		{"envelope scanned at 300 dpi, turned 7 degrees, blurred", []string{picture(t, valid, printer.Envelope, scan(7, printer.Envelope, 300, 1))},
			[]string{`valid: .*piece 43`}},
		{"envelope scanned at 150 dpi, turned 93 degrees, blurred", []string{picture(t, valid, printer.Envelope, scan(93, printer.Envelope, 150, 1))},
			[]string{`valid: .*piece 43`}},
		{"tape scanned at 150 dpi, upside down, blurred", []string{picture(t, valid, printer.Tape, scan(181, printer.Tape, 150, 1))},
			[]string{`valid: .*piece 43`}},
		{"tape scanned at 300 dpi, turned 45 degrees", []string{picture(t, valid, printer.Tape, scan(-45, printer.Tape, 300, 0))},
			[]string{`valid: .*piece 43`}},
		{"tampered postage", []string{picture(t, tampered, printer.Envelope, nil)},
			[]string{`refused \(bad-signature\): The signature does not match meter PM123456's registered key`}},
		{"signed with another key", []string{picture(t, signWith(t, next(nil), otherSeed), printer.Envelope, nil)},
			[]string{`refused \(bad-signature\)`}},
		{"copied to another date", []string{picture(t, copied, printer.Envelope, scan(3, printer.Envelope, 200, 1))},
			[]string{`refused \(bad-signature\)`}},
		{"the same indicium twice", []string{copyOfValid, copyOfValid},
			[]string{`valid: .*piece 43`, `refused \(duplicate\): Piece 43 of meter PM123456 was already seen: this is a copy`}},
		{"registers above all refills granted", []string{picture(t, signWith(t, next(func(i *printer.Indicium) { i.Available = 600_000 }), goldenSeed), printer.Envelope, nil)},
			[]string{`refused \(registers\): Its registers add up to \$1,065\.050, more than the \$1,000\.000 ever granted`}},
		{"an early piece with more used than reported later", []string{picture(t, signWith(t, next(func(i *printer.Indicium) { i.Piece = 30 }), goldenSeed), printer.Envelope, nil)},
			[]string{`refused \(registers\): Piece 30 was printed before the meter's report`}},
		{"a later piece dated before the report", []string{picture(t, signWith(t, next(func(i *printer.Indicium) {
			i.MailingDate = time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		}), goldenSeed), printer.Envelope, nil)},
			[]string{`refused \(date\): Piece 43 was printed after the meter's report of Nov 24, 2026, yet is dated Nov 10, 2026`}},
		{"a meter the Data Center does not know", []string{picture(t, signWith(t, next(func(i *printer.Indicium) { i.MeterSerial = "PM999999" }), otherSeed), printer.Envelope, nil)},
			[]string{`refused \(unknown-meter\): No enrolled meter has serial "PM999999"`}},
		{"a test print", []string{picture(t, signWith(t, next(func(i *printer.Indicium) {
			i.Kind, i.Postage, i.Piece, i.MailClass = printer.KindTest, 0, 0, ""
		}), goldenSeed), printer.Tape, nil)},
			[]string{`refused \(no-value\): A test print of meter PM123456, signed by its key: it carries no postage`}},
		{"a date correction", []string{picture(t, signWith(t, next(func(i *printer.Indicium) {
			i.Kind, i.Postage, i.MailClass = printer.KindDateCorrection, 0, ""
		}), goldenSeed), printer.Tape, nil)},
			[]string{`refused \(no-value\): A date correction of piece 43 of meter PM123456 to 2026-11-25`}},
		{"a date correction signed by another key", []string{picture(t, signWith(t, next(func(i *printer.Indicium) {
			i.Kind, i.Postage, i.MailClass = printer.KindDateCorrection, 0, ""
		}), otherSeed), printer.Tape, nil)},
			[]string{`refused \(bad-signature\)`}},
		{"a receipt, not an indicium", []string{filepath.Join("..", "..", "printer", "testdata", "receipt-envelope.png")},
			[]string{`refused \(unreadable\): No Data Matrix could be read`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// -remember=false: the cases read piece 43 again and again; TestVerifiedPiecesRemembered
			// runs with the memory.
			r := runCLI(append([]string{"verify-indicium", "-db", db, "-remember=false"}, c.images...)...)
			lines := regexp.MustCompile(`(?m)^.*$`).FindAllString(r.stdout, -1)
			require.Len(t, lines, len(c.images)+1, "one line per picture: %s %s", r.stdout, r.stderr) // the last is empty
			allValid := true
			for i, want := range c.want {
				assert.Regexp(t, regexp.MustCompile("^"+regexp.QuoteMeta(c.images[i])+": "+want), lines[i])
				allValid = allValid && regexp.MustCompile(`^\S+: valid: `).MatchString(lines[i])
			}
			if allValid {
				assert.Equal(t, exitOK, r.code, r.stderr)
			} else {
				assert.Equal(t, exitRefused, r.code, r.stderr)
			}
		})
	}
}

// A piece verified once is kept in the Data Center's database: the same indicium in a later run is
// refused as a copy, and another piece signed under the same number as two pieces under one number;
// -remember=false checks without keeping anything.
func TestVerifiedPiecesRemembered(t *testing.T) {
	db := verifierDC(t)
	ind := golden()
	ind.Piece, ind.Used, ind.Available = 43, 465_050, 534_950
	valid := picture(t, signWith(t, ind, goldenSeed), printer.Envelope, nil)
	other := ind
	other.DestinationZIP = "10001" // another piece, signed by the meter's key under the same number
	otherPic := picture(t, signWith(t, other, goldenSeed), printer.Envelope, nil)

	r := runCLI("verify-indicium", "-db", db, "-remember=false", valid)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	r = runCLI("verify-indicium", "-db", db, valid)
	require.Equal(t, exitOK, r.code, "not kept by the run without memory: %s", r.stdout)
	for _, c := range []struct{ image, want string }{
		{valid, `refused \(duplicate\): Piece 43 of meter PM123456 was already verified on .* UTC: this is a copy of the same indicium`},
		{otherPic, `refused \(duplicate\): Piece 43 of meter PM123456 was already verified on .* with other data`},
	} {
		r = runCLI("verify-indicium", "-db", db, c.image)
		assert.Equal(t, exitRefused, r.code)
		assert.Regexp(t, regexp.MustCompile("^"+regexp.QuoteMeta(c.image)+": "+c.want), r.stdout)
	}
}

func TestVerifyIndiciumUsage(t *testing.T) {
	r := runCLI("verify-indicium")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "usage: datacenter verify-indicium")
	r = runCLI("verify-indicium", "-db", filepath.Join(t.TempDir(), "dc.db"), "/no/such/file.png")
	assert.Equal(t, exitRefused, r.code)
	assert.Contains(t, r.stdout, fmt.Sprintf("%s: refused (unreadable): The picture cannot be opened", "/no/such/file.png"))
}

func TestPublishRates(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dc.db")
	good := filepath.Join(t.TempDir(), "rates-2026-12-01.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"effective": "2026-12-01", "source": "test", "unverified": true,
  "classes": [{"class": "letter", "max_oz": "1", "steps": [{"not_over_oz": "1", "price": "0.80"}]}]}`), 0o600))
	r := runCLI("publish-rates", "-db", db, good)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "rate table effective Dec 1, 2026 published (marked unverified): meters install it at their next contact\n", r.stdout)

	ctx := context.Background()
	st, err := datacenter.OpenSQLite(ctx, db, datacenter.SQLiteOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	tables, err := st.RateTables(ctx)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.Len(t, tables, 1)
	key, err := datacenter.LoadOrCreateKey(datacenter.KeyFileFor(db))
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(key.Public().(ed25519.PublicKey), funds.RatesMessage("2026-12-01", tables[0].Table), tables[0].Signature),
		"signed with the Data Center's own key")

	bad := filepath.Join(t.TempDir(), "rates-2026-12-02.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"effective": "2026-12-02", "source": "test", "classes": []}`), 0o600))
	r = runCLI("publish-rates", "-db", db, bad)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "classes: missing")
}
