package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGalleryRendersAScene(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	code := run([]string{"gallery", "-out", dir, "-scene", "refill-confirm"}, &out, &errs)
	require.Equal(t, 0, code, errs.String())
	f, err := os.Open(filepath.Join(dir, "refill-confirm.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 1280, img.Bounds().Dx())
	assert.Equal(t, 800, img.Bounds().Dy())
	assert.Contains(t, out.String(), "refill-confirm.png")
}

func TestScreenSizeFlag(t *testing.T) {
	s, err := parseSize("1024x600")
	require.NoError(t, err)
	assert.Equal(t, float32(1024), s.Width)
	assert.Equal(t, float32(600), s.Height)
	for _, bad := range []string{"", "1024", "axb", "100x100", "1024x"} {
		_, err := parseSize(bad)
		assert.Error(t, err, bad)
	}
	var errs bytes.Buffer
	assert.Equal(t, 2, run([]string{"-screen", "nonsense"}, &bytes.Buffer{}, &errs))
	assert.Contains(t, errs.String(), "WIDTHxHEIGHT")
}
