package printer

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Text rendering.
//
// Glyph outlines come from the embedded Go fonts through x/image's sfnt parser, which scales them
// with integer arithmetic into 26.6 fixed point. They are then filled here, also with integers only:
// curves are flattened with exact Bernstein sums, and each pixel is black when its centre lies inside
// the outline (non-zero winding). There is no antialiasing and no floating point, so the output is
// bit-identical on every machine (x/image/vector uses float32 and may round differently where the
// compiler fuses multiply-adds, e.g. on arm64). At 203 dpi and above, 8 pt text has stems of two
// pixels or more, so 1-bit rendering stays legible.

type fontStyle int

const (
	regular fontStyle = iota
	bold
	mono
)

var loadFonts = sync.OnceValues(func() ([3]*sfnt.Font, error) {
	var fs [3]*sfnt.Font
	for i, ttf := range [][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return fs, fmt.Errorf("parse embedded Go font %d: %w", i, err)
		}
		fs[i] = f
	}
	return fs, nil
})

// face is one font at one pixel size. It is not safe for concurrent use (it owns an sfnt.Buffer).
type face struct {
	f       *sfnt.Font
	buf     sfnt.Buffer
	ppem    fixed.Int26_6
	ascent  int // px above the baseline
	descent int // px below the baseline
	height  int // px, recommended line height
}

// newFace makes a face of pt points at dpi.
func newFace(style fontStyle, pt, dpi int) (*face, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	fc := &face{f: fs[style], ppem: fixed.Int26_6(pt * dpi * 64 / 72)}
	m, err := fc.f.Metrics(&fc.buf, fc.ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("font metrics: %w", err)
	}
	fc.ascent, fc.descent, fc.height = m.Ascent.Ceil(), m.Descent.Ceil(), m.Height.Ceil()
	return fc, nil
}

// glyphs maps s to glyph indices and the 26.6 pen position of each glyph, plus the total advance.
func (fc *face) glyphs(s string) ([]sfnt.GlyphIndex, []fixed.Int26_6, fixed.Int26_6, error) {
	var idx []sfnt.GlyphIndex
	var pos []fixed.Int26_6
	pen := fixed.Int26_6(0)
	for i, r := range s {
		g, err := fc.f.GlyphIndex(&fc.buf, r)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("glyph for %q: %w", r, err)
		}
		if i > 0 && len(idx) > 0 {
			k, err := fc.f.Kern(&fc.buf, idx[len(idx)-1], g, fc.ppem, font.HintingNone)
			if err != nil && !errors.Is(err, sfnt.ErrNotFound) {
				return nil, nil, 0, fmt.Errorf("kerning before %q: %w", r, err)
			}
			pen += k
		}
		adv, err := fc.f.GlyphAdvance(&fc.buf, g, fc.ppem, font.HintingNone)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("advance of %q: %w", r, err)
		}
		idx, pos = append(idx, g), append(pos, pen)
		pen += adv
	}
	return idx, pos, pen, nil
}

// width is the advance width of s in whole pixels (rounded up).
func (fc *face) width(s string) (int, error) {
	_, _, w, err := fc.glyphs(s)
	return w.Ceil(), err
}

// draw paints s with its baseline at y and its pen starting at x, in palette colour ci.
func (fc *face) draw(c *canvas, x, y int, s string, ci uint8) error {
	idx, pos, _, err := fc.glyphs(s)
	if err != nil {
		return err
	}
	ox, oy := fixed.I(x), fixed.I(y)
	for i, g := range idx {
		segs, err := fc.f.LoadGlyph(&fc.buf, g, fc.ppem, nil)
		if err != nil {
			return fmt.Errorf("outline of glyph %d: %w", g, err)
		}
		fill(c, outline(segs, ox+pos[i], oy), ci)
	}
	return nil
}

// edge is one straight piece of an outline, in 26.6 device coordinates.
type edge struct{ x0, y0, x1, y1 int64 }

// outline flattens glyph segments, offset by (dx, dy), into closed polygons of edges.
func outline(segs sfnt.Segments, dx, dy fixed.Int26_6) []edge {
	var es []edge
	var sx, sy, px, py int64 // contour start, pen
	line := func(x, y int64) {
		if y != py {
			es = append(es, edge{px, py, x, y})
		}
		px, py = x, y
	}
	for _, s := range segs {
		pt := func(i int) (int64, int64) { return int64(s.Args[i].X + dx), int64(s.Args[i].Y + dy) }
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			line(sx, sy)
			sx, sy = pt(0)
			px, py = sx, sy
		case sfnt.SegmentOpLineTo:
			line(pt(0))
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(0)
			x2, y2 := pt(1)
			n := steps(abs(px-2*x1+x2)+abs(py-2*y1+y2), 64)
			x0, y0 := px, py
			for i := int64(1); i <= n; i++ {
				a, b, c := (n-i)*(n-i), 2*i*(n-i), i*i
				line(divRound(a*x0+b*x1+c*x2, n*n), divRound(a*y0+b*y1+c*y2, n*n))
			}
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(0)
			x2, y2 := pt(1)
			x3, y3 := pt(2)
			d := max(abs(px-2*x1+x2)+abs(py-2*y1+y2), abs(x1-2*x2+x3)+abs(y1-2*y2+y3))
			n := steps(d, 16)
			x0, y0 := px, py
			for i := int64(1); i <= n; i++ {
				j := n - i
				a, b, c, e := j*j*j, 3*i*j*j, 3*i*i*j, i*i*i
				line(divRound(a*x0+b*x1+c*x2+e*x3, n*n*n), divRound(a*y0+b*y1+c*y2+e*y3, n*n*n))
			}
		}
	}
	line(sx, sy)
	return es
}

// steps picks how many chords approximate a curve whose second difference is dev (26.6 units) so
// that the error stays near 1/8 px: n² ≥ dev/per.
func steps(dev, per int64) int64 {
	n := int64(1)
	for n*n*per < dev && n < 64 {
		n++
	}
	return n
}

// fill sets every pixel whose centre is inside the polygons (non-zero winding rule).
func fill(c *canvas, es []edge, ci uint8) {
	if len(es) == 0 {
		return
	}
	ymin, ymax := es[0].y0, es[0].y0
	for _, e := range es {
		ymin, ymax = min(ymin, e.y0, e.y1), max(ymax, e.y0, e.y1)
	}
	type crossing struct{ x, dir int64 }
	var xs []crossing
	for py := floorDiv(ymin, 64); py <= floorDiv(ymax, 64); py++ {
		yc := py*64 + 32
		xs = xs[:0]
		for _, e := range es {
			lo, hi, dir := e.y0, e.y1, int64(1)
			if lo > hi {
				lo, hi, dir = hi, lo, -1
			}
			if yc < lo || yc >= hi {
				continue
			}
			xs = append(xs, crossing{e.x0 + floorDiv((yc-e.y0)*(e.x1-e.x0), e.y1-e.y0), dir})
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i].x < xs[j].x })
		wind := int64(0)
		for i := 0; i+1 < len(xs); i++ {
			wind += xs[i].dir
			if wind == 0 {
				continue
			}
			// Pixels whose centre px*64+32 lies in [xs[i].x, xs[i+1].x).
			from, to := ceilDiv(xs[i].x-32, 64), ceilDiv(xs[i+1].x-32, 64)
			for px := from; px < to; px++ {
				c.set(int(px), int(py), ci)
			}
		}
	}
}

func abs(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// floorDiv divides rounding toward minus infinity; b must not be 0.
func floorDiv(a, b int64) int64 {
	if b < 0 {
		a, b = -a, -b
	}
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// divRound divides by b > 0, rounding halves up.
func divRound(a, b int64) int64 { return floorDiv(2*a+b, 2*b) }
