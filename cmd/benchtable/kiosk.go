package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"postmeter/cmd/internal/xwin"
	"postmeter/devices"
	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/parts"
	"postmeter/ui"
)

// kioskMain is the kiosk's program as `make bench` builds and starts it: its package and the
// arguments before `-config FILE`.
var kioskMain = struct {
	pkg  string
	args []string
}{"./cmd/postmeter-kiosk", nil}

// The kiosk's meter in the benchmark, on the Data Center benchKiosk starts.
const (
	kioskSerial     = "PM200001"
	kioskAccount    = "87654321"
	kioskSupervisor = "Sue"
)

// benchKiosk measures the kiosk's cold start under Xvfb against the bare window at the same size, the
// meter's screen (ui.ScreenSize): from the process's start to the first screenshot showing the sign-in
// screen as the test driver draws it, with the status bar's postage figure, as for the trainer
// (benchWindow). The kiosk reaches a real Data Center on loopback; its meter is enrolled once, and
// every start opens a fresh copy of that data folder, so every start does the same work: read the
// configuration, open the keys, check the pinned Data Center key, open and verify the vault, open the
// users, load the rate tables and models, open the meter, build the screens and create the window.
// It also prints the plain line `kiosk-start: ratio=R`.
func benchKiosk(dir string, starts int, progress func(string, ...any)) (row, error) {
	figure := fmt.Sprintf("kiosk cold start to the first drawn sign-in screen under Xvfb, median of %d (`%s %s`, full screen %.0f×%.0f, Data Center on loopback)",
		starts, filepath.Base(kioskMain.pkg), joinArgs(append(kioskMain.args, "-config FILE")), ui.ScreenSize.Width, ui.ScreenSize.Height)
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		return row{figure: figure, value: "skipped: no X server", baseline: "bare Fyne window", ratio: "target ≤ 1.2×", result: "skipped"}, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return row{}, err
	}
	bin := filepath.Join(dir, "bin")
	kiosk, bare := filepath.Join(bin, "kiosk"), filepath.Join(bin, "barewindow")
	progress("building %s and barewindow with the GL driver", kioskMain.pkg)
	if err := errors.Join(buildGL(root, kioskMain.pkg, kiosk), buildGL(root, "./cmd/benchtable/barewindow", bare)); err != nil {
		return row{}, err
	}

	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dc, err := startDataCenter(ctx, filepath.Join(dir, "dc.db"), quiet)
	if err != nil {
		return row{}, err
	}
	defer dc.Close()
	if err := errors.Join(dc.store.CreateAccount(ctx, kioskAccount, 0), dc.store.Deposit(ctx, kioskAccount, 300*funds.Dollar)); err != nil {
		return row{}, err
	}
	pristine := filepath.Join(dir, "pristine")
	if err := setUpKiosk(ctx, dc, pristine, quiet); err != nil {
		return row{}, fmt.Errorf("set up the kiosk's meter: %w", err)
	}
	plan, err := planKiosk(ctx, dc, pristine, filepath.Join(dir, "plan"), quiet)
	if err != nil {
		return row{}, fmt.Errorf("plan in the test driver: %w", err)
	}
	size := plan.initial.Rect.Size()
	bareWant := planBare(size)

	x, err := xwin.Start(xvfb, size.X, size.Y)
	if err != nil {
		return row{}, err
	}
	defer x.Close()
	if err := x.WatchChanges(); err != nil {
		return row{}, err
	}
	runKiosk := func(n int) (time.Duration, error) {
		data := filepath.Join(dir, fmt.Sprintf("run%d", n))
		if err := copyDir(pristine, data); err != nil {
			return 0, err
		}
		config := filepath.Join(dir, fmt.Sprintf("kiosk%d.json", n))
		if err := writeKioskConfig(config, data, dc); err != nil {
			return 0, err
		}
		x.ForgetChanges()
		p, err := launch(x, kiosk, append(kioskMain.args, "-config", config)...)
		if err != nil {
			return 0, err
		}
		defer p.stop()
		return waitDrawn(x, p, plan.initial, plan.initial.Rect, image.Rectangle{}, plan.postage, changePoll)
	}
	runBare := func() (time.Duration, error) {
		x.ForgetChanges()
		p, err := launch(x, bare, "-width", strconv.Itoa(size.X), "-height", strconv.Itoa(size.Y))
		if err != nil {
			return 0, err
		}
		defer p.stop()
		return waitDrawn(x, p, bareWant, bareWant.Rect, image.Rectangle{}, image.Rectangle{}, changePoll)
	}
	progress("kiosk and bare window cold starts, %d each, alternating", starts)
	var kioskStarts, bareStarts []time.Duration
	for i := range starts {
		// Alternating which goes first, so neither always follows the other's exit.
		for _, k := range []bool{i%2 == 0, i%2 != 0} {
			if k {
				d, err := runKiosk(i)
				if err != nil {
					return row{}, fmt.Errorf("kiosk start %d: %w", i+1, err)
				}
				kioskStarts = append(kioskStarts, d)
			} else {
				d, err := runBare()
				if err != nil {
					return row{}, fmt.Errorf("bare window start %d: %w", i+1, err)
				}
				bareStarts = append(bareStarts, d)
			}
		}
	}
	ks, bs := median(kioskStarts), median(bareStarts)
	ratio := float64(ks) / float64(bs)
	fmt.Fprintf(os.Stderr, "benchtable: kiosk starts %v, bare starts %v\n", roundMs(kioskStarts), roundMs(bareStarts))
	fmt.Printf("kiosk-start: ratio=%.2f\n", ratio)
	return row{figure: figure, value: fmt.Sprintf("%.0f ms", float64(ks.Microseconds())/1000),
		baseline: fmt.Sprintf("bare Fyne window (one label), same size: %.0f ms", float64(bs.Microseconds())/1000),
		ratio:    fmt.Sprintf("%.2f× (target ≤ 1.2×)", ratio), result: passFail(ratio <= 1.2)}, nil
}

func joinArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

// writeKioskConfig writes the configuration of the enrolled meter with its vault in data: no
// enrollment token and no first supervisor, as the kiosk leaves the file after its first start.
func writeKioskConfig(path, data string, dc *dataCenter) error {
	cfg := map[string]string{
		"data_dir":        data,
		"data_center_url": dc.srv.URL,
		"serial":          kioskSerial,
		"data_center_key": hex.EncodeToString(dc.key.Public().(ed25519.PublicKey)),
		"account_number":  kioskAccount,
		"indicia_number":  "PB0012345",
		"origin_zip":      "06926",
		"model":           "SendPro P3000",
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// setUpKiosk makes in dir the data folder of a kiosk after its first start: keys made on the meter and
// enrolled at dc (its key pinned), a vault, the first supervisor, the meter installed.
func setUpKiosk(ctx context.Context, dc *dataCenter, dir string, log *slog.Logger) error {
	if _, err := dc.meter(ctx, filepath.Join(dir, "keys"), kioskSerial, kioskAccount, 10*funds.Dollar); err != nil {
		return err
	}
	m, closeMeter, err := openKioskMeter(ctx, dc, dir, log)
	if err != nil {
		return err
	}
	err = m.Users().Seed(ctx, []meter.NewUser{{Name: kioskSupervisor, Role: meter.RoleSupervisor, PIN: "246813", MustChangePIN: true}}, nil)
	return errors.Join(err, closeMeter())
}

// openKioskMeter opens the meter of the kiosk data folder dir as the kiosk does, from the same parts
// list: the PINs peppered with the device key, the configured model, rate tables, the print engine
// writing to the output tray.
func openKioskMeter(ctx context.Context, dc *dataCenter, dir string, log *slog.Logger) (*meter.Meter, func() error, error) {
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return nil, nil, err
	}
	m, err := parts.Assemble(ctx, parts.List{
		Dir: dir, Keys: keys, DataCenterURL: dc.srv.URL, Model: "SendPro P3000", Log: log,
		Identity: meter.Identity{Serial: kioskSerial, IndiciaNumber: "PB0012345", AccountNumber: kioskAccount, OriginZIP: "06926"},
		Devices:  parts.Devices{Engine: devices.NewTrayEngine(filepath.Join(dir, "output-tray"), meter.SystemClock{})},
	})
	if err != nil {
		return nil, nil, err
	}
	return m.Meter, m.Close, nil
}

// kioskPlan is the kiosk's first screen as the test driver draws it, and where the status bar's postage
// figure is on it.
type kioskPlan struct {
	initial *image.RGBA
	postage image.Rectangle
}

// planKiosk draws the kiosk's first screen in the test driver, from a copy (in dir) of the data folder
// pristine, at the meter's screen size.
func planKiosk(ctx context.Context, dc *dataCenter, pristine, dir string, log *slog.Logger) (kioskPlan, error) {
	var p kioskPlan
	if err := copyDir(pristine, dir); err != nil {
		return p, err
	}
	m, closeMeter, err := openKioskMeter(ctx, dc, dir, log)
	if err != nil {
		return p, err
	}
	defer closeMeter()
	fyne.CurrentApp().Settings().SetTheme(ui.KioskTheme{})
	w := test.NewWindow(nil)
	defer w.Close()
	w.Resize(ui.ScreenSize)
	a := ui.New(w, m, ui.Options{})
	defer a.Close()
	a.Settle()
	a.Relayout()
	if a.Screen() != "sign-in" {
		return p, fmt.Errorf("the kiosk's first screen is %s in the test driver, not sign-in", a.Screen())
	}
	p.initial = xwin.ToRGBA(w.Canvas().Capture())
	pos, size := a.StatusPostageRect()
	p.postage = image.Rect(int(pos.X), int(pos.Y), int(pos.X+size.Width), int(pos.Y+size.Height))
	return p, nil
}
