package ui

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The on-screen keyboard, for names (account codes and what comes after them): a meter has no physical
// keyboard. Digits, QWERTY letters, a few signs names use, Shift, Space and Delete, each key a large
// touch target. The first letter of a word is a capital unless the clerk taps Shift, as on a phone.

// keyboardRows are the keys, row by row, in lower case; the last row is laid out apart (Shift, Space,
// Delete and signs).
var keyboardRows = [][]string{
	{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"},
	{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"},
	{"a", "s", "d", "f", "g", "h", "j", "k", "l", "-"},
	{"z", "x", "c", "v", "b", "n", "m", "&", "/", "."},
}

// Keyboard key size and the gap between keys at scale 1: ten keys and their gaps fit a 1024-wide
// screen, five rows and the field a 600-high one.
const (
	keyboardKeyWidth  = 88
	keyboardKeyHeight = 56
	keyboardGap       = 4
)

// KeyboardKey is an on-screen keyboard key: a lower-case letter, a digit or a sign, or "shift",
// "space", "delete".
func KeyboardKey(k string) ID { return ID("kbd." + k) }

// keysWidth is the width of n keys side by side with the gaps between them, so that a wide key (Space,
// Shift) lines up with the keys above it.
func keysWidth(n int) float32 {
	return float32(n)*keyboardKeyWidth + float32(n-1)*keyboardGap
}

type keyboard struct {
	a       *App
	text    string
	max     int           // characters
	shift   bool          // the next letter is a capital
	auto    bool          // shift was set by the keyboard at the start of a word, not by the clerk
	display *widget.Label // the text typed
	cursor  *widget.Label // where the next key goes, after the text
	empty   string        // what the field says while nothing is typed
	note    *widget.Label
	letters map[string]*Button
	shiftB  *Button
}

func (a *App) newKeyboard(initial, empty string, maxChars int) *keyboard {
	k := &keyboard{a: a, text: initial, empty: empty, max: maxChars, letters: map[string]*Button{}}
	k.display = amountLabel("")
	k.cursor = amountLabel("_")
	k.note = text("")
	k.note.Importance = widget.DangerImportance
	k.note.Hide()
	return k
}

func (k *keyboard) press(key string) {
	if utf8.RuneCountInString(k.text) >= k.max {
		return
	}
	if k.shift {
		key = strings.ToUpper(key)
	}
	k.text += key
	k.shift = false
	k.update()
}

func (k *keyboard) space() {
	if k.text == "" || strings.HasSuffix(k.text, " ") || utf8.RuneCountInString(k.text) >= k.max {
		return // a name neither starts with a space nor has two in a row
	}
	k.text += " "
	k.update()
}

func (k *keyboard) backspace() {
	if _, n := utf8.DecodeLastRuneInString(k.text); n > 0 {
		k.text = k.text[:len(k.text)-n]
	}
	k.update()
}

func (k *keyboard) toggleShift() {
	k.shift, k.auto = !k.shift, false
	k.relabel()
}

// update shows the text and sets Shift for the first letter of a word.
func (k *keyboard) update() {
	k.say("")
	if k.text == "" || strings.HasSuffix(k.text, " ") {
		k.shift, k.auto = true, true
	} else if k.auto {
		k.shift, k.auto = false, false
	}
	// Empty, the field says what to type (as the keypad's does), so no line above it is needed and the
	// keys fit a 600-high screen.
	if k.text == "" {
		k.display.Importance = widget.LowImportance
		k.display.SetText(k.empty)
		k.cursor.Hide()
	} else {
		k.display.Importance = widget.MediumImportance
		k.display.SetText(k.text)
		k.cursor.Show()
	}
	k.relabel()
}

// relabel shows the letters in the case the next key gives.
func (k *keyboard) relabel() {
	for l, b := range k.letters {
		if k.shift {
			b.SetText(strings.ToUpper(l))
		} else {
			b.SetText(l)
		}
	}
	if k.shiftB != nil {
		if k.shift {
			k.shiftB.Importance = widget.HighImportance
		} else {
			k.shiftB.Importance = widget.MediumImportance
		}
		k.shiftB.Refresh()
	}
}

// say shows why the text was refused; "" takes the reason away.
func (k *keyboard) say(msg string) {
	k.note.SetText(msg)
	k.note.Hidden = msg == ""
	k.note.Refresh()
}

func (k *keyboard) keys() fyne.CanvasObject {
	key := func(id ID, label string, icon fyne.Resource, tapped func()) *Button {
		return k.a.button(id, label, icon, tapped)
	}
	sized := func(b fyne.CanvasObject, units int) fyne.CanvasObject {
		return minSize(b, keysWidth(units), keyboardKeyHeight)
	}
	rowsBox := container.New(layout.NewCustomPaddedVBoxLayout(keyboardGap))
	for _, row := range keyboardRows {
		line := container.New(layout.NewCustomPaddedHBoxLayout(keyboardGap))
		for _, l := range row {
			l := l
			b := key(KeyboardKey(l), l, nil, func() { k.press(l) })
			if strings.ToUpper(l) != l {
				k.letters[l] = b
			}
			line.Add(sized(b, 1))
		}
		rowsBox.Add(container.NewCenter(line))
	}
	k.shiftB = key(KeyboardKey("shift"), txt(CapShift), theme.MoveUpIcon(), k.toggleShift)
	last := container.New(layout.NewCustomPaddedHBoxLayout(keyboardGap), sized(k.shiftB, 2),
		sized(key(KeyboardKey("space"), txt(CapSpace), nil, k.space), 6),
		sized(key(KeyboardKey("delete"), txt(CapDelete), theme.ContentUndoIcon(), k.backspace), 2))
	rowsBox.Add(container.NewCenter(last))
	return rowsBox
}

// keyboardScreen is a screen that asks for a name: the prompt and the boxed text at the top with OK
// and the way back beside them, the keys below.
type keyboardScreen struct {
	name    ScreenID
	heading string
	ok      func(text string)
	back    func()
}

func (a *App) showKeyboard(k *keyboard, s keyboardScreen) {
	keys := k.keys()
	k.update()
	box := minSize(boxed(container.NewHBox(k.display, container.New(layout.NewCustomPaddedHBoxLayout(-2*theme.Padding()), k.cursor))), keysWidth(6), 64)
	ok := minSize(a.primary(IDKeyboardOK, txt(CapOK), theme.ConfirmIcon(), func() { s.ok(strings.TrimSpace(k.text)) }), 0, 64)
	back := minSize(a.button(IDKeyboardBack, txt(CapCancel), theme.CancelIcon(), s.back), 0, 64)
	// The field and OK and Cancel span the keys' width, so the keys stay where a hand expects them.
	field := container.NewBorder(nil, nil, nil, minSize(container.NewGridWithColumns(2, ok, back), keysWidth(4)-theme.Padding()+keyboardGap, 0), box)
	body := container.NewVBox(k.note, container.NewCenter(minSize(field, keysWidth(10), 0)),
		layout.NewSpacer(), keys)
	a.setScreen(s.name, screen(s.heading, nil, body, nil))
	a.kbd = k
}

// KeyboardText is what was typed on the on-screen keyboard on screen ("" without one), for scenes.
func (a *App) KeyboardText() string {
	if a.kbd == nil || a.screen != ScreenAccountName {
		return ""
	}
	return a.kbd.text
}
