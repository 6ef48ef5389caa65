package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
func buildBinary(t *testing.T) string { return testenv.Build(t, "./cmd/postmeter", testenv.GLTags) }

// buildKioskBinary builds cmd/postmeter-kiosk with the GL driver once per test run, as `make kiosk` does.
func buildKioskBinary(t *testing.T) string {
	return testenv.Build(t, "./cmd/postmeter-kiosk", testenv.GLTags)
}

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveBuilt()
	os.Exit(code)
}
