package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/assets"
)

// Icons of our own, themed: drawn in the text colour of the button they are on (white on a primary
// button).
var (
	iconEnvelope = theme.NewThemedResource(assets.Envelope)
	iconFunds    = theme.NewThemedResource(assets.Funds)
	iconLock     = theme.NewThemedResource(assets.Lock)
)

// minSize wraps obj so it is never smaller than w×h: touch targets keep their size in any layout.
func minSize(obj fyne.CanvasObject, w, h float32) fyne.CanvasObject {
	spacer := canvas.NewRectangle(color.Transparent)
	spacer.SetMinSize(fyne.NewSize(w, h))
	return container.NewStack(spacer, obj)
}

// button is a touch-sized button; every tap also counts as activity for the idle sign-out.
func (a *App) button(id ID, label string, icon fyne.Resource, tapped func()) *Button {
	b := newButton(id, label, icon, func() {
		// Taps and background results take turns (see App.uiMu).
		a.uiMu.Lock()
		defer a.uiMu.Unlock()
		if a.busy > 0 || a.tapGuard != nil && !a.tapGuard(id) {
			return
		}
		a.touch()
		tapped()
		a.changed()
	})
	return b
}

// primary is the screen's main action.
func (a *App) primary(id ID, label string, icon fyne.Resource, tapped func()) *Button {
	b := a.button(id, label, icon, tapped)
	b.Importance = widget.HighImportance
	return b
}

// tile is a big Home-screen button: a large icon above its name. The tiles share the room Home has, so
// they grow on a large screen and shrink (never below a comfortable target) on a small one.
func (a *App) tile(id ID, label string, icon fyne.Resource, tapped func()) fyne.CanvasObject {
	b := a.button(id, "", nil, tapped)
	img := canvas.NewImageFromResource(icon)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(56, 56))
	name := widget.NewLabel(label)
	name.TextStyle = fyne.TextStyle{Bold: true}
	name.Alignment = fyne.TextAlignCenter
	name.SizeName = theme.SizeNameSubHeadingText
	face := container.NewVBox(layout.NewSpacer(), img, name, layout.NewSpacer())
	return container.NewStack(b, face)
}

// title is a screen's heading.
func title(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = SizeNameTitle
	return l
}

// amountLabel shows money large.
func amountLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = SizeNameAmount
	return l
}

// text is a plain wrapped paragraph.
func text(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// rows lays out label/value pairs as a compact two-column table, the values bold and right-aligned:
// figures in rows read as a table and leave the screen's height to the buttons. The rows are drawn
// as plain text with the app's theme, not as labels in a container.ThemeOverride: Fyne 2.7.1 parses
// the fonts again for every override and keeps them (about 12 MiB each), and these rows are built
// on every Funds, confirm and completion screen.
func rows(pairs ...[2]string) fyne.CanvasObject {
	var objs []fyne.CanvasObject
	for _, p := range pairs {
		l := canvas.NewText(p[0], theme.Color(theme.ColorNameForeground))
		l.TextSize = theme.TextSize()
		v := canvas.NewText(p[1], theme.Color(theme.ColorNameForeground))
		v.TextSize = theme.TextSize()
		v.TextStyle = fyne.TextStyle{Bold: true}
		v.Alignment = fyne.TextAlignTrailing
		objs = append(objs, l, v)
	}
	return container.New(figureRowsLayout{}, objs...)
}

// figureRowsLayout places label/value text pairs in rows: labels from the left edge plus padding,
// values against the right edge minus padding, a small gap between rows.
type figureRowsLayout struct{}

const figureRowGap = 8

func (figureRowsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.InnerPadding()
	var w, h float32
	for i := 0; i+1 < len(objs); i += 2 {
		l, v := objs[i].MinSize(), objs[i+1].MinSize()
		w = max(w, l.Width+v.Width+3*pad)
		h += max(l.Height, v.Height) + figureRowGap
	}
	return fyne.NewSize(w, h)
}

func (figureRowsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.InnerPadding() // where a label's text starts, so the rows line up with the words above
	var y float32 = figureRowGap / 2
	for i := 0; i+1 < len(objs); i += 2 {
		l, v := objs[i], objs[i+1]
		lh, vh := l.MinSize().Height, v.MinSize().Height
		rh := max(lh, vh)
		l.Move(fyne.NewPos(pad, y+(rh-lh)/2))
		l.Resize(fyne.NewSize(l.MinSize().Width, lh))
		vw := v.MinSize().Width
		v.Move(fyne.NewPos(size.Width-pad-vw, y+(rh-vh)/2))
		v.Resize(fyne.NewSize(vw, vh))
		y += rh + figureRowGap
	}
}

// actions lays buttons out in a row of equal widths.
func actions(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewGridWithColumns(len(objs), objs...)
}

// screen is the common frame of a screen: a title with an optional button at its right (Home, Sign
// out), the body, and a bar of actions at the bottom.
func screen(heading string, corner, body, bottom fyne.CanvasObject) fyne.CanvasObject {
	var head fyne.CanvasObject = title(heading)
	if corner != nil {
		head = container.NewBorder(nil, nil, nil, corner, head)
	}
	top := container.NewVBox(head, widget.NewSeparator())
	if bottom == nil {
		return container.NewBorder(top, nil, nil, nil, body)
	}
	return container.NewBorder(top, container.NewVBox(widget.NewSeparator(), bottom), nil, nil, body)
}

// bannerKind picks a banner's tint.
type bannerKind int

const (
	bannerInfo bannerKind = iota
	bannerWarning
	bannerError
	bannerSuccess
)

var bannerTints = map[bannerKind]color.Color{
	bannerInfo:    color.NRGBA{0xdd, 0xeb, 0xfa, 0xff},
	bannerWarning: color.NRGBA{0xff, 0xef, 0xcc, 0xff},
	bannerError:   color.NRGBA{0xfc, 0xe1, 0xde, 0xff},
	bannerSuccess: color.NRGBA{0xdc, 0xf2, 0xe0, 0xff},
}

// bannerIcons mark a banner's kind beside its words, so the kind does not rest on its colour alone.
var bannerIcons = map[bannerKind]fyne.Resource{
	bannerSuccess: theme.NewColoredResource(theme.DefaultTheme().Icon(theme.IconNameConfirm), theme.ColorNameSuccess),
}

// banner is a tinted strip for a warning on the Home screen, with its action button.
func banner(kind bannerKind, msg string, action fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(bannerTints[kind])
	bg.CornerRadius = 6
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	l.TextStyle = fyne.TextStyle{Bold: true}
	var icon fyne.CanvasObject
	if r := bannerIcons[kind]; r != nil {
		icon = container.NewCenter(minSize(widget.NewIcon(r), 40, 40))
	}
	var content fyne.CanvasObject = l
	if action != nil || icon != nil {
		content = container.NewBorder(nil, nil, icon, action, l)
	}
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(0, 0, theme.Padding(), theme.Padding()), content))
}

// homeButton returns to Home from the top-right corner of a screen.
func (a *App) homeButton() fyne.CanvasObject {
	return minSize(a.button(IDHome, txt("ui.home"), theme.HomeIcon(), a.showHome), 200, 64)
}

// subtitle heads a group of figures.
func subtitle(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// caption is small print under figures.
func caption(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.SizeName = theme.SizeNameCaptionText
	return l
}
