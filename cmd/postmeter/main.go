// Command postmeter is the trainer: the meter's touchscreen in a window the size of the meter's
// screen, on simulated devices with an embedded Data Center and demo data. "postmeter gallery" renders
// every screen to PNG without a display; "postmeter verify -data DIR" verifies a meter's whole vault,
// read-only; "postmeter verify-archive -key KEY FILE..." verifies archive files with the meter's public
// key alone, which "postmeter public-key -data DIR" prints. The kiosk, on a real meter, is its own command,
// cmd/postmeter-kiosk, which links none of the trainer's simulator and test code.
package main

import (
	// Initialised before Fyne's packages: it gives Fyne a locale it can parse (see the package).
	_ "postmeter/cmd/internal/fynelocale"

	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "gallery" {
		return runGallery(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "verify" {
		return runVerify(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "verify-archive" {
		return runVerifyArchive(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "public-key" {
		return runPublicKey(args[1:], stdout, stderr)
	}
	if askedForKiosk(args) {
		// The flag parser would print the whole usage for an unknown flag; whoever still starts the
		// kiosk this way (an old session script) needs only the new command's name.
		fmt.Fprintln(stderr, "postmeter: -kiosk is gone: the kiosk is its own program, postmeter-kiosk -config FILE (make kiosk builds bin/postmeter-kiosk)")
		return 2
	}
	return runApp(args, stdout, stderr)
}

// askedForKiosk reports whether args hold the old -kiosk flag, in any form the flag package accepts.
func askedForKiosk(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "kiosk" {
			return true
		}
	}
	return false
}
