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
	"github.com/jezek/xgb/xproto"
)

// Server is an Xvfb server on a display number it chose itself (-displayfd), with one screen.
type Server struct {
	display string // ":N"
	w, h    int
	cmd     *exec.Cmd
	exited  chan error
	close   sync.Once

	connMu sync.Mutex
	conn   *xgb.Conn // for screenshots, opened on first use
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
	x.connMu.Lock()
	defer x.connMu.Unlock()
	if x.conn == nil {
		conn, err := xgb.NewConnDisplay(x.display)
		if err != nil {
			return nil, fmt.Errorf("screenshot: connect to %s: %w", x.display, err)
		}
		x.conn = conn
	}
	root := xproto.Setup(x.conn).DefaultScreen(x.conn).Root
	reply, err := xproto.GetImage(x.conn, xproto.ImageFormatZPixmap, xproto.Drawable(root),
		0, 0, uint16(x.w), uint16(x.h), 0xffffffff).Reply()
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	// Depth 24 comes as 32 bits a pixel, blue first (the server's byte order is little-endian).
	if reply.Depth != 24 || len(reply.Data) != x.w*x.h*4 {
		return nil, fmt.Errorf("screenshot: depth %d, %d bytes, want depth 24 and %d×%d×4", reply.Depth, len(reply.Data), x.w, x.h)
	}
	img := image.NewRGBA(image.Rect(0, 0, x.w, x.h))
	for i := 0; i < len(reply.Data); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = reply.Data[i+2], reply.Data[i+1], reply.Data[i], 0xff
	}
	return img, nil
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
