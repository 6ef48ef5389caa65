package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme sizes of our own.
const (
	SizeNameAmount fyne.ThemeSizeName = "postmeterAmount" // big money figures
	SizeNameTitle  fyne.ThemeSizeName = "postmeterTitle"  // screen titles
)

// MinTarget is the smallest touch target, in units at scale 1 (KIOSK-UX.md: 48 px or more).
const MinTarget = 48

// KioskTheme is the touchscreen theme: large text, generous padding, one light look whatever the
// desktop's variant, and no hover colour, since a finger cannot hover.
type KioskTheme struct{}

var _ fyne.Theme = KioskTheme{}

var palette = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameBackground:          color.NRGBA{0xf4, 0xf6, 0xf9, 0xff},
	theme.ColorNameForeground:          color.NRGBA{0x1b, 0x1f, 0x24, 0xff},
	theme.ColorNameButton:              color.NRGBA{0xdf, 0xe5, 0xee, 0xff},
	theme.ColorNameDisabledButton:      color.NRGBA{0xe9, 0xec, 0xf0, 0xff},
	theme.ColorNameDisabled:            color.NRGBA{0x8a, 0x92, 0x9c, 0xff},
	theme.ColorNamePrimary:             color.NRGBA{0x0b, 0x5c, 0xad, 0xff},
	theme.ColorNameForegroundOnPrimary: color.NRGBA{0xff, 0xff, 0xff, 0xff},
	theme.ColorNameHover:               color.NRGBA{0, 0, 0, 0},
	theme.ColorNameFocus:               color.NRGBA{0, 0, 0, 0},
	theme.ColorNamePressed:             color.NRGBA{0x0b, 0x5c, 0xad, 0x40},
	theme.ColorNameSeparator:           color.NRGBA{0xc8, 0xcf, 0xd8, 0xff},
	theme.ColorNameShadow:              color.NRGBA{0, 0, 0, 0x40},
	theme.ColorNameOverlayBackground:   color.NRGBA{0xff, 0xff, 0xff, 0xff},
	theme.ColorNameMenuBackground:      color.NRGBA{0xff, 0xff, 0xff, 0xff},
	theme.ColorNameInputBackground:     color.NRGBA{0xff, 0xff, 0xff, 0xff},
	theme.ColorNameHeaderBackground:    color.NRGBA{0x1f, 0x3b, 0x5c, 0xff},
	theme.ColorNameWarning:             color.NRGBA{0xb8, 0x5c, 0x00, 0xff},
	theme.ColorNameError:               color.NRGBA{0xb3, 0x26, 0x1e, 0xff},
	theme.ColorNameSuccess:             color.NRGBA{0x1e, 0x7b, 0x34, 0xff},
	theme.ColorNameForegroundOnWarning: color.NRGBA{0xff, 0xff, 0xff, 0xff},
	theme.ColorNameForegroundOnError:   color.NRGBA{0xff, 0xff, 0xff, 0xff},
	theme.ColorNameForegroundOnSuccess: color.NRGBA{0xff, 0xff, 0xff, 0xff},
}

// Color returns the kiosk colour, ignoring the variant: the meter has one look.
func (KioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if c, ok := palette[n]; ok {
		return c
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font is Fyne's embedded font, so screens render the same everywhere.
func (KioskTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon is Fyne's icon set.
func (KioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

var sizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:            22,
	theme.SizeNameHeadingText:     30,
	theme.SizeNameSubHeadingText:  26,
	theme.SizeNameCaptionText:     18,
	theme.SizeNamePadding:         8,
	theme.SizeNameInnerPadding:    10,
	theme.SizeNameLineSpacing:     6,
	theme.SizeNameInlineIcon:      28,
	theme.SizeNameScrollBar:       24,
	theme.SizeNameScrollBarSmall:  8,
	theme.SizeNameInputBorder:     2,
	theme.SizeNameInputRadius:     8,
	theme.SizeNameSelectionRadius: 6,
	SizeNameAmount:                44,
	SizeNameTitle:                 32,
	SizeNamePanelCaption:          PanelCaptionSize,
	SizeNamePanelText:             PanelTextSize,
	SizeNamePanelHeading:          PanelHeadingSize,
}

// The trainer panel's text is smaller than the meter's screen: the desktop trainer is used with a
// mouse, and more controls fit beside the screen.
const (
	PanelTextSize    = 16
	PanelCaptionSize = 14
	PanelHeadingSize = 19

	SizeNamePanelCaption fyne.ThemeSizeName = "postmeterPanelCaption"
	SizeNamePanelText    fyne.ThemeSizeName = "postmeterPanelText"
	SizeNamePanelHeading fyne.ThemeSizeName = "postmeterPanelHeading"
)

// Size returns the kiosk sizes: text 22, padding 8, inner padding 10, so a line of text is 50 high and
// fits a 1024×600 screen; buttons keep at least ButtonHeight (Button.MinSize).
func (KioskTheme) Size(n fyne.ThemeSizeName) float32 {
	if s, ok := sizes[n]; ok {
		return s
	}
	return theme.DefaultTheme().Size(n)
}
