package printer

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/makiuchi-d/gozxing"
	zxdatamatrix "github.com/makiuchi-d/gozxing/datamatrix"
	dmencoder "github.com/makiuchi-d/gozxing/datamatrix/encoder"
)

// Palette indices of the 1-bit images.
const (
	white uint8 = 0
	black uint8 = 1
)

var palette = color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}}

// canvas is a 1-bit drawing surface.
type canvas struct{ img *image.Paletted }

func newCanvas(w, h int) *canvas {
	return &canvas{img: image.NewPaletted(image.Rect(0, 0, w, h), palette)}
}

func (c *canvas) set(x, y int, ci uint8) {
	if (image.Point{x, y}).In(c.img.Rect) {
		c.img.Pix[y*c.img.Stride+x] = ci
	}
}

// rect fills the rectangle r.
func (c *canvas) rect(r image.Rectangle, ci uint8) {
	r = r.Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.img.Pix[y*c.img.Stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			row[x] = ci
		}
	}
}

// frame draws a border of thickness t just inside r.
func (c *canvas) frame(r image.Rectangle, t int, ci uint8) {
	c.rect(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), ci)
	c.rect(image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y), ci)
	c.rect(image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y), ci)
	c.rect(image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y), ci)
}

// dataMatrix is an encoded symbol: modules[y][x] is true for a dark module.
type dataMatrix struct {
	size    int // modules per side
	modules [][]bool
}

const quietModules = 2 // white modules kept around the symbol (ECC200 asks for at least 1)

// encodeDataMatrix encodes a binary payload as a square ECC200 symbol. ZXing's encoder picks the
// densest encodation (Base256 for the signature's random bytes, one codeword a byte); it takes the
// bytes as ISO-8859-1 text, one rune per byte.
func encodeDataMatrix(payload []byte) (dataMatrix, error) {
	runes := make([]rune, len(payload))
	for i, c := range payload {
		runes[i] = rune(c)
	}
	hints := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_DATA_MATRIX_SHAPE: dmencoder.SymbolShapeHint_FORCE_SQUARE}
	code, err := zxdatamatrix.NewDataMatrixWriter().Encode(string(runes), gozxing.BarcodeFormat_DATA_MATRIX, 0, 0, hints)
	if err != nil {
		return dataMatrix{}, fmt.Errorf("encode Data Matrix: %w", err)
	}
	if code.GetWidth() != code.GetHeight() {
		return dataMatrix{}, fmt.Errorf("Data Matrix is %dx%d, want a square", code.GetWidth(), code.GetHeight())
	}
	dm := dataMatrix{size: code.GetWidth(), modules: make([][]bool, code.GetHeight())}
	for y := range dm.modules {
		dm.modules[y] = make([]bool, dm.size)
		for x := range dm.modules[y] {
			dm.modules[y][x] = code.Get(x, y)
		}
	}
	return dm, nil
}

// side is the symbol's size in pixels with its quiet zone, at module px per module.
func (dm dataMatrix) side(module int) int { return (dm.size + 2*quietModules) * module }

// draw paints the symbol with its quiet zone, top-left corner of the quiet zone at (x, y).
func (c *canvas) dataMatrix(dm dataMatrix, x, y, module int) {
	side := dm.side(module)
	c.rect(image.Rect(x, y, x+side, y+side), white)
	x0, y0 := x+quietModules*module, y+quietModules*module
	for my, row := range dm.modules {
		for mx, dark := range row {
			if dark {
				c.rect(image.Rect(x0+mx*module, y0+my*module, x0+(mx+1)*module, y0+(my+1)*module), black)
			}
		}
	}
}

// wrap breaks s into lines no wider than w pixels: at spaces where it can, inside words where a word
// alone is too wide. It always returns at least one line.
func wrap(fc *face, s string, w int) ([]string, error) {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		tw, err := fc.width(try)
		if err != nil {
			return nil, err
		}
		if tw <= w {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		line = ""
		// The word alone: split it by runes if it is too wide.
		for word != "" {
			rs := []rune(word)
			n := len(rs)
			for n > 1 {
				ww, err := fc.width(string(rs[:n]))
				if err != nil {
					return nil, err
				}
				if ww <= w {
					break
				}
				n--
			}
			if n == len(rs) {
				line = word
				break
			}
			lines = append(lines, string(rs[:n]))
			word = string(rs[n:])
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines, nil
}
