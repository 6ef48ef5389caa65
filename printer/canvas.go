package printer

import (
	"fmt"
	"image"
	"image/color"
	"strings"

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

// encodeDataMatrix encodes a binary payload as a square ECC200 symbol, all of it in Base256
// encodation (one codeword a byte). ZXing's own high-level encoder mixes encodations and writes some
// bytes above 127 with ASCII upper shifts, which its reader then returns as raw bytes inside otherwise
// ISO-8859-1 text: about one signature in seven came back with a byte changed. One Base256 segment
// reads back the same way in every reader (ZXing's and libdmtx's); ZXing still supplies the symbol
// sizes, the Reed-Solomon error correction and the module placement.
func encodeDataMatrix(payload []byte) (dataMatrix, error) {
	if len(payload) == 0 || len(payload) > 249 {
		return dataMatrix{}, fmt.Errorf("encode Data Matrix: %d bytes, want 1 to 249 (one length byte)", len(payload))
	}
	// Latch to Base256 (231), the length, the data; the length and data are randomised by position
	// (ISO/IEC 16022, 5.2.9 and annex B).
	cw := []byte{231}
	for _, b := range append([]byte{byte(len(payload))}, payload...) {
		cw = append(cw, randomize255(b, len(cw)+1))
	}
	info, err := dmencoder.SymbolInfo_Lookup(len(cw), dmencoder.SymbolShapeHint_FORCE_SQUARE, nil, nil, true)
	if err != nil {
		return dataMatrix{}, fmt.Errorf("encode Data Matrix: %w", err)
	}
	if len(cw) < info.GetDataCapacity() {
		cw = append(cw, 129) // the first pad, then randomised pads (5.2.3 and annex B)
	}
	for len(cw) < info.GetDataCapacity() {
		cw = append(cw, randomize253(len(cw)+1))
	}
	all, err := dmencoder.ErrorCorrection_EncodeECC200(cw, info)
	if err != nil {
		return dataMatrix{}, fmt.Errorf("encode Data Matrix: %w", err)
	}
	place := dmencoder.NewDefaultPlacement(all, info.GetSymbolDataWidth(), info.GetSymbolDataHeight())
	place.Place()
	return layoutModules(place, info), nil
}

func randomize255(b byte, pos int) byte { return byte(int(b) + (149*pos)%255 + 1) } // mod 256

func randomize253(pos int) byte {
	v := 129 + (149*pos)%253 + 1
	if v > 254 {
		v -= 254
	}
	return byte(v)
}

// layoutModules puts the placed data modules into the symbol with its finder and clock patterns: each
// data region gets a solid line on its left and bottom and alternating modules on its top and right.
func layoutModules(place *dmencoder.DefaultPlacement, info *dmencoder.SymbolInfo) dataMatrix {
	size := info.GetSymbolWidth()
	dm := dataMatrix{size: size, modules: make([][]bool, info.GetSymbolHeight())}
	for y := range dm.modules {
		dm.modules[y] = make([]bool, size)
	}
	rw, rh := info.GetMatrixWidth(), info.GetMatrixHeight()
	for y := range info.GetSymbolDataHeight() {
		for x := range info.GetSymbolDataWidth() {
			// Region (x/rw, y/rh) starts one module in from its own finder and clock lines.
			mx := x/rw*(rw+2) + x%rw + 1
			my := y/rh*(rh+2) + y%rh + 1
			dm.modules[my][mx] = place.GetBit(x, y)
		}
	}
	for ry := 0; ry < size; ry += rh + 2 {
		for rx := 0; rx < size; rx += rw + 2 {
			for i := range rw + 2 {
				dm.modules[ry+rh+1][rx+i] = true // bottom: solid
				dm.modules[ry][rx+i] = i%2 == 0  // top: alternating, dark first
			}
			for j := range rh + 2 {
				dm.modules[ry+j][rx] = true                 // left: solid
				dm.modules[ry+j][rx+rw+1] = (rh+1-j)%2 == 0 // right: alternating, dark at the bottom
			}
		}
	}
	return dm
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
