// Package xwin drives a real X window under Xvfb for cmd/postmeter's end-to-end test
// (TestEndToEndRefill) and cmd/benchtable's window figures: it starts an Xvfb server, runs X clients
// on it (xdotool), takes screenshots over its own X connection, clicks, finds a window's geometry, and
// compares pictures pixel by pixel with a tolerance for antialiasing.
//
// Functions return errors; the callers decide whether an error fails a test or a benchmark.
package xwin

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// Server is an Xvfb server on a display number it chose itself (-displayfd), with one screen.
type Server struct {
	display string // ":N"
	w, h    int
	cmd     *exec.Cmd
	exited  chan error
	close   sync.Once

	connMu sync.Mutex
	conn   *xgb.Conn // for screenshots and taps, opened on first use
	xtest  bool      // XTEST is initialised on conn
	// damage reports changes of the screen on conn once WatchChanges ran; changes holds the time of
	// the earliest one not yet taken.
	damage  damage.Damage
	changes chan time.Time
}

// Start starts the Xvfb at xvfbPath with one screen of w×h×24 and waits (up to 15 s) until it
// reports its display, that is until it accepts clients. Close stops it.
func Start(xvfbPath string, w, h int) (*Server, error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(xvfbPath, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{wr}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		r.Close()
		wr.Close()
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	wr.Close()
	x := &Server{w: w, h: h, cmd: cmd, exited: make(chan error, 1)}
	go func() { x.exited <- cmd.Wait() }()
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if _, err := strconv.Atoi(n); err != nil {
			x.Close()
			return nil, fmt.Errorf("Xvfb did not report its display (%q): %s", n, stderr.String())
		}
		x.display = ":" + n
		return x, nil
	case err := <-x.exited:
		return nil, fmt.Errorf("Xvfb exited at start: %v: %s", err, stderr.String())
	case <-time.After(15 * time.Second):
		x.Close()
		return nil, fmt.Errorf("Xvfb did not start within 15 s: %s", stderr.String())
	}
}

// Close stops the server: SIGTERM, then SIGKILL after 5 s. Calling it again does nothing.
func (x *Server) Close() {
	x.close.Do(func() {
		x.connMu.Lock()
		if x.conn != nil {
			x.conn.Close()
		}
		x.connMu.Unlock()
		_ = x.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-x.exited:
		case <-time.After(5 * time.Second):
			_ = x.cmd.Process.Kill()
			<-x.exited
		}
	})
}

// Display is the server's display name, ":N".
func (x *Server) Display() string { return x.display }

// Env is the environment of X clients on this server: DISPLAY, LANG=en_US.UTF-8 and FYNE_SCALE=1, the
// rest of this process's environment but XAUTHORITY and WAYLAND_DISPLAY, then extra ("KEY=value").
func (x *Server) Env(extra ...string) []string {
	env := []string{"DISPLAY=" + x.display, "LANG=en_US.UTF-8", "FYNE_SCALE=1"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "DISPLAY" && k != "LANG" && k != "FYNE_SCALE" && k != "XAUTHORITY" && k != "WAYLAND_DISPLAY" {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// Run runs an X client (xdotool, import) on this server with a bound on its time and returns its
// standard output; an error carries its standard error.
func (x *Server) Run(timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = x.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Screenshot grabs the whole screen. It asks the server for the picture over one X connection kept
// open (GetImage) rather than running a client such as ImageMagick's import each time: that took
// about 55 ms and 35 ms of CPU a picture, enough on two cores to slow the very start-up the
// benchmarks time, and too coarse to time it.
func (x *Server) Screenshot() (*image.RGBA, error) {
	return x.ScreenshotRect(image.Rect(0, 0, x.w, x.h))
}

// connect opens the X connection of screenshots and taps if it is not open yet; connMu is held.
func (x *Server) connect() error {
	if x.conn != nil {
		return nil
	}
	conn, err := xgb.NewConnDisplay(x.display)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", x.display, err)
	}
	x.conn = conn
	return nil
}

// Tap moves the pointer to px,py and presses and releases button 1 there, as a finger on a touchscreen
// does, through the XTEST extension over the screenshots' X connection; it returns once the server has
// taken the three events. Click runs xdotool instead, which takes 70–190 ms a click on two cores
// (starting a process, and a 100 ms sleep after the release before it exits): a benchmark that times
// from a click to the next screen and starts looking only once the click returned would measure
// xdotool as much as the program. Here the events reach the server within a millisecond or two.
func (x *Server) Tap(px, py int) error {
	x.connMu.Lock()
	defer x.connMu.Unlock()
	if err := x.connect(); err != nil {
		return fmt.Errorf("tap: %w", err)
	}
	if !x.xtest {
		if err := xtest.Init(x.conn); err != nil {
			return fmt.Errorf("tap: the X server has no XTEST extension: %w", err)
		}
		x.xtest = true
	}
	root := xproto.Setup(x.conn).DefaultScreen(x.conn).Root
	for _, ev := range []struct{ typ, detail byte }{
		{xproto.MotionNotify, 0}, // detail 0: px,py are absolute
		{xproto.ButtonPress, 1},
		{xproto.ButtonRelease, 1},
	} {
		if err := xtest.FakeInputChecked(x.conn, ev.typ, ev.detail, 0, root, int16(px), int16(py), 0).Check(); err != nil {
			return fmt.Errorf("tap at %d,%d: %w", px, py, err)
		}
	}
	return nil
}

// Click moves the pointer to px,py on the screen and presses and releases button 1 there (xdotool,
// 5 s at most).
func (x *Server) Click(px, py int) error {
	_, err := x.Run(5*time.Second, "xdotool", "mousemove", strconv.Itoa(px), strconv.Itoa(py), "click", "1")
	return err
}

var geometryRE = regexp.MustCompile(`Position: (-?\d+),(-?\d+).*\n\s*Geometry: (\d+)x(\d+)`)

// WindowGeometry waits up to timeout, polling every 50 ms, for a visible window whose name contains
// name to take the size want (GLFW maps it at another size first) and returns its position and size
// on the screen.
func (x *Server) WindowGeometry(name string, want image.Point, timeout time.Duration) (image.Rectangle, error) {
	deadline := time.Now().Add(timeout)
	var last image.Rectangle
	for {
		out, err := x.Run(5*time.Second, "xdotool", "search", "--onlyvisible", "--name", name, "getwindowgeometry", "%@")
		if err == nil {
			if m := geometryRE.FindStringSubmatch(string(out)); m != nil {
				px, _ := strconv.Atoi(m[1])
				py, _ := strconv.Atoi(m[2])
				w, _ := strconv.Atoi(m[3])
				h, _ := strconv.Atoi(m[4])
				last = image.Rect(px, py, px+w, py+h)
				if last.Size() == want {
					return last, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("no visible window %q of %v after %s (last seen %v; %v): %s", name, want, timeout, last, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// VMRSS reads a process's resident set size, in bytes, from /proc/PID/status.
func VMRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
