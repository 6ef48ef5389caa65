package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Helpers of TestEndToEndRefill: an Xvfb server, screenshots of it, pixel comparisons and xdotool.

// xServer is an Xvfb server on a display number it chose itself (-displayfd), stopped at cleanup.
type xServer struct {
	display string // ":N"
	w, h    int
}

// startXvfb starts Xvfb with one screen of w×h×24 and waits until it accepts clients.
func startXvfb(t *testing.T, xvfb string, w, h int) *xServer {
	t.Helper()
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{wr}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	wr.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if _, err := strconv.Atoi(n); err != nil {
			t.Fatalf("Xvfb did not report its display (%q): %s", n, stderr.String())
		}
		return &xServer{display: ":" + n, w: w, h: h}
	case err := <-exited:
		t.Fatalf("Xvfb exited at start: %v: %s", err, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("Xvfb did not start within 15 s: %s", stderr.String())
	}
	return nil
}

// env is the environment of X clients on this server.
func (x *xServer) env() []string {
	env := []string{"DISPLAY=" + x.display, "LANG=en_US.UTF-8", "FYNE_SCALE=1"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "DISPLAY" && k != "LANG" && k != "FYNE_SCALE" && k != "XAUTHORITY" && k != "WAYLAND_DISPLAY" {
			env = append(env, kv)
		}
	}
	return env
}

// run runs an X client (xdotool, import) with a bound on its time.
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

// screenshot grabs the whole screen as RGB bytes through ImageMagick's import.
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

var geometryRE = regexp.MustCompile(`Position: (-?\d+),(-?\d+).*\n\s*Geometry: (\d+)x(\d+)`)

// windowGeometry waits for a visible window whose name contains name to take the size want (GLFW
// maps it at another size first) and returns its position and size.
func (x *xServer) windowGeometry(name string, want image.Point, timeout time.Duration) (image.Rectangle, error) {
	deadline := time.Now().Add(timeout)
	var last image.Rectangle
	for {
		out, err := x.run(5*time.Second, "xdotool", "search", "--onlyvisible", "--name", name, "getwindowgeometry", "%@")
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

// click moves the pointer to x,y on the screen and presses and releases button 1 there.
func (x *xServer) click(px, py int) error {
	_, err := x.run(5*time.Second, "xdotool", "mousemove", strconv.Itoa(px), strconv.Itoa(py), "click", "1")
	return err
}

// toRGBA converts any image to RGBA with its origin at 0,0.
func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// pixelTolerance is the largest difference in any channel at which two pixels still count as the same.
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

// explained reports whether pixel x,y of a has a match within one pixel of x,y in b.
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

// pixelDiffers reports whether the pictures differ at x,y: a pixel of either has no match within one
// pixel in the other. The GL driver and Fyne's software painter place and antialias glyph edges a little
// differently; a missing, extra or moved element still differs.
func pixelDiffers(a, b *image.RGBA, x, y int) bool {
	i := a.PixOffset(x, y)
	if samePixel(a, b, i, b.PixOffset(x, y)) {
		return false
	}
	return !explained(a, b, x, y) || !explained(b, a, x, y)
}

// diffFraction is the fraction of pixels in r that differ (pixelDiffers).
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

// changedRect is the bounding box of the pixels that differ exactly between a and b.
func changedRect(a, b *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := 0; y < a.Rect.Dy() && y < b.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx() && x < b.Rect.Dx(); x++ {
			i := a.PixOffset(x, y)
			if !samePixel(a, b, i, b.PixOffset(x, y)) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// diffImage paints the pixels that differ red over a faded copy of want.
func diffImage(got, want *image.RGBA) *image.RGBA {
	out := image.NewRGBA(want.Rect)
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			i := out.PixOffset(x, y)
			if image.Pt(x, y).In(got.Rect) && pixelDiffers(got, want, x, y) {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = 0xff, 0, 0, 0xff
				continue
			}
			for c := 0; c < 3; c++ {
				out.Pix[i+c] = 0xc0 + want.Pix[i+c]/4
			}
			out.Pix[i+3] = 0xff
		}
	}
	return out
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// shotsDir is where the screenshots go: $E2E_SHOTS, or postmeter-e2e-shots in the temp folder. PNGs
// of an earlier run there are removed first.
func shotsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("E2E_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "postmeter-e2e-shots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	return dir
}

// fileName turns a button label into part of a file name.
func fileName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// buildBinary builds cmd/postmeter with the GL driver once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "postmeter")
	cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || errors.Is(err, exec.ErrNotFound) {
			t.Fatalf("go build -tags migrated_fynedo ./cmd/postmeter (the GL build needs the packages of `make deps`): %v\n%s", err, out.String())
		}
		t.Fatal(err)
	}
	t.Logf("built %s in %.1fs", bin, time.Since(start).Seconds())
	return bin
}
