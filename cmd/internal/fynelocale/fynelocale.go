// Package fynelocale gives Fyne a locale it can parse before Fyne reads it. Fyne reads the locale
// while its lang package is initialised, before main runs, and logs "Error parsing user locale C" for
// Debian's default C.UTF-8. This package must therefore be initialised before fyne.io/fyne/v2/lang:
// it imports nothing that needs text/template (which lang imports, and which sorts after "postmeter",
// so by Go's initialisation order, packages sorted by import path with their imports first, this
// package comes first). Both touchscreen binaries, postmeter and postmeter-kiosk, import it for that
// side effect; TestGalleryLogsNoErrors, the kiosk's TestNoDisplayIsOneClearLine and
// TestKioskInARealWindow (each under LANG=C.UTF-8) check the order holds.
package fynelocale

import (
	"os"
	"strings"

	"golang.org/x/text/language"
)

// init sets it silently: the screens are in English whatever the locale (the meter's language), so
// there is nothing for the clerk or the log to learn.
func init() { Fix() }

// Fix makes sure Fyne can read the locale it takes from the environment. Fyne reads the first
// of LC_ALL, LC_MESSAGES and LANG that is set (then LANGUAGE) and logs an error for any it cannot
// parse, such as Debian's default C.UTF-8 (whose language "C" is no language tag). When that would
// happen, the variable Fyne reads is set to en_US.UTF-8, the meter's language. Fix reports which
// variable it set and its value before.
func Fix() (name, was string, changed bool) {
	name, was = fyneLocaleVar()
	if name == "" || fyneCanParse(was) {
		return "", "", false
	}
	if name == "LANGUAGE" {
		_ = os.Setenv(name, "en_US")
	} else {
		_ = os.Setenv(name, "en_US.UTF-8")
	}
	return name, was, true
}

// fyneLocaleVar is the environment variable Fyne's locale comes from and its value ("" if Fyne uses
// its default), as github.com/jeandeaual/go-locale reads them on Unix.
func fyneLocaleVar() (name, value string) {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if value = os.Getenv(v); value != "" {
			name = v
			break
		}
	}
	if value == "C" || value == "POSIX" {
		return "", "" // Fyne's default, English, without an error
	}
	if l := os.Getenv("LANGUAGE"); l != "" {
		return "LANGUAGE", l
	}
	return name, value
}

// fyneCanParse tells whether every locale in value (colon-separated) is a language tag once its
// encoding is cut off, as Fyne parses it.
func fyneCanParse(value string) bool {
	for _, loc := range strings.Split(value, ":") {
		loc, _, _ = strings.Cut(loc, ".")
		lang, region, _ := strings.Cut(strings.ReplaceAll(loc, "-", "_"), "_")
		tag := lang
		if region != "" {
			tag += "-" + region
		}
		if _, err := language.Parse(tag); err != nil {
			return false
		}
	}
	return true
}
