package printer

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Tray is the simulated print engine's output tray: a directory of numbered PNGs, one per impression,
// named "0001-envelope-indicium.png", "0002-tape-receipt.png", … The number grows by one per saved
// impression, so names sort oldest first (numbers above 9999 get more digits; List still orders them).
//
// Saves are serialised within the process (all Trays share one lock) and each file appears atomically
// (written to a temporary name, synced, renamed), so a reader never sees half an image. Only one
// process should write to a tray directory.
type Tray struct {
	Dir string
}

// TrayItem is one impression in the tray.
type TrayItem struct {
	Path string    // full path of the PNG
	Seq  int       // its number
	Kind string    // e.g. "envelope-indicium"
	Time time.Time // when it was saved (file modification time)
}

var (
	trayMu     sync.Mutex
	kindRe     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	trayNameRe = regexp.MustCompile(`^([0-9]{4,})-([a-z0-9]+(?:-[a-z0-9]+)*)\.png$`)
)

// Save writes img as the next impression of the given kind (lower-case letters, digits and single
// hyphens, e.g. "envelope-indicium") and returns its path.
func (t Tray) Save(kind string, img image.Image) (path string, err error) {
	if !kindRe.MatchString(kind) {
		return "", fmt.Errorf("tray: kind %q: use lower-case letters, digits and hyphens", kind)
	}
	if img == nil {
		return "", errors.New("tray: no image to save")
	}
	trayMu.Lock()
	defer trayMu.Unlock()
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return "", fmt.Errorf("tray: create %s: %w", t.Dir, err)
	}
	items, err := t.list()
	if err != nil {
		return "", err
	}
	seq := 1
	if len(items) > 0 {
		seq = items[0].Seq + 1
	}
	path = filepath.Join(t.Dir, fmt.Sprintf("%04d-%s.png", seq, kind))
	tmp, err := os.CreateTemp(t.Dir, ".saving-*.png")
	if err != nil {
		return "", fmt.Errorf("tray: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = png.Encode(tmp, img); err != nil {
		return "", fmt.Errorf("tray: encode %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return "", fmt.Errorf("tray: sync %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return "", fmt.Errorf("tray: close %s: %w", tmp.Name(), err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("tray: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("tray: %w", err)
	}
	if d, derr := os.Open(t.Dir); derr == nil { // make the rename durable; best effort
		_ = d.Sync()
		_ = d.Close()
	}
	slog.Debug("tray: impression saved", "path", path, "kind", kind)
	return path, nil
}

// List returns the impressions in the tray, newest (highest number) first. A tray directory that does
// not exist yet is an empty tray.
func (t Tray) List() ([]TrayItem, error) {
	trayMu.Lock()
	defer trayMu.Unlock()
	return t.list()
}

func (t Tray) list() ([]TrayItem, error) {
	entries, err := os.ReadDir(t.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tray: read %s: %w", t.Dir, err)
	}
	var items []TrayItem
	for _, e := range entries {
		m := trayNameRe.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		seq, err := strconv.Atoi(m[1])
		if err != nil {
			continue // too many digits to be one of ours
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("tray: stat %s: %w", e.Name(), err)
		}
		items = append(items, TrayItem{
			Path: filepath.Join(t.Dir, e.Name()), Seq: seq, Kind: m[2], Time: info.ModTime(),
		})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Seq > items[j].Seq })
	return items, nil
}
