package testenv

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

// GLTags are the build tags of the touchscreen binaries as the Makefile builds them (TAGS).
const GLTags = "migrated_fynedo,no_animations"

var (
	builtMu sync.Mutex
	built   = map[string]string{} // package and tags → binary, shared by the tests of one run
	builtIn string                // the folder they are in; RemoveBuilt removes it
)

// Build builds the command pkg (a path from the module's root, "./cmd/postmeter-kiosk") with these
// build tags once per test run: a GL build links for tens of seconds, and every test that runs or reads
// the binary uses that one. Call RemoveBuilt from TestMain.
func Build(t testing.TB, pkg, tags string) string {
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
	name := strings.NewReplacer("/", "-", ",", "-", ".", "").Replace(strings.TrimPrefix(pkg, "./") + "-" + tags)
	bin := filepath.Join(builtIn, name)
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

// RemoveBuilt removes the binaries Build made; TestMain calls it after the tests ran.
func RemoveBuilt() {
	builtMu.Lock()
	defer builtMu.Unlock()
	if builtIn != "" {
		_ = os.RemoveAll(builtIn)
		builtIn, built = "", map[string]string{}
	}
}

// Environ is this process's environment without the named variables, plus extra.
func Environ(drop []string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			keep = keep && name != d
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// Run runs bin with env and args and returns its exit status and what it wrote to stdout and stderr.
func Run(t testing.TB, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run %s: %v", bin, err)
		}
		code = ee.ExitCode()
	}
	return code, o.String(), e.String()
}
