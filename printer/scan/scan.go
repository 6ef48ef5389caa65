// Package scan finds and reads the Data Matrix symbols in a picture of a mail piece: a PNG the meter
// printed, or a scan of an envelope or tape at 150 to 300 dpi, turned a little or a lot and slightly
// blurred. It is the reading half of the open indicium verifier (`datacenter verify-indicium`); the
// meter itself never links it.
//
// ZXing's Data Matrix detector (github.com/makiuchi-d/gozxing) reads a symbol well when the symbol is
// the only thing near the middle of the picture, so this package first finds the symbols: it marks the
// dark pixels, joins the modules of a symbol into one blob, keeps the blobs that are about square and
// about half dark (text lines are long, the banner and the frame are not half dark), and gives each,
// alone on white, to the detector, at the scale it came in and enlarged.
package scan

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
)

// ErrNoSymbol is returned when no Data Matrix could be read in the picture.
var ErrNoSymbol = errors.New("no readable Data Matrix in the picture")

// maxCandidates bounds the blobs tried in one picture, largest first.
const maxCandidates = 12

// ReadDataMatrix returns the payload of the largest Data Matrix symbol it can read in img, as bytes
// (the symbol's text taken as ISO-8859-1, so Base256 data comes back byte for byte). A picture is one
// piece: an indicium has one symbol.
func ReadDataMatrix(img image.Image) ([]byte, error) {
	gray := toGray(img)
	for _, c := range candidates(gray) {
		if p, ok := decodeRegion(gray, c); ok {
			return p, nil
		}
	}
	// A picture of the symbol alone, cropped close, has no white around it to find a blob in.
	if p, ok := decode(pad(gray, gray.Bounds().Dx()/8+4)); ok {
		return p, nil
	}
	return nil, ErrNoSymbol
}

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok && g.Rect.Min == (image.Point{}) {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

// threshold is the grey level halfway between the picture's darkest and lightest percentiles.
func threshold(g *image.Gray) uint8 {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	n := len(g.Pix)
	lo, hi, acc := 0, 255, 0
	for i := range hist {
		if acc += hist[i]; acc > n/100 {
			lo = i
			break
		}
	}
	acc = 0
	for i := 255; i >= 0; i-- {
		if acc += hist[i]; acc > n/100 {
			hi = i
			break
		}
	}
	return uint8((lo + hi) / 2)
}

// blob is one group of joined dark pixels.
type blob struct {
	r    image.Rectangle
	dark int    // dark pixels of the picture inside r
	in   []bool // in[(y-r.Min.Y)*r.Dx()+x-r.Min.X]: the pixel belongs to the blob
}

// candidates finds the blobs that could be symbols, largest first, at two joining distances: the
// modules of a symbol at 150 dpi are 2 to 3 pixels apart, at 300 dpi up to 5, in any direction. The
// wider distance comes first, as it keeps a symbol whole; the narrower one parts a symbol from text
// that a dense layout prints close to it.
func candidates(g *image.Gray) []blob {
	t := threshold(g)
	w, h := g.Rect.Dx(), g.Rect.Dy()
	dark := make([]bool, w*h)
	for i, v := range g.Pix {
		dark[i] = v < t
	}
	var out []blob
	for _, radius := range []int{4, 2} {
		for _, b := range blobs(dark, dilate(dark, w, h, radius), w, h) {
			bw, bh := b.r.Dx(), b.r.Dy()
			density := float64(b.dark) / float64(bw*bh)
			if bw < 24 || bh < 24 || 10*bw < 7*bh || 10*bh < 7*bw || density < 0.2 || density > 0.75 {
				continue
			}
			if !slices.ContainsFunc(out, func(o blob) bool { return near(o.r, b.r) }) {
				out = append(out, b)
			}
		}
	}
	slices.SortFunc(out, func(a, b blob) int { return b.r.Dx()*b.r.Dy() - a.r.Dx()*a.r.Dy() })
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// near reports whether two boxes are the same blob found at two joining distances: they overlap by
// more than half of the larger.
func near(a, b image.Rectangle) bool {
	i := a.Intersect(b)
	return 2*i.Dx()*i.Dy() > max(a.Dx()*a.Dy(), b.Dx()*b.Dy())
}

// dilate marks every pixel within radius (a square) of a dark one, in two passes of running counts.
func dilate(src []bool, w, h, radius int) []bool {
	rows := make([]bool, w*h)
	for y := range h {
		run := 0 // dark pixels in the window [x-radius, x+radius]
		for x := -radius; x < w+radius; x++ {
			if in := x + radius; in < w && src[y*w+in] {
				run++
			}
			if out := x - radius - 1; out >= 0 && src[y*w+out] {
				run--
			}
			if x >= 0 && x < w {
				rows[y*w+x] = run > 0
			}
		}
	}
	dst := make([]bool, w*h)
	for x := range w {
		run := 0
		for y := -radius; y < h+radius; y++ {
			if in := y + radius; in < h && rows[in*w+x] {
				run++
			}
			if out := y - radius - 1; out >= 0 && rows[out*w+x] {
				run--
			}
			if y >= 0 && y < h {
				dst[y*w+x] = run > 0
			}
		}
	}
	return dst
}

// blobs labels the joined regions of mask (4-connected) and counts the dark pixels in each box.
func blobs(dark, mask []bool, w, h int) []blob {
	seen := make([]bool, w*h)
	var out []blob
	stack := make([]int, 0, 1024)
	for start := range mask {
		if !mask[start] || seen[start] {
			continue
		}
		r := image.Rect(start%w, start/w, start%w+1, start/w+1)
		seen[start] = true
		stack = append(stack[:0], start)
		var members []int
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			members = append(members, i)
			x, y := i%w, i/w
			r = r.Union(image.Rect(x, y, x+1, y+1))
			for _, n := range [4]int{i - 1, i + 1, i - w, i + w} {
				if n < 0 || n >= w*h || (n == i-1 && x == 0) || (n == i+1 && x == w-1) || seen[n] || !mask[n] {
					continue
				}
				seen[n] = true
				stack = append(stack, n)
			}
		}
		b := blob{r: r, in: make([]bool, r.Dx()*r.Dy())}
		for _, i := range members {
			b.in[(i/w-r.Min.Y)*r.Dx()+i%w-r.Min.X] = true
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if dark[y*w+x] {
					b.dark++
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// decodeRegion reads the symbol in b, with a white quiet zone: first alone on white (whatever else lies
// in its box, such as the frame's corner or the edge of the text beside a turned symbol, left out),
// then with all its box; each at its own scale and doubled (small modules), as it is and set upright.
func decodeRegion(g *image.Gray, b blob) ([]byte, bool) {
	r := b.r
	keep := dilate(b.in, r.Dx(), r.Dy(), 3) // modules just apart from the blob still belong to it
	alone := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	whole := image.NewGray(alone.Rect)
	for y := range r.Dy() {
		for x := range r.Dx() {
			v := g.Pix[(r.Min.Y+y)*g.Stride+r.Min.X+x]
			whole.Pix[y*whole.Stride+x] = v
			if !keep[y*r.Dx()+x] {
				v = 0xff
			}
			alone.Pix[y*alone.Stride+x] = v
		}
	}
	for _, crop := range []*image.Gray{alone, whole} {
		for _, big := range []bool{false, true} {
			if big {
				crop = enlarge(crop)
			}
			for _, try := range []*image.Gray{crop, deskew(crop)} {
				if try == nil {
					continue
				}
				if p, ok := decode(pad(try, try.Rect.Dx()/6+4)); ok {
					return p, true
				}
			}
		}
	}
	return nil, false
}

// deskew turns a symbol alone on white so that its sides are upright: ZXing's detector finds the
// corners of a symbol turned up to about 30 degrees, not near 45. The angle is the one at which the
// box around the dark pixels is smallest (a square's box is smallest when it stands straight). It
// returns nil when the symbol already stands within two degrees of upright.
func deskew(g *image.Gray) *image.Gray {
	t := threshold(g)
	var xs, ys []float64
	for y := range g.Rect.Dy() {
		for x := range g.Rect.Dx() {
			if g.Pix[y*g.Stride+x] < t {
				xs, ys = append(xs, float64(x)), append(ys, float64(y))
			}
		}
	}
	if len(xs) == 0 {
		return nil
	}
	best, bestArea := 0, math.Inf(1)
	for deg := range 90 {
		sin, cos := math.Sincos(float64(deg) * math.Pi / 180)
		minU, maxU, minV, maxV := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for i := range xs {
			u, v := xs[i]*cos+ys[i]*sin, -xs[i]*sin+ys[i]*cos
			minU, maxU, minV, maxV = min(minU, u), max(maxU, u), min(minV, v), max(maxV, v)
		}
		if a := (maxU - minU) * (maxV - minV); a < bestArea {
			best, bestArea = deg, a
		}
	}
	if best <= 2 || best >= 88 {
		return nil
	}
	return rotate(g, float64(best)*math.Pi/180)
}

// rotate turns g by angle (radians, the way deskew measured it) about its centre onto a white picture
// large enough to hold it, sampling bilinearly.
func rotate(g *image.Gray, angle float64) *image.Gray {
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	sin, cos := math.Sincos(angle)
	ow := int(math.Ceil(math.Abs(w*cos) + math.Abs(h*sin)))
	oh := int(math.Ceil(math.Abs(w*sin) + math.Abs(h*cos)))
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= g.Rect.Dx() || y >= g.Rect.Dy() {
			return 255
		}
		return float64(g.Pix[y*g.Stride+x])
	}
	for oy := range oh {
		for ox := range ow {
			// The output point as (u, v) in the turned frame, back to the picture's (x, y).
			u, v := float64(ox)+0.5-float64(ow)/2, float64(oy)+0.5-float64(oh)/2
			x, y := u*cos-v*sin+w/2-0.5, u*sin+v*cos+h/2-0.5
			x0, y0 := int(math.Floor(x)), int(math.Floor(y))
			fx, fy := x-float64(x0), y-float64(y0)
			val := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			out.Pix[oy*out.Stride+ox] = uint8(math.Round(val))
		}
	}
	return out
}

// pad puts g in the middle of a white border q pixels wide.
func pad(g *image.Gray, q int) *image.Gray {
	b := g.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()+2*q, b.Dy()+2*q))
	draw.Draw(out, out.Rect, image.NewUniform(color.Gray{Y: 0xff}), image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(q, q, q+b.Dx(), q+b.Dy()), g, b.Min, draw.Src)
	return out
}

// enlarge doubles g with bilinear steps, which gives the detector's edge walks more pixels a module.
func enlarge(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, 2*w, 2*h))
	at := func(x, y int) int { return int(g.Pix[min(y, h-1)*g.Stride+min(x, w-1)]) }
	for y := range 2 * h {
		for x := range 2 * w {
			x0, y0 := x/2, y/2
			v := at(x0, y0)
			switch {
			case x%2 == 1 && y%2 == 1:
				v = (at(x0, y0) + at(x0+1, y0) + at(x0, y0+1) + at(x0+1, y0+1) + 2) / 4
			case x%2 == 1:
				v = (at(x0, y0) + at(x0+1, y0) + 1) / 2
			case y%2 == 1:
				v = (at(x0, y0) + at(x0, y0+1) + 1) / 2
			}
			out.Pix[y*out.Stride+x] = uint8(v)
		}
	}
	return out
}

// decode runs ZXing's detector and decoder on a picture of one symbol on white.
func decode(g *image.Gray) ([]byte, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(g)
	if err != nil {
		return nil, false
	}
	res, err := datamatrix.NewDataMatrixReader().Decode(bmp, nil)
	if err != nil {
		return nil, false
	}
	return latin1(res.GetText())
}

// latin1 turns ZXing's text, one rune per byte (ISO-8859-1, as it decodes Base256), back into the
// bytes. Any other rune means the symbol was not written in Base256 the way indicia are: a byte that
// ZXing cannot give back exactly, so the symbol is not read at all rather than read wrong.
func latin1(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}
