package xwin

import (
	"image"
	"image/draw"
	"image/png"
	"os"
)

// ToRGBA converts any image to RGBA with its origin at 0,0 (an RGBA already there is returned as is).
func ToRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// pixelTolerance is the largest difference in any channel at which two pixels still count as the same.
const pixelTolerance = 48

func samePixel(a, b *image.RGBA, i, j int) bool {
	for c := 0; c < 3; c++ {
		d := int(a.Pix[i+c]) - int(b.Pix[j+c])
		if d > pixelTolerance || d < -pixelTolerance {
			return false
		}
	}
	return true
}

// explained reports whether pixel x,y of a has a match within one pixel of x,y in b.
func explained(a, b *image.RGBA, x, y int) bool {
	i := a.PixOffset(x, y)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			p := image.Pt(x+dx, y+dy)
			if p.In(b.Rect) && samePixel(a, b, i, b.PixOffset(p.X, p.Y)) {
				return true
			}
		}
	}
	return false
}

// PixelDiffers reports whether the pictures differ at x,y: a pixel of either has no match within one
// pixel in the other. The GL driver and Fyne's software painter place and antialias glyph edges a little
// differently; a missing, extra or moved element still differs.
func PixelDiffers(a, b *image.RGBA, x, y int) bool {
	if samePixel(a, b, a.PixOffset(x, y), b.PixOffset(x, y)) {
		return false
	}
	return !explained(a, b, x, y) || !explained(b, a, x, y)
}

// DiffFraction is the fraction of the pixels in r (clipped to both pictures) that differ
// (PixelDiffers); 0 when r is empty.
func DiffFraction(got, want *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(got.Rect).Intersect(want.Rect)
	if r.Empty() {
		return 0
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if PixelDiffers(got, want, x, y) {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// ChangedRect is the bounding box of the pixels that differ between a and b beyond pixelTolerance in
// some channel, without the one-pixel leeway of PixelDiffers; empty when none do.
func ChangedRect(a, b *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := 0; y < a.Rect.Dy() && y < b.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx() && x < b.Rect.Dx(); x++ {
			if !samePixel(a, b, a.PixOffset(x, y), b.PixOffset(x, y)) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// DiffImage paints the pixels that differ (PixelDiffers) red over a faded copy of want.
func DiffImage(got, want *image.RGBA) *image.RGBA {
	out := image.NewRGBA(want.Rect)
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			i := out.PixOffset(x, y)
			if image.Pt(x, y).In(got.Rect) && PixelDiffers(got, want, x, y) {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = 0xff, 0, 0, 0xff
				continue
			}
			for c := 0; c < 3; c++ {
				out.Pix[i+c] = 0xc0 + want.Pix[i+c]/4
			}
			out.Pix[i+3] = 0xff
		}
	}
	return out
}

// WritePNG writes img to path as a PNG, compressed for speed.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
