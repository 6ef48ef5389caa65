package printer

import (
	"fmt"
	"image"
	"strconv"
	"strings"
)

// SimulationBanner is printed on every indicium (see the package documentation).
const SimulationBanner = "SIMULATION — NOT VALID POSTAGE"

// The words a zero-value impression prints where a postage indicium prints its class.
const (
	TestMark           = "TEST — NO POSTAGE VALUE"
	DateCorrectionMark = "DATE CORRECTION"
)

// plan collects drawing operations while the layout walks down the page, so the canvas can be
// allocated once the height is known.
type plan struct {
	spec mediumSpec
	ops  []func(*canvas) error
}

func (p *plan) do(op func(*canvas) error) { p.ops = append(p.ops, op) }

func (p *plan) render(height int, what string) (image.Image, error) {
	if height > p.spec.maxHeight {
		return nil, fmt.Errorf("%s is %.2f in long, %s takes at most %.2f in: %w", what,
			float64(height)/float64(p.spec.dpi), p.spec.medium,
			float64(p.spec.maxHeight)/float64(p.spec.dpi), ErrDoesNotFit)
	}
	c := newCanvas(p.spec.width, height)
	for _, op := range p.ops {
		if err := op(c); err != nil {
			return nil, fmt.Errorf("draw %s on %s: %w", what, p.spec.medium, err)
		}
	}
	return c.img, nil
}

// fit picks the largest size from pt down to pt-3 (never below 6 pt) at which s is at most w pixels
// wide, and returns the face and the width of s.
func (p *plan) fit(style fontStyle, pt int, s string, w int) (*face, int, error) {
	for size := pt; size >= max(pt-3, 6); size-- {
		fc, err := newFace(style, size, p.spec.dpi)
		if err != nil {
			return nil, 0, err
		}
		tw, err := fc.width(s)
		if err != nil {
			return nil, 0, err
		}
		if tw <= w {
			return fc, tw, nil
		}
	}
	return nil, 0, fmt.Errorf("%q is wider than %.2f in even at %d pt: %w",
		s, float64(w)/float64(p.spec.dpi), max(pt-3, 6), ErrDoesNotFit)
}

// textLine queues s with its top at y, fitted (see fit) into [x, x+w) and aligned 'l', 'r' or 'c'.
// It returns the height of the line.
func (p *plan) textLine(style fontStyle, pt int, s string, x, top, w int, align byte, ci uint8) (int, error) {
	fc, tw, err := p.fit(style, pt, s, w)
	if err != nil {
		return 0, err
	}
	switch align {
	case 'r':
		x += w - tw
	case 'c':
		x += (w - tw) / 2
	}
	p.do(func(c *canvas) error { return fc.draw(c, x, top+fc.ascent, s, ci) })
	return fc.ascent + fc.descent, nil
}

// RenderIndicium draws the indicium for medium m: the Data Matrix on the left, the printed fields
// beside it and the simulation banner across the bottom, inside a thin frame.
func RenderIndicium(ind Indicium, m Medium) (image.Image, error) {
	spec, err := specFor(m)
	if err != nil {
		return nil, fmt.Errorf("render indicium: %w", err)
	}
	payload, err := IndiciumPayload(ind)
	if err != nil {
		return nil, fmt.Errorf("render indicium: %w", err)
	}
	dm, err := encodeDataMatrix(payload)
	if err != nil {
		return nil, fmt.Errorf("render indicium: %w", err)
	}
	p := &plan{spec: spec}
	line, pad, gap := spec.px(1), spec.px(5), spec.px(6)
	inset := indiciumInset(spec)
	x0, top, inner := inset, inset, spec.width-2*inset
	side := dm.side(spec.module)
	p.do(func(c *canvas) error { c.dataMatrix(dm, x0, top, spec.module); return nil })

	tx := x0 + side + gap
	y, err := p.indiciumText(ind, tx, top, spec.width-inset-tx)
	if err != nil {
		return nil, fmt.Errorf("render indicium on %s: %w", m, err)
	}
	y = max(y, top+side) + spec.px(3)

	// The banner: white text on a black bar across the frame.
	bannerPad := spec.px(2)
	fc, tw, err := p.fit(bold, 9, SimulationBanner, inner-2*bannerPad)
	if err != nil {
		return nil, fmt.Errorf("render indicium on %s: %w", m, err)
	}
	barTop, barBottom := y, y+fc.ascent+fc.descent+2*bannerPad
	p.do(func(c *canvas) error {
		c.rect(image.Rect(x0, barTop, x0+inner, barBottom), black)
		return fc.draw(c, x0+(inner-tw)/2, barTop+bannerPad+fc.ascent, SimulationBanner, white)
	})
	height := barBottom + pad + line + spec.margin
	p.do(func(c *canvas) error {
		c.frame(image.Rect(spec.margin, spec.margin, spec.width-spec.margin, height-spec.margin), line, black)
		return nil
	})
	return p.render(height, "indicium")
}

// indiciumInset is the distance from the image's edges to the indicium's content: margin, frame and
// padding. The Data Matrix (with its quiet zone) has its top-left corner at (inset, inset).
func indiciumInset(spec mediumSpec) int { return spec.margin + spec.px(1) + spec.px(5) }

// indiciumText queues the printed fields in the column [x, x+w) from top down and returns the y below
// them: the postage large, then date, serial, ZIP and piece in two columns when they fit side by
// side (one column otherwise), then the mail class and indicia number.
func (p *plan) indiciumText(ind Indicium, x, top, w int) (int, error) {
	const pt = 8
	spec := p.spec
	h, err := p.textLine(bold, 20, postageText(ind), x, top, w, 'l', black)
	if err != nil {
		return 0, err
	}
	y := top + h + spec.px(2)
	left := []string{strings.ToUpper(ind.MailingDate.Format("Jan 02 2006")), "FROM ZIP " + ind.OriginZIP}
	right := []string{"METER " + ind.MeterSerial, "PIECE " + strconv.FormatInt(ind.Piece, 10)}
	fc, err := newFace(regular, pt, spec.dpi)
	if err != nil {
		return 0, err
	}
	leftW, rightW := 0, 0
	for i := range left {
		lw, err := fc.width(left[i])
		if err != nil {
			return 0, err
		}
		rw, err := fc.width(right[i])
		if err != nil {
			return 0, err
		}
		leftW, rightW = max(leftW, lw), max(rightW, rw)
	}
	var rows [][2]string
	if colGap := spec.px(12); leftW+colGap+rightW <= w {
		for i := range left {
			rows = append(rows, [2]string{left[i], right[i]})
		}
		leftW += colGap
	} else {
		for _, s := range append(left, right...) {
			rows = append(rows, [2]string{s, ""})
		}
	}
	for _, r := range rows {
		h, err := p.textLine(regular, pt, r[0], x, y, w, 'l', black)
		if err == nil && r[1] != "" {
			_, err = p.textLine(regular, pt, r[1], x+leftW, y, w-leftW, 'l', black)
		}
		if err != nil {
			return 0, err
		}
		y += h + spec.px(2)
	}
	for _, t := range []struct {
		style fontStyle
		text  string
	}{{bold, kindMark(ind)}, {regular, ind.IndiciaNumber}} {
		if t.text == "" {
			continue
		}
		if t.style == regular {
			t.text = "INDICIA " + t.text
		}
		h, err := p.textLine(t.style, pt, t.text, x, y, w, 'l', black)
		if err != nil {
			return 0, err
		}
		y += h + spec.px(2)
	}
	return y, nil
}

// kindMark is the bold line under the figures: the mail class, or what a zero-value impression is.
func kindMark(ind Indicium) string {
	switch ind.Kind {
	case KindTest:
		return TestMark
	case KindDateCorrection:
		return DateCorrectionMark
	}
	return strings.ToUpper(ind.MailClass)
}

// postageText shows dollars and cents, or mills when the postage has a fraction of a cent, so the
// printed value is never less than the postage paid.
func postageText(ind Indicium) string {
	if ind.Postage.Mills()%10 != 0 {
		return ind.Postage.MillsString()
	}
	return ind.Postage.String()
}

// RenderDocument draws doc for medium m: the title centred in bold, a rule, then one line per field
// with the label on the left and the value on the right (wrapped onto more lines when long), and a
// closing rule.
func RenderDocument(doc Document, m Medium) (image.Image, error) {
	spec, err := specFor(m)
	if err != nil {
		return nil, fmt.Errorf("render document: %w", err)
	}
	p := &plan{spec: spec}
	x0, w := spec.margin, spec.width-2*spec.margin
	y := spec.margin
	titlePt, fieldPt := spec.docTitlePt, spec.docFieldPt
	titleFace, err := newFace(bold, titlePt, spec.dpi)
	if err != nil {
		return nil, fmt.Errorf("render document: %w", err)
	}
	titleLines, err := wrap(titleFace, doc.Title, w)
	if err != nil {
		return nil, fmt.Errorf("render document %q: %w", doc.Title, err)
	}
	for _, tl := range titleLines {
		h, err := p.textLine(bold, titlePt, tl, x0, y, w, 'c', black)
		if err != nil {
			return nil, fmt.Errorf("render document %q: %w", doc.Title, err)
		}
		y += h + spec.px(2)
	}
	y = p.rule(y+spec.px(2), x0, w) + spec.px(5)
	for _, f := range doc.Fields {
		if y, err = p.field(f, fieldPt, x0, y, w); err != nil {
			return nil, fmt.Errorf("render document %q field %q: %w", doc.Title, f.Label, err)
		}
	}
	y = p.rule(y+spec.px(2), x0, w)
	return p.render(max(y+spec.margin, spec.page), fmt.Sprintf("document %q", doc.Title))
}

// rule queues a horizontal line at y and returns the y below it.
func (p *plan) rule(y, x0, w int) int {
	t := p.spec.px(1)
	p.do(func(c *canvas) error { c.rect(image.Rect(x0, y, x0+w, y+t), black); return nil })
	return y + t
}

// field queues one label/value pair and returns the y below it.
func (p *plan) field(f Field, pt, x0, y, w int) (int, error) {
	lf, err := newFace(regular, pt, p.spec.dpi)
	if err != nil {
		return y, err
	}
	vf, err := newFace(bold, pt, p.spec.dpi)
	if err != nil {
		return y, err
	}
	step := max(lf.ascent+lf.descent, vf.ascent+vf.descent) + p.spec.px(3)
	lw, err := lf.width(f.Label)
	if err != nil {
		return y, err
	}
	vw, err := vf.width(f.Value)
	if err != nil {
		return y, err
	}
	if lw+p.spec.px(8)+vw <= w {
		p.do(func(c *canvas) error { return lf.draw(c, x0, y+lf.ascent, f.Label, black) })
		p.do(func(c *canvas) error { return vf.draw(c, x0+w-vw, y+vf.ascent, f.Value, black) })
		return y + step, nil
	}
	for _, part := range []struct {
		fc    *face
		text  string
		align byte
	}{{lf, f.Label, 'l'}, {vf, f.Value, 'r'}} {
		if part.text == "" {
			continue
		}
		lines, err := wrap(part.fc, part.text, w)
		if err != nil {
			return y, err
		}
		for _, l := range lines {
			lw, err := part.fc.width(l)
			if err != nil {
				return y, err
			}
			x := x0
			if part.align == 'r' {
				x = x0 + w - lw
			}
			fc, top := part.fc, y
			p.do(func(c *canvas) error { return fc.draw(c, x, top+fc.ascent, l, black) })
			y += step
		}
	}
	return y, nil
}
