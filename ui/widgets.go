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
		if a.tapGuard != nil && !a.tapGuard(id) {
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

// denseTheme is the kiosk theme with little room around text: figures in rows read as a table and
// leave the screen's height to the buttons.
type denseTheme struct{ KioskTheme }

// Size is the kiosk's, with a smaller inner padding.
func (t denseTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return 4
	}
	return t.KioskTheme.Size(n)
}

// dense draws obj with denseTheme.
func dense(obj fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(obj, denseTheme{})
}

// rows lays out label/value pairs as a two-column form with the values right-aligned.
func rows(pairs ...[2]string) fyne.CanvasObject {
	grid := container.New(layout.NewFormLayout())
	for _, p := range pairs {
		v := widget.NewLabel(p[1])
		v.TextStyle = fyne.TextStyle{Bold: true}
		v.Alignment = fyne.TextAlignTrailing
		grid.Add(widget.NewLabel(p[0]))
		grid.Add(v)
	}
	return dense(grid)
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
)

var bannerTints = map[bannerKind]color.Color{
	bannerInfo:    color.NRGBA{0xdd, 0xeb, 0xfa, 0xff},
	bannerWarning: color.NRGBA{0xff, 0xef, 0xcc, 0xff},
	bannerError:   color.NRGBA{0xfc, 0xe1, 0xde, 0xff},
}

// banner is a tinted strip for a warning on the Home screen, with its action button.
func banner(kind bannerKind, msg string, action fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(bannerTints[kind])
	bg.CornerRadius = 6
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	l.TextStyle = fyne.TextStyle{Bold: true}
	var content fyne.CanvasObject = l
	if action != nil {
		content = container.NewBorder(nil, nil, nil, action, l)
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
