package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// keypad is the in-app numeric keypad. It only collects digits; what they mean (cents filled from the
// right, tenths of an ounce, a PIN) is decided by the format and by the core when OK is tapped.
type keypad struct {
	a       *App
	digits  string
	max     int
	format  func(digits string) string
	display *widget.Label
	note    *widget.Label
	keys    map[string]*widget.Button // by label, for tests
}

func (a *App) newKeypad(initial string, maxDigits int, format func(string) string) *keypad {
	k := &keypad{a: a, digits: initial, max: maxDigits, format: format, keys: map[string]*widget.Button{}}
	k.display = amountLabel(format(initial))
	k.display.Alignment = fyne.TextAlignTrailing
	k.note = text("")
	k.note.Importance = widget.DangerImportance
	return k
}

func (k *keypad) press(d string) {
	if len(k.digits) >= k.max {
		return
	}
	if k.digits == "" && d == "0" {
		return // leading zeros add nothing
	}
	k.digits += d
	k.update()
}

func (k *keypad) backspace() {
	if k.digits != "" {
		k.digits = k.digits[:len(k.digits)-1]
	}
	k.update()
}

func (k *keypad) clear() {
	k.digits = ""
	k.update()
}

func (k *keypad) update() {
	k.note.SetText("")
	k.display.SetText(k.format(k.digits))
}

// say shows why the entry was refused, under the display.
func (k *keypad) say(msg string) { k.note.SetText(msg) }

// grid is the 4×3 block of keys: 1–9, Clear, 0, backspace.
func (k *keypad) grid() fyne.CanvasObject {
	key := func(label string, icon fyne.Resource, tapped func()) fyne.CanvasObject {
		b := k.a.button(label, icon, tapped)
		k.keys[label] = b
		return minSize(b, 120, 72)
	}
	var cells []fyne.CanvasObject
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		d := d
		cells = append(cells, key(d, nil, func() { k.press(d) }))
	}
	cells = append(cells,
		key("Clear", nil, k.clear),
		key("0", nil, func() { k.press("0") }),
		key("Delete", nil, k.backspace))
	return container.NewGridWithColumns(3, cells...)
}
