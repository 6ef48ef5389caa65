// Package testenv decides what a test does when a tool it needs (Xvfb, CUPS, systemd-analyze,
// pdftotext, …) or a condition (root) is missing: on a developer's machine it is skipped, with the
// Debian package to install; where the environment variable CI is set it fails, because there a skip
// would report a test that never ran as passed. `make deps` installs every tool the tests use.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Missing skips t with the reason, or fails it when CI is set.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this test may not be skipped)", reason)
	}
	t.Skip(reason)
}

// Short skips a long test under -short on a developer's machine; where CI is set it runs regardless,
// so CI never reports a test it did not run.
func Short(t testing.TB, reason string) {
	t.Helper()
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip(reason + " (-short)")
	}
}
