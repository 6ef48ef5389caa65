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
)

// The binaries the tests build, as `make kiosk` and `make run` build them: the GL driver and
// migrated_fynedo, from the module's root.
const buildTags = "migrated_fynedo"

var (
	builtMu sync.Mutex
	built   = map[string]string{} // package → binary, shared by the tests of one run
	builtIn string                // the folder they are in; TestMain removes it
)

// buildCommand builds the command pkg (a path from the module's root, "./cmd/postmeter-kiosk") once
// per test run: a GL build links for tens of seconds, and every test that runs or reads it uses that one.
func buildCommand(t *testing.T, pkg string) string {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if bin, ok := built[pkg]; ok {
		return bin
	}
	if builtIn == "" {
		dir, err := os.MkdirTemp("", "postmeter-kiosk-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builtIn = dir
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(builtIn, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-tags", buildTags, "-o", bin, pkg)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || errors.Is(err, exec.ErrNotFound) {
			t.Fatalf("go build -tags %s %s (the GL build needs the packages of `make deps`): %v\n%s", buildTags, pkg, err, out.String())
		}
		t.Fatal(err)
	}
	t.Logf("built %s in %.1fs", bin, time.Since(start).Seconds())
	built[pkg] = bin
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtIn != "" {
		_ = os.RemoveAll(builtIn)
	}
	os.Exit(code)
}
