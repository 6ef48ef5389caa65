// Package startup holds what both touchscreen commands, the trainer (cmd/postmeter) and the kiosk
// (cmd/postmeter-kiosk), do before and while their window opens: check that there is an X server to
// draw on, build the screens while the window is created, hold the garbage collector off until the
// first frames are drawn, and read a screen size. It imports the screens (package ui) but never the
// simulator nor Fyne's test driver, so the kiosk can link it.
package startup

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoDisplay says what is wrong and what to do when there is no X server to draw on. Fyne's GL
// driver would otherwise panic inside GLFW with a stack trace that says neither.
var ErrNoDisplay = errors.New("no display")

// CheckDisplay finds out, before Fyne's GL driver starts, whether the X server named by DISPLAY can be
// reached; program is the command's name, for the advice in the error. Builds with the test driver
// (-tags ci) need none.
func CheckDisplay(program string) error {
	if !needsDisplay {
		return nil
	}
	d := os.Getenv("DISPLAY")
	if d == "" {
		return fmt.Errorf("%w: DISPLAY is not set, so there is no X server to draw the meter's screen on; "+
			"run %s in an X session (or under xvfb-run)", ErrNoDisplay, program)
	}
	network, addr, ok := XAddress(d)
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
			"that runs (or run %s under xvfb-run)", ErrNoDisplay, d, err, program)
	}
	c.Close()
	return nil
}

// XAddress is where an X client connects for DISPLAY d: [host]:n[.screen], a Unix socket when host is
// empty or "unix", TCP port 6000+n otherwise.
func XAddress(d string) (network, addr string, ok bool) {
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
