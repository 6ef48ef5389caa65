package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"postmeter/internal/testenv"
)

// Test-only helpers of TestEndToEndRefill: where its screenshots go and the GL build of the binary. The
// X server, screenshots, clicks and pixel comparisons are in postmeter/cmd/internal/xwin.

// shotsDir is where a test's screenshots go: name in $E2E_SHOTS, or in the temp folder. PNGs of an
// earlier run there are removed first.
func shotsDir(t *testing.T, name string) string {
	t.Helper()
	parent := os.Getenv("E2E_SHOTS")
	if parent == "" {
		parent = os.TempDir()
	}
	dir := filepath.Join(parent, name)
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

// xvfbOrSkip is the path of Xvfb; the test is skipped where there is none (fails when CI is set), and
// fails without xdotool.
func xvfbOrSkip(t *testing.T) string {
	t.Helper()
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		testenv.Missing(t, "Xvfb is not installed, so no X server can run here (`make deps` installs xvfb)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatal("xdotool is missing: `make deps` installs it")
	}
	return xvfb
}

// buildBinary builds cmd/postmeter with the GL driver and the Makefile's tags once per test run.
func buildBinary(t *testing.T) string { return buildBinaryTags(t, "migrated_fynedo,no_animations") }

// buildKioskBinary builds cmd/postmeter-kiosk with the GL driver once per test run, as `make kiosk` does.
func buildKioskBinary(t *testing.T) string {
	return buildPackage(t, "./cmd/postmeter-kiosk", "migrated_fynedo")
}

var (
	builtMu sync.Mutex
	built   = map[string]string{} // package and tags → binary, shared by the tests of one run
	builtIn string                // the folder they are in; TestMain removes it
)

// buildBinaryTags builds cmd/postmeter with the GL driver and these build tags ("" for none).
func buildBinaryTags(t *testing.T, tags string) string {
	return buildPackage(t, "./cmd/postmeter", tags)
}

// buildPackage builds the command pkg (a path from the module's root) with the GL driver and these
// build tags, once per test run: the first GL build takes minutes, and every test that runs the binary
// uses that one.
func buildPackage(t *testing.T, pkg, tags string) string {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if bin, ok := built[pkg+" "+tags]; ok {
		return bin
	}
	if builtIn == "" {
		dir, err := os.MkdirTemp("", "postmeter-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builtIn = dir
	}
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(builtIn, fileName(filepath.Base(pkg)+" tags "+tags))
	cmd := exec.Command("go", "build", "-tags", tags, "-o", bin, pkg)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || errors.Is(err, exec.ErrNotFound) {
			t.Fatalf("go build -tags %q %s (the GL build needs the packages of `make deps`): %v\n%s", tags, pkg, err, out.String())
		}
		t.Fatal(err)
	}
	t.Logf("built %s in %.1fs", bin, time.Since(start).Seconds())
	built[pkg+" "+tags] = bin
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtIn != "" {
		_ = os.RemoveAll(builtIn)
	}
	os.Exit(code)
}
