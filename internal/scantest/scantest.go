// Package scantest makes pictures that look like scans of printed mail for the indicium verifier's
// tests: the printed image turned by an angle, resampled from the print resolution to the scanner's,
// and blurred, as a flatbed or a sorting camera would see it. Only tests import it.
package scantest

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Scan is how a picture is taken.
type Scan struct {
	Degrees  float64 // turned counter-clockwise by this many degrees
	PrintDPI int     // the resolution the image was printed at
	ScanDPI  int     // the scanner's resolution
	Blur     int     // times the scan is softened by a 3×3 Gaussian (see blur), 0 for none
	Margin   int     // white paper around the print, in print pixels
}

// Take returns src as the scanner sees it, in grey levels.
func Take(src image.Image, s Scan) *image.Gray {
	g := toGray(src)
	if s.Margin > 0 {
		g = pad(g, s.Margin)
	}
	scale := float64(s.ScanDPI) / float64(s.PrintDPI)
	return blur(transform(g, s.Degrees*math.Pi/180, scale), s.Blur)
}

func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

func pad(g *image.Gray, m int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, g.Rect.Dx()+2*m, g.Rect.Dy()+2*m))
	draw.Draw(out, out.Rect, image.NewUniform(color.Gray{Y: 0xff}), image.Point{}, draw.Src)
	draw.Draw(out, g.Rect.Add(image.Pt(m, m)), g, image.Point{}, draw.Src)
	return out
}

// transform rotates by angle and scales, sampling each output pixel as the average of a small grid of
// points in the source (bilinear at each), so a downscale loses detail the way a sensor does.
func transform(g *image.Gray, angle, scale float64) *image.Gray {
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	cos, sin := math.Cos(angle), math.Sin(angle)
	ow := int(math.Ceil((math.Abs(w*cos) + math.Abs(h*sin)) * scale))
	oh := int(math.Ceil((math.Abs(w*sin) + math.Abs(h*cos)) * scale))
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	const sub = 3
	for oy := range oh {
		for ox := range ow {
			sum := 0.0
			for sy := range sub {
				for sx := range sub {
					// The output point, in source pixels from the centre, turned back.
					px := ((float64(ox) + (float64(sx)+0.5)/sub) - float64(ow)/2) / scale
					py := ((float64(oy) + (float64(sy)+0.5)/sub) - float64(oh)/2) / scale
					x := px*cos - py*sin + w/2
					y := px*sin + py*cos + h/2
					sum += bilinear(g, x-0.5, y-0.5)
				}
			}
			out.Pix[oy*out.Stride+ox] = uint8(math.Round(sum / (sub * sub)))
		}
	}
	return out
}

// bilinear samples g at (x, y); outside the picture is white paper.
func bilinear(g *image.Gray, x, y float64) float64 {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= g.Rect.Dx() || y >= g.Rect.Dy() {
			return 255
		}
		return float64(g.Pix[y*g.Stride+x])
	}
	return at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
}

// blur applies the binomial 3×3 kernel (1 2 1 / 2 4 2 / 1 2 1, a Gaussian of about half a pixel) n
// times: the softness of a scanner's optics.
func blur(g *image.Gray, n int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	at := func(x, y int) int {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 255
		}
		return int(g.Pix[y*g.Stride+x])
	}
	for range n {
		out := image.NewGray(g.Rect)
		for y := range h {
			for x := range w {
				sum := 4*at(x, y) + 2*(at(x-1, y)+at(x+1, y)+at(x, y-1)+at(x, y+1)) +
					at(x-1, y-1) + at(x+1, y-1) + at(x-1, y+1) + at(x+1, y+1)
				out.Pix[y*out.Stride+x] = uint8((sum + 8) / 16)
			}
		}
		g = out
	}
	return g
}
