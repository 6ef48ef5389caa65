// Package uitest holds what the screens' tests share: golden markup and pictures in the calling
// package's testdata/ (UPDATE_GOLDEN=1 rewrites them), and walks over what a canvas draws. Only tests
// import it; it brings in Fyne's test driver.
package uitest

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"
)

// Markup compares the canvas with testdata/<name>; UPDATE_GOLDEN=1 rewrites the golden.
func Markup(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		writeGolden(t, name, []byte(test.RenderToMarkup(c)))
		return
	}
	test.AssertRendersToMarkup(t, name, c)
}

// Image compares a capture with testdata/<name>; UPDATE_GOLDEN=1 rewrites the golden.
func Image(t *testing.T, name string, img image.Image) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		writeGolden(t, name, buf.Bytes())
		return
	}
	test.AssertImageMatches(t, name, img)
}

func writeGolden(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o644))
}

// Visible lists every object drawn on the canvas, overlays (dialogs) included.
func Visible(c fyne.Canvas) []fyne.CanvasObject {
	return VisibleUnder(append([]fyne.CanvasObject{c.Content()}, c.Overlays().List()...)...)
}

// VisibleUnder lists the visible objects in the trees of roots, widgets' insides included.
func VisibleUnder(roots ...fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(x).Objects() {
				walk(child)
			}
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}
