//go:build linux

// Package cupstest runs a private cupsd on loopback with cups-pdf queues, for the tests of the
// printer package, of the CUPS print engine and of the kiosk in a real window. It needs root (cups-pdf
// runs as root and reads its configuration from /etc/cups) and the Debian packages cups-daemon,
// cups-client, printer-driver-cups-pdf (with ghostscript and cups-filters) and poppler-utils; without
// them a test fails under CI and skips elsewhere (internal/testenv.Missing). Only tests import it.
//
// What it creates, and removes again: a scratch directory (cupsd's ServerRoot, spool, logs, and the
// PDF output directories) and /etc/cups/cups-pdf-<random>.conf per queue, the configuration of a
// cups-pdf instance (device URI cups-pdf:/<random>) whose Out directory is in the scratch directory.
// cupsd is started with -f and stopped at the end; it also gets SIGTERM if the test process dies.
package cupstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"postmeter/internal/testenv"
)

const cupsPDFPPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"

func findTool(t testing.TB, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	testenv.Missing(t, "%s not found: install the Debian package %s (make deps installs it)", name, pkg)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Server is a running private cupsd.
type Server struct {
	dir     string
	port    int
	lpadmin string
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// Host is cupsd's address.
func (s *Server) host() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Logs returns the tails of cupsd's and cups-pdf's logs, for failure messages.
func (s *Server) Logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(s.dir, "log", "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if len(data) > 4000 {
			data = data[len(data)-4000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", f, data)
	}
	return b.String()
}

// Start starts a private cupsd for the test, stopped when the test ends. Without the tools or root
// the test fails under CI and skips elsewhere.
func Start(t testing.TB) *Server {
	t.Helper()
	testenv.Short(t, "an integration test with a private cupsd")
	cupsd := findTool(t, "cupsd", "cups-daemon")
	lpadmin := findTool(t, "lpadmin", "cups-client")
	findTool(t, "cupsdisable", "cups-client")
	findTool(t, "pdftotext", "poppler-utils")
	findTool(t, "gs", "ghostscript")
	if !fileExists(cupsPDFPPD) || !fileExists("/usr/lib/cups/backend/cups-pdf") {
		testenv.Missing(t, "cups-pdf not found: install the Debian package printer-driver-cups-pdf (make deps installs it)")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root: cups-pdf runs as root and reads its configuration from /etc/cups")
	}
	return startCUPS(t, cupsd, lpadmin)
}

func startCUPS(t testing.TB, cupsd, lpadmin string) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "postmeter-cups-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	srv := &Server{dir: dir, port: freePort(t), lpadmin: lpadmin}
	lp, err := user.LookupGroup("lp")
	require.NoError(t, err)
	lpGID, err := strconv.Atoi(lp.Gid)
	require.NoError(t, err)
	for d, mode := range map[string]os.FileMode{"": 0o755, "etc": 0o755, "spool": 0o710, "spool/tmp": 0o1770,
		"cache": 0o770, "run": 0o755, "log": 0o755} {
		p := filepath.Join(dir, d)
		require.NoError(t, os.MkdirAll(p, 0o755))
		require.NoError(t, os.Chmod(p, mode))
		if strings.HasPrefix(d, "spool") || d == "cache" {
			require.NoError(t, os.Chown(p, 0, lpGID))
		}
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, "etc", name)
		require.NoError(t, os.WriteFile(p, []byte(strings.ReplaceAll(text, "$T", dir)), 0o644))
		return p
	}
	files := write("cups-files.conf", `ServerRoot $T/etc
RequestRoot $T/spool
CacheDir $T/cache
StateDir $T/run
TempDir $T/spool/tmp
AccessLog $T/log/access_log
ErrorLog $T/log/error_log
PageLog $T/log/page_log
Printcap $T/run/printcap
ServerBin /usr/lib/cups
DataDir /usr/share/cups
Sandboxing Relaxed
SystemGroup root lpadmin
FileDevice No
`)
	conf := write("cupsd.conf", fmt.Sprintf(`LogLevel info
Listen 127.0.0.1:%d
Listen $T/run/cups.sock
Browsing No
WebInterface No
DefaultAuthType None
DefaultEncryption Never
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`, srv.port))

	out, err := exec.Command(cupsd, "-t", "-c", conf, "-s", files).CombinedOutput()
	require.NoError(t, err, "cupsd -t: %s", out)
	cmd := exec.Command(cupsd, "-f", "-c", conf, "-s", files)
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	waitListening(t, srv, exited)

	return srv
}

// AddQueue adds a cups-pdf queue called name, accepting jobs, whose PDFs land in Out(name); page is a
// PPD PageSize such as Letter or Env10.
func (s *Server) AddQueue(t testing.TB, name, page string) {
	t.Helper()
	// The cups-pdf instance: device URI cups-pdf:/<instance> reads /etc/cups/cups-pdf-<instance>.conf.
	instance := "postmetertest" + randomHex(t, 6)
	out := s.Out(name) // cups-pdf makes it, owned by the user its ghostscript runs as
	pdfConf := filepath.Join("/etc/cups", "cups-pdf-"+instance+".conf")
	if err := os.WriteFile(pdfConf, []byte(fmt.Sprintf(`Out %s
AnonDirName %s
Spool %s/cups-pdf-spool
Log %s/log
LogType 3
Grp lp
`, out, out, s.dir, s.dir)), 0o644); err != nil {
		testenv.Missing(t, "cannot write the cups-pdf instance configuration %s: %v", pdfConf, err)
	}
	t.Cleanup(func() { _ = os.Remove(pdfConf) })
	o, err := exec.Command(s.lpadmin, "-h", s.host(), "-p", name, "-E", "-v", "cups-pdf:/"+instance,
		"-P", cupsPDFPPD, "-o", "printer-error-policy=abort-job", "-o", "PageSize="+page).CombinedOutput()
	require.NoError(t, err, "lpadmin: %s\n%s", o, s.Logs())
}

// Stop stops a queue (cupsdisable): it holds new jobs and says it is stopped.
func (s *Server) Stop(t testing.TB, name string) {
	t.Helper()
	o, err := exec.Command(findTool(t, "cupsdisable", "cups-client"), "-h", s.host(), name).CombinedOutput()
	require.NoError(t, err, string(o))
}

// URI is the queue's IPP address.
func (s *Server) URI(name string) string { return fmt.Sprintf("ipp://%s/printers/%s", s.host(), name) }

// Out is where the queue's PDFs land.
func (s *Server) Out(name string) string { return filepath.Join(s.dir, "out-"+name) }

// WaitPDFs waits until the queue has written n PDFs (the job is completed once the backend exited,
// so they are there; the file system gets a moment anyway), and returns them.
func (s *Server) WaitPDFs(t testing.TB, name string, n int) []string {
	t.Helper()
	var pdfs []string
	for deadline := time.Now().Add(5 * time.Second); len(pdfs) < n && time.Now().Before(deadline); {
		pdfs, _ = filepath.Glob(filepath.Join(s.Out(name), "*.pdf"))
		if len(pdfs) < n {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(pdfs) != n {
		var files []string
		_ = filepath.Walk(s.dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && !strings.HasPrefix(p, filepath.Join(s.dir, "etc")) {
				files = append(files, fmt.Sprintf("%s %v", p, info.Mode()))
			}
			return nil
		})
		t.Fatalf("%d PDFs in %s, want %d; files:\n%s\n%s", len(pdfs), s.Out(name), n, strings.Join(files, "\n"), s.Logs())
	}
	return pdfs
}

// PDFText is the text of a PDF file as pdftotext reads it, white space squashed.
func PDFText(t testing.TB, path string) string {
	t.Helper()
	bin := findTool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(bin, "-layout", path, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Join(strings.Fields(string(out)), " ")
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t testing.TB, srv *Server, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("cupsd exited: %v\n%s", err, srv.Logs())
		default:
		}
		if c, err := net.DialTimeout("tcp", srv.host(), 200*time.Millisecond); err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cupsd did not listen on %s\n%s", srv.host(), srv.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
