package main

import (
	"bytes"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	var errs bytes.Buffer
	assert.Equal(t, 2, run([]string{"-screen", "nonsense"}, &bytes.Buffer{}, &errs))
	assert.Contains(t, errs.String(), "WIDTHxHEIGHT")
}

// The kiosk is its own command now: -kiosk, in any spelling the flag package accepts, gets one line
// that names it and status 2, not the trainer's usage.
func TestKioskFlagNamesTheKioskCommand(t *testing.T) {
	for _, args := range [][]string{{"-kiosk"}, {"--kiosk", "-config", "/etc/postmeter/kiosk.json"}, {"-config", "k.json", "-kiosk=true"}} {
		var out, errs bytes.Buffer
		assert.Equal(t, 2, run(args, &out, &errs), args)
		lines := strings.Split(strings.TrimSpace(errs.String()), "\n")
		require.Len(t, lines, 1, errs.String())
		assert.Contains(t, lines[0], "postmeter-kiosk -config", args)
		assert.Contains(t, lines[0], "make kiosk", args)
		assert.Empty(t, out.String())
	}
	assert.False(t, askedForKiosk([]string{"-data", "kiosk"}), "a value named kiosk is no flag")
	assert.False(t, askedForKiosk([]string{"--", "-kiosk"}), "nothing after -- is a flag")
}

// gallery -model renders another model's screens, and a Connect+ 500W and a SendPro P3000 differ
// exactly where their profiles differ: Meter Information (name, speed, weighing methods), Run Mail
// (the P3000's W-O-W and differential weighing add the Method button; the 500W has neither, so the
// weighing dialog cannot even be opened on it) and the output tray (the engine's speed). Screens the
// profiles do not touch are the same picture. An unknown model is refused.
func TestGalleryModel(t *testing.T) {
	why := map[string]string{
		"funds-meter-information": "name, speed (120 and 300 a minute) and weighing methods",
		"run-mail":                "the Method button for W-O-W and differential weighing",
		"run-mail-weighing":       "the weighing methods offered (none beyond the scale on the 500W)",
		"output-tray":             "the engine's speed in the tray heading",
	}
	same := []string{"home", "refill-options", "settings", "funds-meter-funds"}
	render := func(model, sc string) ([]byte, int) {
		dir := t.TempDir()
		var out, errs bytes.Buffer
		code := run([]string{"gallery", "-out", dir, "-scene", sc, "-model", model}, &out, &errs)
		b, _ := os.ReadFile(filepath.Join(dir, sc+".png"))
		return b, code
	}
	for _, sc := range append(slices.Sorted(maps.Keys(why)), same...) {
		small, smallCode := render("Connect+ 500W", sc)
		big, bigCode := render("P3000", sc)
		require.Equal(t, 0, bigCode, "%s renders on the P3000", sc)
		if sc == "run-mail-weighing" {
			assert.Equal(t, 1, smallCode, "%s: the 500W has no Method button to open it", sc)
			continue
		}
		require.Equal(t, 0, smallCode, sc)
		if reason, differs := why[sc]; differs {
			assert.NotEqual(t, small, big, "%s differs: %s", sc, reason)
		} else {
			assert.Equal(t, small, big, "%s shows nothing of the model profile", sc)
		}
	}
	var errs bytes.Buffer
	assert.Equal(t, 2, run([]string{"gallery", "-out", t.TempDir(), "-model", "Franking 9000"}, &bytes.Buffer{}, &errs))
	assert.Contains(t, errs.String(), "-model")
}

// -contact-profile names one of the profiles in meter/data/contact-profiles.json; any other is refused
// before a window opens or anything is written, by the trainer and by the gallery.
func TestContactProfileFlag(t *testing.T) {
	for _, args := range [][]string{{"-contact-profile", "uk"}, {"gallery", "-out", t.TempDir(), "-contact-profile", "uk"}} {
		var errs bytes.Buffer
		assert.Equal(t, 2, run(args, &bytes.Buffer{}, &errs), args)
		assert.Contains(t, errs.String(), "-contact-profile", args)
		assert.Contains(t, errs.String(), "us-imi", "the message names the profiles there are")
	}
}

// Without -screen the window is the model's screen (models.json "screen"); -screen still wins.
func TestScreenSizeFollowsTheModel(t *testing.T) {
	for _, model := range []string{"", "Connect+ 500W", "P3000"} {
		size, err := screenSize("", model)
		require.NoError(t, err)
		mo, err := findModel(model)
		require.NoError(t, err)
		assert.Equal(t, [2]float32{float32(mo.ScreenWidth), float32(mo.ScreenHeight)}, [2]float32{size.Width, size.Height}, model)
	}
	size, err := screenSize("1024x600", "P3000")
	require.NoError(t, err)
	assert.Equal(t, float32(600), size.Height)
	_, err = screenSize("", "P9999")
	assert.Error(t, err)
}
