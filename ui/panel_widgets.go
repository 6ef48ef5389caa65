package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The trainer panel draws smaller than the meter's screen: the desktop trainer is used with a mouse,
// and more controls fit beside the screen. It does so with the small widgets below, not with a
// container.ThemeOverride. Fyne 2.7.1 gives an override a new font-cache scope when it is made and each
// time it is refreshed, and each new scope parses the fonts again and keeps them for good; the panel is
// rebuilt whenever the simulator changes, so an override cost about 12 MiB and 40 ms a rebuild
// (TestPanelRebuildsDoNotGrowMemory). These widgets share the app's theme and its one font cache.

// Panel text sizes, and the sizes wrapped panel labels ask the theme for.
const (
	panelTextSize     = 16
	panelCaptionSize  = 14
	panelHeadingSize  = 19
	panelPadding      = 4
	panelInnerPadding = 8

	SizeNamePanelText    fyne.ThemeSizeName = "postmeterPanelText"
	SizeNamePanelHeading fyne.ThemeSizeName = "postmeterPanelHeading"
)

// panelButton is a trainer panel button: small text, at least MinTarget high, coloured by importance.
type panelButton struct {
	widget.DisableableWidget
	Text       string
	Importance widget.Importance
	OnTapped   func()
}

func newPanelButton(label string, tapped func()) *panelButton {
	b := &panelButton{Text: label, OnTapped: tapped}
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
	return fyne.NewSize(max(text.Width+2*panelInnerPadding, MinTarget), max(text.Height+2*panelInnerPadding, MinTarget))
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

// panelText is one line of panel text (a heading, a row's name, a caption): it does not wrap, so it
// must fit the panel's width.
func panelText(s string, size float32, bold bool) fyne.CanvasObject {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = size
	t.TextStyle = fyne.TextStyle{Bold: bold}
	return container.New(layout.NewCustomPaddedLayout(panelPadding, panelPadding, panelInnerPadding, panelInnerPadding), t)
}

// panelParagraph is wrapped panel text, for lesson steps and messages of any length.
func panelParagraph(s string, size fyne.ThemeSizeName, bold bool) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = size
	l.TextStyle = fyne.TextStyle{Bold: bold}
	return l
}
