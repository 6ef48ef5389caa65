// Command postmeter is the meter's touchscreen. With no flags it runs the trainer simulator in a
// window the size of the meter's screen, with an embedded Data Center and demo data; -kiosk runs it
// full screen on a real meter; "postmeter gallery" renders every screen to PNG without a display.
package main

import (
	"io"
	"os"

	// Initialised before Fyne's packages: it gives Fyne a locale it can parse (see the package).
	_ "postmeter/cmd/internal/fynelocale"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "gallery" {
		return runGallery(args[1:], stdout, stderr)
	}
	return runApp(args, stdout, stderr)
}
