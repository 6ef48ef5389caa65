package trainer

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/ui"
)

// The trainer panel draws smaller than the meter's screen: the desktop trainer is used with a mouse,
// and more controls fit beside the screen. It does so with the small widgets below, not with a
// container.ThemeOverride. Fyne 2.7.1 gives an override a new font-cache scope when it is made and each
// time it is refreshed, and each new scope parses the fonts again and keeps them for good; the panel is
// rebuilt whenever the simulator changes, so an override cost about 12 MiB and 40 ms a rebuild
// (TestPanelRebuildsDoNotGrowMemory). These widgets share the app's theme and its one font cache.

// Panel text sizes (the theme's, ui.SizeNamePanel*), and the panel's gaps.
const (
	panelTextSize      = ui.PanelTextSize
	panelCaptionSize   = ui.PanelCaptionSize
	panelHeadingSize   = ui.PanelHeadingSize
	panelPadding       = 4
	panelInnerPadding  = 8
	panelButtonPadding = 6 // beside a button's text: three "Credit $1,000" fit a row

	SizeNamePanelCaption = ui.SizeNamePanelCaption
	SizeNamePanelText    = ui.SizeNamePanelText
	SizeNamePanelHeading = ui.SizeNamePanelHeading
)

// panelButton is a trainer panel button: small text, at least ui.MinTarget high, coloured by importance.
type panelButton struct {
	widget.DisableableWidget
	ID         ui.ID // what tests and scenes find it by
	Text       string
	Importance widget.Importance
	OnTapped   func()
}

func newPanelButton(id ui.ID, label string, tapped func()) *panelButton {
	b := &panelButton{ID: id, Text: label, OnTapped: tapped}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped runs the button's action unless it is disabled.
func (b *panelButton) Tapped(*fyne.PointEvent) {
	if b.Disabled() || b.OnTapped == nil {
		return
	}
	b.OnTapped()
}

// CreateRenderer draws a rounded background with the text centred on it.
func (b *panelButton) CreateRenderer() fyne.WidgetRenderer {
	b.ExtendBaseWidget(b)
	bg := canvas.NewRectangle(color.Transparent)
	bg.CornerRadius = 6
	label := canvas.NewText(b.Text, color.Black)
	label.TextSize = panelTextSize
	label.TextStyle = fyne.TextStyle{Bold: true}
	label.Alignment = fyne.TextAlignCenter
	r := &panelButtonRenderer{b: b, bg: bg, label: label}
	r.Refresh()
	return r
}

type panelButtonRenderer struct {
	b     *panelButton
	bg    *canvas.Rectangle
	label *canvas.Text
}

func (r *panelButtonRenderer) Layout(size fyne.Size) {
	r.bg.Move(fyne.NewPos(0, 0))
	r.bg.Resize(size)
	text := r.label.MinSize()
	r.label.Move(fyne.NewPos(0, (size.Height-text.Height)/2))
	r.label.Resize(fyne.NewSize(size.Width, text.Height))
}

func (r *panelButtonRenderer) MinSize() fyne.Size {
	text := r.label.MinSize()
	return fyne.NewSize(max(text.Width+2*panelButtonPadding, ui.MinTarget), max(text.Height+2*panelInnerPadding, ui.MinTarget))
}

func (r *panelButtonRenderer) Refresh() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	bg, fg := panelButtonColours(r.b.Importance, r.b.Disabled())
	r.label.Text = r.b.Text
	r.bg.FillColor, r.label.Color = th.Color(bg, v), th.Color(fg, v)
	r.bg.Refresh()
	r.label.Refresh()
}

func (r *panelButtonRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.label}
}

func (r *panelButtonRenderer) Destroy() {}

// panelButtonColours are the theme colours of a button's background and text.
func panelButtonColours(imp widget.Importance, disabled bool) (bg, fg fyne.ThemeColorName) {
	switch {
	case disabled:
		return theme.ColorNameDisabledButton, theme.ColorNameDisabled
	case imp == widget.HighImportance:
		return theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary
	case imp == widget.SuccessImportance:
		return theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess
	case imp == widget.WarningImportance:
		return theme.ColorNameWarning, theme.ColorNameForegroundOnWarning
	default:
		return theme.ColorNameButton, theme.ColorNameForeground
	}
}

// panelText is one short line of panel text (a heading, a row's name): it does not wrap, so it must
// fit where it is put; anything that holds figures or sentences is a panelParagraph.
func panelText(s string, size float32, bold bool) fyne.CanvasObject {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = size
	t.TextStyle = fyne.TextStyle{Bold: bold}
	return container.New(layout.NewCustomPaddedLayout(panelPadding, panelPadding, panelInnerPadding, panelPadding), t)
}

// fixedWidthLayout gives its objects exactly width, whatever their minimum: the trainer panel must
// never take width from the meter's screen, which is drawn at the meter's own size.
type fixedWidthLayout struct{ width float32 }

// MinSize is width wide and as high as the tallest object needs.
func (l fixedWidthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.width, h)
}

// Layout gives every object the whole space.
func (l fixedWidthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// panelParagraph is wrapped panel text: captions with figures, lesson steps, messages of any length.
// A label pads itself with the theme's inner padding (the meter screen's 16); the panel's is 8, so the
// label is drawn that much into its frame.
func panelParagraph(s string, size fyne.ThemeSizeName, bold bool) fyne.CanvasObject {
	return panelLabel(s, size, bold, widget.MediumImportance)
}

// panelNote is a wrapped warning in the panel: a lesson's correction after a wrong touch.
func panelNote(s string) fyne.CanvasObject {
	return panelLabel(s, SizeNamePanelText, false, widget.WarningImportance)
}

func panelLabel(s string, size fyne.ThemeSizeName, bold bool, imp widget.Importance) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = size
	l.TextStyle = fyne.TextStyle{Bold: bold}
	l.Importance = imp
	inset := panelInnerPadding - theme.InnerPadding()
	return container.New(layout.NewCustomPaddedLayout(inset, inset, inset, inset), l)
}

// panelRowLayout lays out a row of the panel: the first object, if lead > 0, is the row's name in a
// column lead wide; the others share the rest of the width equally, with the panel's small gap between
// them (Fyne's grid uses the theme's padding, the meter screen's, and would push the panel wider).
type panelRowLayout struct{ lead float32 }

func (l panelRowLayout) columns(objs []fyne.CanvasObject) (name fyne.CanvasObject, cols []fyne.CanvasObject) {
	if l.lead > 0 && len(objs) > 0 {
		return objs[0], objs[1:]
	}
	return nil, objs
}

// MinSize is the name's column and as many of the widest column as there are, with the gaps.
func (l panelRowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	name, cols := l.columns(objs)
	var widest, height float32
	for _, o := range cols {
		m := o.MinSize()
		widest, height = max(widest, m.Width), max(height, m.Height)
	}
	width := float32(len(cols))*widest + float32(max(len(cols)-1, 0))*panelPadding
	if name != nil {
		width += l.lead + panelPadding
		height = max(height, name.MinSize().Height)
	}
	return fyne.NewSize(width, height)
}

// Layout places the name, then the columns at equal widths.
func (l panelRowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	name, cols := l.columns(objs)
	x := float32(0)
	if name != nil {
		name.Move(fyne.NewPos(0, 0))
		name.Resize(fyne.NewSize(l.lead, size.Height))
		x = l.lead + panelPadding
	}
	if len(cols) == 0 {
		return
	}
	width := (size.Width - x - float32(len(cols)-1)*panelPadding) / float32(len(cols))
	for _, o := range cols {
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(width, size.Height))
		x += width + panelPadding
	}
}
