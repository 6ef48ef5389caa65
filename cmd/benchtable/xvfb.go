package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// An Xvfb server, its screenshots and pixel comparisons (the same method as cmd/postmeter's
// TestEndToEndRefill).

type xServer struct {
	display string
	w, h    int
	cmd     *exec.Cmd
	exited  chan error
}

// startXvfb starts Xvfb on a display number it picks itself (-displayfd).
func startXvfb(xvfb string, w, h int) (*xServer, error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{wr}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	wr.Close()
	x := &xServer{w: w, h: h, cmd: cmd, exited: make(chan error, 1)}
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

func (x *xServer) Close() {
	_ = x.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-x.exited:
	case <-time.After(5 * time.Second):
		_ = x.cmd.Process.Kill()
		<-x.exited
	}
}

// env is the environment of X clients on this server.
func (x *xServer) env(extra ...string) []string {
	env := []string{"DISPLAY=" + x.display, "LANG=en_US.UTF-8", "FYNE_SCALE=1"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "DISPLAY" && k != "LANG" && k != "FYNE_SCALE" && k != "XAUTHORITY" && k != "WAYLAND_DISPLAY" {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func (x *xServer) run(timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = x.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// screenshot grabs the whole screen through ImageMagick's import.
func (x *xServer) screenshot() (*image.RGBA, error) {
	out, err := x.run(10*time.Second, "import", "-window", "root", "-depth", "8", "rgb:-")
	if err != nil {
		return nil, err
	}
	if len(out) != x.w*x.h*3 {
		return nil, fmt.Errorf("screenshot: %d bytes, want %d×%d×3", len(out), x.w, x.h)
	}
	img := image.NewRGBA(image.Rect(0, 0, x.w, x.h))
	for i, j := 0, 0; i < len(out); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = out[i], out[i+1], out[i+2], 0xff
	}
	return img, nil
}

func (x *xServer) click(px, py int) error {
	_, err := x.run(5*time.Second, "xdotool", "mousemove", strconv.Itoa(px), strconv.Itoa(py), "click", "1")
	return err
}

func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

const pixelTolerance = 48

func samePixel(a, b *image.RGBA, i, j int) bool {
	for c := 0; c < 3; c++ {
		d := int(a.Pix[i+c]) - int(b.Pix[j+c])
		if d > pixelTolerance || d < -pixelTolerance {
			return false
		}
	}
	return true
}

func explained(a, b *image.RGBA, x, y int) bool {
	i := a.PixOffset(x, y)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			p := image.Pt(x+dx, y+dy)
			if p.In(b.Rect) && samePixel(a, b, i, b.PixOffset(p.X, p.Y)) {
				return true
			}
		}
	}
	return false
}

// pixelDiffers: a pixel of either picture has no match within one pixel in the other (antialiasing
// and glyph placement differ a little between the GL driver and the software painter).
func pixelDiffers(a, b *image.RGBA, x, y int) bool {
	if samePixel(a, b, a.PixOffset(x, y), b.PixOffset(x, y)) {
		return false
	}
	return !explained(a, b, x, y) || !explained(b, a, x, y)
}

func diffFraction(got, want *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(got.Rect).Intersect(want.Rect)
	if r.Empty() {
		return 0
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if pixelDiffers(got, want, x, y) {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func changedRect(a, b *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := 0; y < a.Rect.Dy() && y < b.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx() && x < b.Rect.Dx(); x++ {
			if !samePixel(a, b, a.PixOffset(x, y), b.PixOffset(x, y)) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// vmRSS reads a process's resident set size from /proc.
func vmRSS(pid int) (int64, error) {
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
