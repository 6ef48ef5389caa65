package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/cmd/internal/kiosk"
	"postmeter/internal/testenv"
)

// The kiosk's install files: the systemd unit, the X session script, the example configuration and
// the Xorg snippet.
const (
	kioskUnit     = "deploy/postmeter-kiosk.service"
	kioskSession  = "deploy/postmeter-session.sh"
	kioskExample  = "deploy/kiosk.example.json"
	kioskXorgConf = "deploy/90-postmeter-kiosk.conf"
)

// kioskBinary is where the unit's install steps put the binary of `make kiosk`, and where the session
// script looks for it.
const kioskBinary = "/usr/local/bin/postmeter-kiosk"

func TestKioskExampleConfigLoads(t *testing.T) {
	c, err := kiosk.LoadConfig(kioskExample)
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/postmeter", c.DataDir, "the unit's StateDirectory")
	assert.NotNil(t, c.Supervisor, "a first supervisor, so users can be managed")
}

func TestKioskSessionScript(t *testing.T) {
	data, err := os.ReadFile(kioskSession)
	require.NoError(t, err)
	script := string(data)
	assert.True(t, strings.HasPrefix(script, "#!/bin/bash\n"))
	assert.Contains(t, script, "xset s off -dpms s noblank", "screen blanking off")
	assert.Contains(t, script, `exec "$binary" -config "$config"`, "the session is the app: it ends when the app stops")
	assert.Contains(t, script, `binary="${POSTMETER_BIN:-`+kioskBinary+`}"`, "the kiosk's own binary")
	assert.NotContains(t, script, " -kiosk", "the trainer's old flag is gone")
	assert.Contains(t, script, "/etc/postmeter/kiosk.json")
	info, err := os.Stat(kioskSession)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o111, "the script must be executable")

	bash, err := exec.LookPath("bash")
	if err != nil {
		testenv.Missing(t, "bash not installed: syntax not checked")
	}
	out, err := exec.Command(bash, "-n", kioskSession).CombinedOutput()
	require.NoError(t, err, "bash -n %s: %s", kioskSession, out)
}

// unitKeys reads a unit file's key=value lines by section ("Service.Restart").
func unitKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	keys := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "line %q is not key=value", line)
			keys[section+"."+k] = append(keys[section+"."+k], v)
		}
	}
	require.NoError(t, sc.Err())
	return keys
}

func TestKioskUnit(t *testing.T) {
	keys := unitKeys(t, kioskUnit)
	one := func(k string) string {
		t.Helper()
		require.Len(t, keys[k], 1, k)
		return keys[k][0]
	}
	assert.Equal(t, "always", one("Service.Restart"))
	assert.Equal(t, "postmeter", one("Service.User"), "a dedicated user")
	assert.Equal(t, "/dev/tty1", one("Service.TTYPath"))
	assert.Equal(t, "postmeter", one("Service.StateDirectory"))
	cmdline := strings.Fields(one("Service.ExecStart"))
	require.GreaterOrEqual(t, len(cmdline), 2)
	assert.Equal(t, "/usr/bin/xinit", cmdline[0])
	assert.Equal(t, "/usr/local/lib/postmeter/"+filepath.Base(kioskSession), cmdline[1], "the session script")
	server := strings.Join(cmdline, " ")
	for _, arg := range []string{" -- /usr/bin/Xorg :0 vt1 ", " -nocursor", " -nolisten tcp", " -novtswitch"} {
		assert.Contains(t, server, arg)
	}
	assert.Contains(t, strings.Join(keys["Service.Environment"], " "), "FYNE_SCALE=1")
	assert.Equal(t, "graphical.target", one("Install.WantedBy"))

	// The header says how to install the binary and the Xorg snippet, and why the keyboard cannot leave the screen.
	data, err := os.ReadFile(kioskUnit)
	require.NoError(t, err)
	header := string(data[:bytes.Index(data, []byte("\n["))])
	assert.Contains(t, header, "install -m 0755 postmeter-kiosk "+kioskBinary, "the binary of make kiosk")
	assert.NotContains(t, string(data), "/usr/local/bin/postmeter ", "the trainer's binary has no place on a meter")
	assert.Contains(t, header, "install -D -m 0644 "+filepath.Base(kioskXorgConf)+" /etc/X11/xorg.conf.d/"+filepath.Base(kioskXorgConf))
	for _, s := range []string{"DontVTSwitch", "DontZap", "-novtswitch", "Restart=always"} {
		assert.Contains(t, header, s)
	}

	verifyUnit(t)
}

// xorgOptions reads the Option lines of one Section of an xorg.conf file: name → value.
func xorgOptions(t *testing.T, path, section string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	opts := map[string]string{}
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.TrimSpace(line))
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case f[0] == "Section":
			require.Len(t, f, 2, line)
			in = f[1] == `"`+section+`"`
		case f[0] == "EndSection":
			in = false
		case in && f[0] == "Option":
			require.Len(t, f, 3, "Option \"Name\" \"value\": %q", line)
			opts[strings.Trim(f[1], `"`)] = strings.Trim(f[2], `"`)
		}
	}
	return opts
}

// Neither Ctrl+Alt+Fn nor Ctrl+Alt+Backspace leaves the meter's screen.
func TestKioskXorgSnippet(t *testing.T) {
	opts := xorgOptions(t, kioskXorgConf, "ServerFlags")
	assert.Equal(t, "true", opts["DontVTSwitch"], "Ctrl+Alt+Fn must not switch to a text console")
	assert.Equal(t, "true", opts["DontZap"], "Ctrl+Alt+Backspace must not kill the X server")
}

// verifyUnit runs systemd-analyze verify on a copy of the unit whose ExecStart names a temporary
// executable (verify insists the program exists). It is skipped where systemd-analyze is missing or
// cannot verify even a trivial unit in this container, and fails there when CI is set.
func verifyUnit(t *testing.T) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Missing(t, "systemd-analyze not installed: the unit was not verified by systemd (install the Debian package systemd; make deps does)")
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "xinit")
	require.NoError(t, os.WriteFile(prog, []byte("#!/bin/sh\nexit 0\n"), 0o755))
	verify := func(path string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, analyze, "verify", "--man=no", path).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}

	trivial := filepath.Join(dir, "postmeter-trivial.service")
	require.NoError(t, os.WriteFile(trivial, []byte("[Unit]\nDescription=trivial\n\n[Service]\nExecStart="+prog+"\n"), 0o644))
	if out, err := verify(trivial); err != nil || out != "" {
		testenv.Missing(t, "systemd-analyze verify cannot run in this container (a trivial unit gives %v: %s): the unit was not verified by systemd", err, out)
	}

	data, err := os.ReadFile(kioskUnit)
	require.NoError(t, err)
	unit := strings.Replace(string(data), "ExecStart=/usr/bin/xinit ", "ExecStart="+prog+" ", 1)
	require.NotEqual(t, string(data), unit, "ExecStart not rewritten")
	copyPath := filepath.Join(dir, filepath.Base(kioskUnit))
	require.NoError(t, os.WriteFile(copyPath, []byte(unit), 0o644))
	out, err := verify(copyPath)
	require.NoError(t, err, "systemd-analyze verify %s: %s", kioskUnit, out)
	assert.Empty(t, out, "systemd-analyze verify must have nothing to say about %s", kioskUnit)
}
