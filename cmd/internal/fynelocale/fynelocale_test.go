package fynelocale

import (
	"bytes"
	"log"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/stretchr/testify/assert"
)

// TestUnparseableLocaleGetsEnglish: with a locale Fyne cannot parse in the environment, fyneLocale
// sets one it can before the app starts, and Fyne logs no error; a locale Fyne reads is left alone.
func TestUnparseableLocaleGetsEnglish(t *testing.T) {
	var fyneLog bytes.Buffer
	log.SetOutput(&fyneLog) // fyne.LogError writes to the standard logger
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	for _, c := range []struct {
		name, lcAll, lang, language string
		want                        fyne.Locale
	}{
		{"LANG=C.UTF-8", "", "C.UTF-8", "", "en-US"},
		{"LC_ALL=C.utf8 over LANG", "C.utf8", "de_DE.UTF-8", "", "en-US"},
		{"LANGUAGE unparseable", "", "de_DE.UTF-8", "C", "en-US"},
		{"LANG=C", "", "C", "", "en"},
		{"LANG=de_DE.UTF-8", "", "de_DE.UTF-8", "", "de-DE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fyneLog.Reset()
			t.Setenv("LC_ALL", c.lcAll)
			t.Setenv("LC_MESSAGES", "")
			t.Setenv("LANG", c.lang)
			t.Setenv("LANGUAGE", c.language)
			_, _, changed := Fix()
			assert.Equal(t, c.want != "en" && c.want != "de-DE", changed)
			assert.Equal(t, c.want, lang.SystemLocale())
			assert.Empty(t, fyneLog.String(), "Fyne logged an error")
		})
	}
}
