//go:build linux

package printer

import (
	"context"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/internal/testenv"
)

// The integration test runs a private cupsd on loopback with a cups-pdf queue, prints a refill
// receipt through IPPPrinter and checks the text of the PDF that comes out. It needs root (cups-pdf
// runs as root and reads its configuration from /etc/cups) and the Debian packages cups-daemon,
// cups-client, printer-driver-cups-pdf (with ghostscript and cups-filters) and poppler-utils.
//
// What it creates, and removes again: a scratch directory (cupsd's ServerRoot, spool, logs, and the
// PDF output directory) and /etc/cups/cups-pdf-<random>.conf, the configuration of a cups-pdf
// instance (device URI cups-pdf:/<random>) whose Out directory is in the scratch directory. cupsd is
// started with -f and stopped at the end; it also gets SIGTERM if the test process dies.

const cupsPDFPPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"

func findTool(t *testing.T, name, pkg string) string {
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

type cupsServer struct {
	dir, out string
	port     int
	lpadmin  string
}

func TestCUPSIntegration(t *testing.T) {
	testenv.Short(t, "an integration test with a private cupsd")
	cupsd := findTool(t, "cupsd", "cups-daemon")
	lpadmin := findTool(t, "lpadmin", "cups-client")
	cupsdisable := findTool(t, "cupsdisable", "cups-client")
	findTool(t, "pdftotext", "poppler-utils")
	findTool(t, "gs", "ghostscript")
	if !fileExists(cupsPDFPPD) || !fileExists("/usr/lib/cups/backend/cups-pdf") {
		testenv.Missing(t, "cups-pdf not found: install the Debian package printer-driver-cups-pdf (make deps installs it)")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root: cups-pdf runs as root and reads its configuration from /etc/cups")
	}
	srv := startCUPS(t, cupsd, lpadmin)

	token := randomHex(t, 4)
	doc := sampleReceipt()
	doc.Fields = append(doc.Fields, Field{"Test run", token})
	p := &IPPPrinter{
		URI:          fmt.Sprintf("ipp://127.0.0.1:%d/printers/PDF_Test", srv.port),
		Timeout:      45 * time.Second,
		PollInterval: 100 * time.Millisecond,
	}
	assert.Equal(t, "PDF_Test", p.Name())
	start := time.Now()
	require.NoError(t, p.PrintDocument(context.Background(), doc), srv.logs())
	t.Logf("CUPS job completed in %v", time.Since(start).Round(time.Millisecond))

	// The job is completed once the backend has exited, so the file is there; allow the file system
	// a moment anyway, watching the directory rather than sleeping a fixed time.
	var pdfs []string
	for deadline := time.Now().Add(5 * time.Second); len(pdfs) == 0 && time.Now().Before(deadline); {
		pdfs, _ = filepath.Glob(filepath.Join(srv.out, "*.pdf"))
		if len(pdfs) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	require.Len(t, pdfs, 1, "cups-pdf output in %s\n%s", srv.out, srv.logs())
	pdf, err := os.ReadFile(pdfs[0])
	require.NoError(t, err)
	text := squash(pdfText(t, pdf))
	assert.Contains(t, text, doc.Title)
	for _, f := range doc.Fields {
		assert.Contains(t, text, f.Label)
		assert.Contains(t, text, f.Value)
	}

	// A stopped queue is reported as such, and nothing is queued.
	out, err := exec.Command(cupsdisable, "-h", srv.host(), "PDF_Test").CombinedOutput()
	require.NoError(t, err, string(out))
	err = p.PrintDocument(context.Background(), doc)
	assert.ErrorIs(t, err, ErrPrinterStopped)
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func (s *cupsServer) host() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// logs returns the tails of cupsd's and cups-pdf's logs, for failure messages.
func (s *cupsServer) logs() string {
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

func startCUPS(t *testing.T, cupsd, lpadmin string) *cupsServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "postmeter-cups-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	srv := &cupsServer{dir: dir, out: filepath.Join(dir, "out"), port: freePort(t), lpadmin: lpadmin}
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

	// The cups-pdf instance: device URI cups-pdf:/<instance> reads /etc/cups/cups-pdf-<instance>.conf.
	instance := "postmetertest" + randomHex(t, 6)
	pdfConf := filepath.Join("/etc/cups", "cups-pdf-"+instance+".conf")
	if err := os.WriteFile(pdfConf, []byte(strings.ReplaceAll(`Out $T/out
AnonDirName $T/out
Spool $T/cups-pdf-spool
Log $T/log
LogType 3
Grp lp
`, "$T", dir)), 0o644); err != nil {
		testenv.Missing(t, "cannot write the cups-pdf instance configuration %s: %v", pdfConf, err)
	}
	t.Cleanup(func() { _ = os.Remove(pdfConf) })

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

	out, err = exec.Command(lpadmin, "-h", srv.host(), "-p", "PDF_Test", "-E", "-v", "cups-pdf:/"+instance,
		"-P", cupsPDFPPD, "-o", "printer-error-policy=abort-job", "-o", "PageSize=Letter").CombinedOutput()
	require.NoError(t, err, "lpadmin: %s\n%s", out, srv.logs())
	return srv
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t *testing.T, srv *cupsServer, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("cupsd exited: %v\n%s", err, srv.logs())
		default:
		}
		if c, err := net.DialTimeout("tcp", srv.host(), 200*time.Millisecond); err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cupsd did not listen on %s\n%s", srv.host(), srv.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
