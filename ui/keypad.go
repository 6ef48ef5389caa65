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

// keypad is the in-app numeric keypad, one layout for PINs, amounts and weights. It only collects
// digits; what they mean (cents filled from the right, tenths of an ounce, a PIN) is decided by the
// format and by the core when OK is tapped.
type keypad struct {
	a      *App
	digits string
	// fresh is true while the display shows the value the keypad opened with: the first digit keyed
	// replaces it instead of being appended to it (keying 2500 over $99.99 must give $25.00).
	fresh   bool
	max     int
	format  func(digits string) string
	display *widget.Label
	note    *widget.Label
	keys    map[string]*Button // by label, for tests
	words   *fyne.Container    // the column the note is in, laid out again when it shows or hides
	// keyed, when set, is told the digits after each digit key, so the PIN keypad can have them
	// checked while the clerk is still keying.
	keyed func(digits string)
}

func (a *App) newKeypad(initial string, maxDigits int, format func(string) string) *keypad {
	k := &keypad{a: a, digits: initial, fresh: initial != "", max: maxDigits, format: format,
		keys: map[string]*Button{}}
	k.display = amountLabel(format(initial))
	k.display.Alignment = fyne.TextAlignTrailing
	k.note = text("")
	k.note.Importance = widget.DangerImportance
	k.note.Hide() // shown with a refusal only, so the keys keep their place on a full screen
	return k
}

func (k *keypad) press(d string) {
	if k.fresh {
		k.fresh, k.digits = false, ""
	}
	if len(k.digits) >= k.max {
		return
	}
	if k.digits == "" && d == "0" {
		return // leading zeros add nothing
	}
	k.digits += d
	k.update()
	if k.keyed != nil {
		k.keyed(k.digits)
	}
}

func (k *keypad) backspace() {
	k.fresh = false // editing the shown value keeps the rest of it
	if k.digits != "" {
		k.digits = k.digits[:len(k.digits)-1]
	}
	k.update()
}

func (k *keypad) clear() {
	k.fresh, k.digits = false, ""
	k.update()
}

func (k *keypad) update() {
	k.say("")
	k.display.SetText(k.format(k.digits))
}

// say shows why the entry was refused, above the display; "" takes the reason away.
func (k *keypad) say(msg string) {
	k.note.SetText(msg)
	k.note.Hidden = msg == ""
	k.note.Refresh()
	if k.words != nil {
		k.words.Refresh()
	}
}

// keypadWidth is the width of the 3×120 keys with their gaps; the display box has the same width so
// it sits right above the keys it shows.
const keypadWidth = 3*120 + 2*4

// grid is the 4×3 block of keys: 1–9, Clear, 0, backspace.
func (k *keypad) grid() fyne.CanvasObject {
	key := func(id ID, label string, icon fyne.Resource, tapped func()) fyne.CanvasObject {
		b := k.a.button(id, label, icon, tapped)
		k.keys[label] = b
		return minSize(b, 120, 72)
	}
	var cells []fyne.CanvasObject
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		d := d
		cells = append(cells, key(Key(d), d, nil, func() { k.press(d) }))
	}
	cells = append(cells,
		key(Key("clear"), txt(CapClear), nil, k.clear),
		key(Key("0"), "0", nil, func() { k.press("0") }),
		key(Key("delete"), txt(CapDelete), nil, k.backspace))
	return container.NewGridWithColumns(3, cells...)
}

// boxedDisplay frames the display so it reads as the field the keys fill.
func (k *keypad) boxedDisplay() fyne.CanvasObject {
	return minSize(boxed(k.display), keypadWidth, 0)
}

// boxed frames a display so it reads as the field the keys fill.
func boxed(display fyne.CanvasObject) fyne.CanvasObject {
	box := canvas.NewRectangle(color.Transparent)
	box.StrokeColor = theme.Color(theme.ColorNameForeground)
	box.StrokeWidth = 2
	box.CornerRadius = 6
	return container.NewStack(box, display)
}

// keypadScreen is the one layout of every keypad: at the left the prompt, then how digits fill and the
// core's limits and the reason for a refusal; at the right a column of the boxed display right above
// the keys, with OK and the way back beside the keys.
type keypadScreen struct {
	name      ScreenID
	heading   string
	prompt    string // what to key in and what to select
	fill      string // how digits fill, "" for a PIN
	limits    *widget.Label
	ok        func()
	okLabel   string
	back      func()
	backLabel string
	backIcon  fyne.Resource
}

func (a *App) showKeypad(k *keypad, s keypadScreen) {
	if s.okLabel == "" {
		s.okLabel = txt(CapOK)
	}
	if s.backLabel == "" {
		s.backLabel, s.backIcon = txt(CapCancel), theme.CancelIcon()
	}
	top := container.NewVBox(text(s.prompt))
	if s.fill != "" {
		top.Add(text(s.fill))
	}
	if s.limits != nil {
		top.Add(s.limits)
	}
	top.Add(k.note)
	k.words = top
	side := container.NewVBox(
		minSize(a.primary(IDKeypadOK, s.okLabel, theme.ConfirmIcon(), s.ok), 240, 72),
		minSize(a.button(IDKeypadBack, s.backLabel, s.backIcon, s.back), 240, 72))
	// The words beside the keys, not above them: the boxed display and all four rows of keys fit a
	// 600-high screen whatever the words' length.
	pad := container.NewVBox(k.boxedDisplay(), k.grid())
	body := container.NewBorder(nil, nil, nil, container.NewHBox(minSize(layout.NewSpacer(), 8, 0), pad, side), top)
	a.setScreen(s.name, screen(s.heading, nil, body, nil))
	a.pinPad, a.pinPadOK = k, s.ok
}
