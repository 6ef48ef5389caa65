package scene

import (
	"bytes"
	"fmt"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"github.com/go-text/typesetting/font"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/uitest"
	"postmeter/ui"
)

// TestScreensUseOnlyEmbeddedGlyphs checks every character drawn on every scene is in the theme's
// embedded font of its style. Fyne draws a missing one from the system's fonts, which a meter's
// minimal install may not have: the screen would show nothing there, and the goldens would depend on
// the machine that rendered them.
func TestScreensUseOnlyEmbeddedGlyphs(t *testing.T) {
	faces := map[fyne.TextStyle]*font.Face{}
	faceFor := func(style fyne.TextStyle) *font.Face {
		if f, ok := faces[style]; ok {
			return f
		}
		f, err := font.ParseTTF(bytes.NewReader(ui.KioskTheme{}.Font(style).Content()))
		require.NoError(t, err, "parse the theme's font for %+v", style)
		faces[style] = f
		return f
	}
	for _, sc := range All {
		t.Run(sc.Name, func(t *testing.T) {
			r := play(t, sc)
			n := 0
			for _, o := range uitest.Visible(r.Window.Canvas()) {
				txt, ok := o.(*canvas.Text)
				if !ok {
					continue
				}
				n++
				face := faceFor(txt.TextStyle)
				for _, r := range txt.Text {
					if unicode.IsSpace(r) || unicode.IsControl(r) {
						continue
					}
					_, found := face.NominalGlyph(r)
					assert.True(t, found, "%q (U+%04X) in %q is not in the embedded font (%s)", string(r), r, txt.Text, styleName(txt.TextStyle))
				}
			}
			assert.NotZero(t, n, "no text on the screen")
		})
	}
}

func styleName(s fyne.TextStyle) string {
	return fmt.Sprintf("bold=%v italic=%v monospace=%v", s.Bold, s.Italic, s.Monospace)
}
