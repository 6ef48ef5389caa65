package printer

import (
	"image"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderUnknownMedium(t *testing.T) {
	_, err := RenderIndicium(sampleIndicium(), Medium("label"))
	assert.ErrorIs(t, err, ErrUnknownMedium)
	_, err = RenderDocument(sampleReceipt(), Medium(""))
	assert.ErrorIs(t, err, ErrUnknownMedium)
}

func TestRenderIsDeterministicAndConcurrent(t *testing.T) {
	want, err := RenderIndicium(sampleIndicium(), Tape)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := RenderIndicium(sampleIndicium(), Tape)
			if assert.NoError(t, err) {
				assert.Equal(t, want.(*image.Paletted).Pix, got.(*image.Paletted).Pix)
			}
		})
	}
	wg.Wait()
}

func TestRenderIndiciumShowsMillsPostage(t *testing.T) {
	ind := sampleIndicium()
	ind.Postage = 406
	assert.Equal(t, "$0.406", postageText(ind), "a fraction of a cent must not be cut off")
	ind.Postage = 730
	assert.Equal(t, "$0.73", postageText(ind))
}

func TestRenderIndiciumTooWide(t *testing.T) {
	ind := sampleIndicium()
	ind.MailClass = strings.Repeat("W", MaxTextField)
	ind = sign(t, ind, testMeterKey)
	_, err := RenderIndicium(ind, Tape)
	assert.ErrorIs(t, err, ErrDoesNotFit)
}

func TestRenderDocumentWrapsLongText(t *testing.T) {
	doc := Document{Title: strings.Repeat("Very long title ", 8), Fields: []Field{
		{strings.Repeat("label ", 20), strings.Repeat("value ", 20)},
		{"", "value only"},
		{"label only", ""},
		{"Unbroken", strings.Repeat("x", 200)},
		{"Unicode", "€ — é ü ß"},
	}}
	for _, m := range Media() {
		img, err := RenderDocument(doc, m)
		require.NoError(t, err, m)
		assert.Equal(t, specs[m].width, img.Bounds().Dx())
		short, err := RenderDocument(Document{Title: "T", Fields: doc.Fields[1:2]}, m)
		require.NoError(t, err)
		assert.Greater(t, img.Bounds().Dy(), 2*short.Bounds().Dy(), "wrapped lines make the image taller")
	}
}

func TestRenderDocumentEnvelopeLimit(t *testing.T) {
	doc := Document{Title: "Long report"}
	for range 40 {
		doc.Fields = append(doc.Fields, Field{"Line", "value"})
	}
	_, err := RenderDocument(doc, Envelope)
	assert.ErrorIs(t, err, ErrDoesNotFit)
	img, err := RenderDocument(doc, Tape)
	require.NoError(t, err, "tape is as long as needed")
	assert.Greater(t, img.Bounds().Dy(), 1000)
}

func TestRenderEmptyDocument(t *testing.T) {
	for _, m := range Media() {
		img, err := RenderDocument(Document{}, m)
		require.NoError(t, err)
		assert.Equal(t, specs[m].width, img.Bounds().Dx())
	}
}

func TestWrap(t *testing.T) {
	fc, err := newFace(regular, 9, 203)
	require.NoError(t, err)
	lines, err := wrap(fc, "the quick brown fox jumps over the lazy dog", 150)
	require.NoError(t, err)
	assert.Greater(t, len(lines), 1)
	assert.Equal(t, "the quick brown fox jumps over the lazy dog", strings.Join(lines, " "))
	for _, l := range lines {
		w, err := fc.width(l)
		require.NoError(t, err)
		assert.LessOrEqual(t, w, 150, l)
	}
	lines, err = wrap(fc, "", 150)
	require.NoError(t, err)
	assert.Equal(t, []string{""}, lines)
}

func TestFillSquare(t *testing.T) {
	// A 2×2 px square from (1,1) to (3,3) in 26.6 covers exactly the pixels (1..2, 1..2).
	c := newCanvas(5, 5)
	sq := []edge{{64, 64, 192, 64}, {192, 64, 192, 192}, {192, 192, 64, 192}, {64, 192, 64, 64}}
	fill(c, sq, black)
	n := 0
	for y := range 5 {
		for x := range 5 {
			inside := x >= 1 && x <= 2 && y >= 1 && y <= 2
			assert.Equal(t, inside, c.img.ColorIndexAt(x, y) == black, "pixel %d,%d", x, y)
			if inside {
				n++
			}
		}
	}
	assert.Equal(t, 4, n)
}

func TestIntegerDivision(t *testing.T) {
	assert.Equal(t, int64(-2), floorDiv(-3, 2))
	assert.Equal(t, int64(1), floorDiv(3, 2))
	assert.Equal(t, int64(-2), floorDiv(3, -2))
	assert.Equal(t, int64(-1), ceilDiv(-3, 2))
	assert.Equal(t, int64(2), ceilDiv(3, 2))
	assert.Equal(t, int64(2), divRound(3, 2))
	assert.Equal(t, int64(-1), divRound(-3, 2))
}
