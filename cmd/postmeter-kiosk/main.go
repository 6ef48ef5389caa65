// Command postmeter-kiosk is the meter's touchscreen on a real meter: full screen, with the vault,
// devices and Data Center of its configuration file (-config), started by the X session of
// deploy/postmeter-kiosk.service. It is a command of its own, apart from the trainer (cmd/postmeter),
// so that it links none of the trainer's code: no simulator, no embedded Data Center, no Fyne test
// driver, no net/http/httptest (TestKioskBinaryLinksNoTrainerCode checks its symbols).
package main

import (
	// Initialised before Fyne's packages: it gives Fyne a locale it can parse (see the package).
	_ "postmeter/cmd/internal/fynelocale"

	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"postmeter/cmd/internal/kiosk"
	"postmeter/cmd/internal/startup"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run returns the exit status: 2 for bad flags or configuration, 1 without a display or when the
// meter cannot be built, kiosk.ExitWindowClosed when another program closed the window.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("postmeter-kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "/etc/postmeter/kiosk.json", "the meter's configuration file (deploy/kiosk.example.json)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "postmeter-kiosk: unexpected arguments %q; the only flag is -config FILE\n", fs.Args())
		return 2
	}
	if err := startup.CheckDisplay("postmeter-kiosk"); err != nil {
		fmt.Fprintln(stderr, "postmeter-kiosk:", err)
		return 1
	}
	startup.TuneMemoryForStartup()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	return kiosk.Run(*configPath, log, stderr)
}
