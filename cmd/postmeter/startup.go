package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"postmeter/meter"
)

// checkModel refuses an unknown -model before anything is written or a window opens; the message
// names the models there are.
func checkModel(name string) error {
	if name == "" {
		return nil
	}
	models, err := meter.LoadModels()
	if err != nil {
		return err
	}
	_, err = meter.ModelByName(models, name)
	return err
}

// errNoDisplay says what is wrong and what to do when there is no X server to draw on. Fyne's GL
// driver would otherwise panic inside GLFW with a stack trace that says neither.
var errNoDisplay = errors.New("no display")

// checkDisplay finds out, before Fyne's GL driver starts, whether the X server named by DISPLAY can be
// reached. Builds with the test driver (-tags ci) need none.
func checkDisplay() error {
	if !needsDisplay {
		return nil
	}
	d := os.Getenv("DISPLAY")
	if d == "" {
		return fmt.Errorf("%w: DISPLAY is not set, so there is no X server to draw the meter's screen on; "+
			"run postmeter in an X session (or under xvfb-run), or render the screens to PNG with `postmeter gallery`", errNoDisplay)
	}
	network, addr, ok := xAddress(d)
	if !ok {
		return nil // a form this check does not know: let the driver try it
	}
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil && network == "unix" {
		// Xlib tries the abstract socket of the same name too, which a server may offer alone.
		c, err = net.DialTimeout(network, "@"+addr, 2*time.Second)
	}
	if err != nil {
		return fmt.Errorf("%w: no X server answers on DISPLAY=%s (%v); start the X server, or set DISPLAY to one "+
			"that runs (or run under xvfb-run)", errNoDisplay, d, err)
	}
	c.Close()
	return nil
}

// xAddress is where an X client connects for DISPLAY d: [host]:n[.screen], a Unix socket when host is
// empty or "unix", TCP port 6000+n otherwise.
func xAddress(d string) (network, addr string, ok bool) {
	host, rest, found := strings.Cut(d, ":")
	if !found || strings.HasPrefix(host, "/") {
		return "", "", false // launchd-style paths and the like
	}
	num, _, _ := strings.Cut(rest, ".")
	var n int
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || n < 0 {
		return "", "", false
	}
	if host == "" || host == "unix" {
		return "unix", filepath.Join("/tmp/.X11-unix", fmt.Sprintf("X%d", n)), true
	}
	return "tcp", net.JoinHostPort(host, fmt.Sprint(6000+n)), true
}
