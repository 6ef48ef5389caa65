package printer

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTraySaveAndList(t *testing.T) {
	tray := Tray{Dir: filepath.Join(t.TempDir(), "tray")}
	items, err := tray.List()
	require.NoError(t, err, "a tray that does not exist yet is empty")
	assert.Empty(t, items)

	ind, err := RenderIndicium(sampleIndicium(), Envelope)
	require.NoError(t, err)
	receipt, err := RenderDocument(sampleReceipt(), Tape)
	require.NoError(t, err)
	p1, err := tray.Save("envelope-indicium", ind)
	require.NoError(t, err)
	p2, err := tray.Save("tape-receipt", receipt)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(tray.Dir, "0001-envelope-indicium.png"), p1)
	assert.Equal(t, filepath.Join(tray.Dir, "0002-tape-receipt.png"), p2)

	// Files that are not impressions are ignored.
	require.NoError(t, os.WriteFile(filepath.Join(tray.Dir, "notes.txt"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tray.Dir, ".saving-123.png"), []byte("x"), 0o644))

	items, err = tray.List()
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, TrayItem{Path: p2, Seq: 2, Kind: "tape-receipt", Time: items[0].Time}, items[0])
	assert.Equal(t, "envelope-indicium", items[1].Kind)
	assert.False(t, items[0].Time.IsZero())

	f, err := os.Open(p1)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, ind.Bounds(), img.Bounds())
	assert.Empty(t, pixelDiff(ind, img), "the saved PNG is the rendered image")
}

func TestTrayRejectsBadInput(t *testing.T) {
	tray := Tray{Dir: t.TempDir()}
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	for _, kind := range []string{"", "Envelope", "a/b", "../x", "a--b", "-a", "a b"} {
		_, err := tray.Save(kind, img)
		assert.Error(t, err, "kind %q", kind)
	}
	_, err := tray.Save("ok", nil)
	assert.Error(t, err)
	entries, err := os.ReadDir(tray.Dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestTrayConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	const n = 24
	paths := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Separate Tray values on the same directory share the lock.
			p, err := Tray{Dir: dir}.Save(fmt.Sprintf("kind-%d", i%3), img)
			assert.NoError(t, err)
			paths[i] = p
		})
	}
	wg.Wait()
	items, err := Tray{Dir: dir}.List()
	require.NoError(t, err)
	require.Len(t, items, n)
	for i, it := range items {
		assert.Equal(t, n-i, it.Seq)
	}
	sort.Strings(paths)
	assert.Len(t, paths, n)
	for i := 1; i < n; i++ {
		assert.NotEqual(t, paths[i-1], paths[i])
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, n, "no temporary files left behind")
}

func TestTrayNumbersPast9999(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "9999-tape-receipt.png"), nil, 0o644))
	p, err := Tray{Dir: dir}.Save("tape-receipt", image.NewGray(image.Rect(0, 0, 1, 1)))
	require.NoError(t, err)
	assert.Equal(t, "10000-tape-receipt.png", filepath.Base(p))
	items, err := Tray{Dir: dir}.List()
	require.NoError(t, err)
	assert.Equal(t, 10000, items[0].Seq)
}
