package startup

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
)

// ParseSize reads a screen size WIDTHxHEIGHT (-screen); smaller than 320x240 is refused, since no
// screen of the meter's fits there.
func ParseSize(s string) (fyne.Size, error) {
	w, h, ok := strings.Cut(strings.ToLower(s), "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi < 320 || hi < 240 {
		return fyne.Size{}, fmt.Errorf("-screen %q: want WIDTHxHEIGHT, at least 320x240, e.g. 1280x800", s)
	}
	return fyne.NewSize(float32(wi), float32(hi)), nil
}
