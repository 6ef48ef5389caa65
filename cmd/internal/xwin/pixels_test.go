package xwin

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
)

// picture is a w×h grey picture with a black block at block.
func picture(w, h int, block image.Rectangle) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{0xc0, 0xc0, 0xc0, 0xff}), image.Point{}, draw.Src)
	draw.Draw(img, block, image.NewUniform(color.Black), image.Point{}, draw.Src)
	return img
}

func TestDiffFractionIdentical(t *testing.T) {
	a := picture(40, 30, image.Rect(5, 5, 10, 10))
	b := picture(40, 30, image.Rect(5, 5, 10, 10))
	if f := DiffFraction(a, b, a.Rect); f != 0 {
		t.Errorf("DiffFraction of identical pictures = %v, want 0", f)
	}
	if r := ChangedRect(a, b); !r.Empty() {
		t.Errorf("ChangedRect of identical pictures = %v, want empty", r)
	}
	if f := DiffFraction(a, b, image.Rectangle{}); f != 0 {
		t.Errorf("DiffFraction over an empty rectangle = %v, want 0", f)
	}
}

func TestChangedBlock(t *testing.T) {
	before := picture(40, 30, image.Rectangle{})
	block := image.Rect(10, 8, 20, 12) // 10×4 = 40 pixels
	after := picture(40, 30, block)
	if r := ChangedRect(before, after); r != block {
		t.Errorf("ChangedRect = %v, want %v", r, block)
	}
	if f, want := DiffFraction(after, before, after.Rect), 40.0/(40*30); f != want {
		t.Errorf("DiffFraction over the whole picture = %v, want %v", f, want)
	}
	if f := DiffFraction(after, before, block); f != 1 {
		t.Errorf("DiffFraction inside the block = %v, want 1", f)
	}
	diff := DiffImage(after, before)
	if c := diff.RGBAAt(12, 9); c != (color.RGBA{0xff, 0, 0, 0xff}) {
		t.Errorf("DiffImage inside the block = %v, want red", c)
	}
	if c := diff.RGBAAt(0, 0); c == (color.RGBA{0xff, 0, 0, 0xff}) {
		t.Errorf("DiffImage outside the block is red")
	}
}

func TestSmallChangesDoNotCount(t *testing.T) {
	a := picture(40, 30, image.Rect(10, 10, 20, 20))
	// A block moved by one pixel (antialiasing, glyph placement) differs exactly but not beyond it.
	moved := picture(40, 30, image.Rect(11, 10, 21, 20))
	if ChangedRect(a, moved).Empty() {
		t.Error("ChangedRect misses a block moved by one pixel")
	}
	if f := DiffFraction(moved, a, a.Rect); f != 0 {
		t.Errorf("DiffFraction of a block moved by one pixel = %v, want 0", f)
	}
	// A shade within the tolerance is the same pixel.
	shaded := picture(40, 30, image.Rect(10, 10, 20, 20))
	shaded.SetRGBA(0, 0, color.RGBA{0xc0 - 40, 0xc0, 0xc0, 0xff})
	if r := ChangedRect(a, shaded); !r.Empty() {
		t.Errorf("ChangedRect of a shade within the tolerance = %v, want empty", r)
	}
}

func TestToRGBAMovesOriginToZero(t *testing.T) {
	img := picture(40, 30, image.Rect(10, 10, 20, 20))
	sub := ToRGBA(img.SubImage(image.Rect(10, 10, 30, 25)))
	if sub.Rect != image.Rect(0, 0, 20, 15) {
		t.Fatalf("ToRGBA of a sub-image: bounds %v, want (0,0)-(20,15)", sub.Rect)
	}
	if c := sub.RGBAAt(0, 0); c != (color.RGBA{0, 0, 0, 0xff}) {
		t.Errorf("ToRGBA of a sub-image at 0,0 = %v, want the block's black", c)
	}
	if ToRGBA(img) != img {
		t.Error("ToRGBA copied an RGBA already at 0,0")
	}
}
