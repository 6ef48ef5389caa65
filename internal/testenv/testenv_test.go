package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMissingFailsUnderCI runs a test that misses a tool in a child process, once with CI set and once
// without: it must fail under CI and be skipped otherwise.
func TestMissingFailsUnderCI(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") != "" {
		Missing(t, "frobnicator not found: install the Debian package frob")
		return
	}
	for _, c := range []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP: TestMissingFailsUnderCI"},
		{"true", true, "--- FAIL: TestMissingFailsUnderCI"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingFailsUnderCI$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+c.ci)
		out, err := cmd.CombinedOutput()
		if c.wantFail {
			require.Error(t, err, "%s", out)
		} else {
			require.NoError(t, err, "%s", out)
		}
		assert.Contains(t, string(out), c.want)
		assert.True(t, strings.Contains(string(out), "install the Debian package frob"), "%s", out)
	}
}
