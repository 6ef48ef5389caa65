package printer

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/OpenPrinting/goipp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeIPP is an in-process IPP printer: it decodes each request with goipp and answers from its
// configuration. Get-Job-Attributes answers the states in jobStates one after another, repeating
// the last.
type fakeIPP struct {
	mu             sync.Mutex
	printerState   int
	accepting      bool
	printJobStatus goipp.Status
	jobStates      []int
	hang           bool // never answer (until the client gives up or the test ends)
	release        chan struct{}

	ops      []goipp.Op
	requests []*goipp.Message
	doc      []byte
	canceled chan int
}

func newFakeIPP(t *testing.T, jobStates ...int) (*fakeIPP, *httptest.Server) {
	f := &fakeIPP{printerState: 3, accepting: true, jobStates: jobStates, canceled: make(chan int, 4),
		release: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { close(f.release); srv.Close() })
	return f, srv
}

func (f *fakeIPP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		// The server notices a closed connection only once the body has been read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != goipp.ContentType {
		http.Error(w, "want an IPP POST", http.StatusBadRequest)
		return
	}
	in := bufio.NewReader(r.Body)
	var req goipp.Message
	if err := req.Decode(in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	doc, _ := io.ReadAll(in)
	f.mu.Lock()
	defer f.mu.Unlock()
	op := goipp.Op(req.Code)
	f.ops = append(f.ops, op)
	f.requests = append(f.requests, &req)
	resp := goipp.NewResponse(goipp.DefaultVersion, goipp.StatusOk, req.RequestID)
	resp.Operation.Add(goipp.MakeAttribute("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
	resp.Operation.Add(goipp.MakeAttribute("attributes-natural-language", goipp.TagLanguage, goipp.String("en-us")))
	job := func(state int) {
		resp.Job.Add(goipp.MakeAttribute("job-id", goipp.TagInteger, goipp.Integer(7)))
		resp.Job.Add(goipp.MakeAttribute("job-state", goipp.TagEnum, goipp.Integer(state)))
		resp.Job.Add(goipp.MakeAttribute("job-state-reasons", goipp.TagKeyword, goipp.String("none")))
	}
	switch op {
	case goipp.OpGetPrinterAttributes:
		resp.Printer.Add(goipp.MakeAttribute("printer-state", goipp.TagEnum, goipp.Integer(f.printerState)))
		resp.Printer.Add(goipp.MakeAttribute("printer-is-accepting-jobs", goipp.TagBoolean, goipp.Boolean(f.accepting)))
		resp.Printer.Add(goipp.MakeAttribute("printer-state-reasons", goipp.TagKeyword, goipp.String("paused")))
	case goipp.OpPrintJob:
		f.doc = doc
		if f.printJobStatus != goipp.StatusOk {
			resp.Code = goipp.Code(f.printJobStatus)
			resp.Operation.Add(goipp.MakeAttribute("status-message", goipp.TagText, goipp.String("refused")))
			break
		}
		job(jobPending)
	case goipp.OpGetJobAttributes:
		state := f.jobStates[0]
		if len(f.jobStates) > 1 {
			f.jobStates = f.jobStates[1:]
		}
		job(state)
	case goipp.OpCancelJob:
		id, _ := intAttr(&req, "job-id")
		f.canceled <- id
	default:
		resp.Code = goipp.Code(goipp.StatusErrorOperationNotSupported)
	}
	w.Header().Set("Content-Type", goipp.ContentType)
	_ = resp.Encode(w)
}

func (f *fakeIPP) opsSeen() []goipp.Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]goipp.Op(nil), f.ops...)
}

// ippURI turns the test server's http:// URL into an ipp:// printer URI.
func ippURI(srv *httptest.Server) string {
	return strings.Replace(srv.URL, "http://", "ipp://", 1) + "/printers/Test_Printer"
}

func fastPrinter(uri string) *IPPPrinter {
	return &IPPPrinter{URI: uri, Timeout: 3 * time.Second, PollInterval: 10 * time.Millisecond}
}

func TestIPPCompletedJob(t *testing.T) {
	f, srv := newFakeIPP(t, jobProcessing, jobProcessing, jobCompleted)
	p := fastPrinter(ippURI(srv))
	require.NoError(t, p.PrintDocument(context.Background(), sampleReceipt()))

	assert.Equal(t, []goipp.Op{goipp.OpGetPrinterAttributes, goipp.OpPrintJob,
		goipp.OpGetJobAttributes, goipp.OpGetJobAttributes, goipp.OpGetJobAttributes}, f.opsSeen())
	assert.True(t, strings.HasPrefix(string(f.doc), "%PDF-"), "the document follows the IPP message")
	pj := f.requests[1]
	assert.Equal(t, ippURI(srv), firstString(pj, "printer-uri"))
	assert.Equal(t, "application/pdf", firstString(pj, "document-format"))
	assert.Equal(t, "Refill Receipt", firstString(pj, "job-name"))
	assert.Equal(t, DefaultIPPUser, firstString(pj, "requesting-user-name"))
	assert.Equal(t, MediaLetter, firstString(pj, "media"))
	id, _ := intAttr(f.requests[2], "job-id")
	assert.Equal(t, 7, id)
}

func TestIPPHTTPURIWorksToo(t *testing.T) {
	f, srv := newFakeIPP(t, jobCompleted)
	p := fastPrinter(srv.URL + "/ipp/print")
	require.NoError(t, p.PrintDocument(context.Background(), sampleReceipt()))
	assert.Equal(t, strings.Replace(srv.URL, "http://", "ipp://", 1)+"/ipp/print", firstString(f.requests[0], "printer-uri"))
}

func TestIPPJobFails(t *testing.T) {
	for _, state := range []int{jobCanceled, jobAborted} {
		f, srv := newFakeIPP(t, jobProcessing, state)
		err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
		require.ErrorIs(t, err, ErrJobFailed)
		var je *JobError
		require.ErrorAs(t, err, &je)
		assert.Equal(t, state, je.State)
		assert.Equal(t, 7, je.JobID)
		assert.Len(t, f.opsSeen(), 4)
	}
}

func TestIPPStoppedPrinter(t *testing.T) {
	t.Run("printer-state stopped: nothing is sent", func(t *testing.T) {
		f, srv := newFakeIPP(t, jobCompleted)
		f.printerState = printerStopped
		err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
		require.ErrorIs(t, err, ErrPrinterStopped)
		assert.Equal(t, []goipp.Op{goipp.OpGetPrinterAttributes}, f.opsSeen())
	})
	t.Run("not accepting jobs", func(t *testing.T) {
		f, srv := newFakeIPP(t, jobCompleted)
		f.accepting = false
		err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
		require.ErrorIs(t, err, ErrPrinterStopped)
	})
	t.Run("Print-Job refused: not accepting jobs", func(t *testing.T) {
		f, srv := newFakeIPP(t, jobCompleted)
		f.printJobStatus = goipp.StatusErrorNotAcceptingJobs
		err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
		require.ErrorIs(t, err, ErrPrinterStopped)
		var se *StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "refused", se.Message)
	})
	t.Run("job held is canceled", func(t *testing.T) {
		f, srv := newFakeIPP(t, jobHeld)
		err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
		require.ErrorIs(t, err, ErrPrinterStopped)
		assert.Equal(t, 7, waitCanceled(t, f))
	})
	t.Run("printer stops while the job is pending", func(t *testing.T) {
		f, srv := newFakeIPP(t, jobPending)
		p := fastPrinter(ippURI(srv))
		go func() {
			time.Sleep(50 * time.Millisecond)
			f.mu.Lock()
			f.printerState = printerStopped
			f.mu.Unlock()
		}()
		err := p.PrintDocument(context.Background(), sampleReceipt())
		require.ErrorIs(t, err, ErrPrinterStopped)
		assert.Equal(t, 7, waitCanceled(t, f))
	})
}

func waitCanceled(t *testing.T, f *fakeIPP) int {
	t.Helper()
	select {
	case id := <-f.canceled:
		return id
	case <-time.After(2 * time.Second):
		t.Fatal("the job was not canceled")
		return 0
	}
}

func TestIPPUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: connection refused
	start := time.Now()
	err = fastPrinter("ipp://"+addr+"/printers/Gone").PrintDocument(context.Background(), sampleReceipt())
	require.ErrorIs(t, err, ErrPrinterUnreachable)
	assert.Less(t, time.Since(start), time.Second)
}

func TestIPPNeverAnswers(t *testing.T) {
	f, srv := newFakeIPP(t, jobCompleted)
	f.hang = true
	p := &IPPPrinter{URI: ippURI(srv), Timeout: 400 * time.Millisecond}
	start := time.Now()
	err := p.PrintDocument(context.Background(), sampleReceipt())
	elapsed := time.Since(start)
	require.ErrorIs(t, err, ErrPrinterTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, elapsed, 400*time.Millisecond)
	assert.Less(t, elapsed, 400*time.Millisecond+300*time.Millisecond, "returns within the configured timeout")

	// The per-request timeout applies too.
	p = &IPPPrinter{URI: ippURI(srv), Timeout: 5 * time.Second, RequestTimeout: 200 * time.Millisecond}
	start = time.Now()
	require.ErrorIs(t, p.PrintDocument(context.Background(), sampleReceipt()), ErrPrinterTimeout)
	assert.Less(t, time.Since(start), time.Second)
}

func TestIPPJobNeverFinishes(t *testing.T) {
	f, srv := newFakeIPP(t, jobProcessing)
	p := fastPrinter(ippURI(srv))
	p.Timeout = 300 * time.Millisecond
	start := time.Now()
	err := p.PrintDocument(context.Background(), sampleReceipt())
	require.ErrorIs(t, err, ErrPrinterTimeout)
	assert.Less(t, time.Since(start), 600*time.Millisecond)
	assert.Equal(t, 7, waitCanceled(t, f), "an unfinished job is canceled so it cannot print later")
}

func TestIPPCallerCancels(t *testing.T) {
	_, srv := newFakeIPP(t, jobProcessing)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err := fastPrinter(ippURI(srv)).PrintDocument(ctx, sampleReceipt())
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, ErrPrinterTimeout))
}

func TestIPPErrorStatus(t *testing.T) {
	f, srv := newFakeIPP(t, jobCompleted)
	f.printJobStatus = goipp.StatusErrorDocumentFormatNotSupported
	err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "Print-Job", se.Op)
	assert.Equal(t, uint16(0x040a), se.Code)
	assert.NotErrorIs(t, err, ErrPrinterStopped)
}

func TestIPPHTTPError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	err := fastPrinter(ippURI(srv)).PrintDocument(context.Background(), sampleReceipt())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404")
}

func TestIPPPrinterName(t *testing.T) {
	for uri, want := range map[string]string{
		"ipp://localhost:631/printers/Office_Laser": "Office_Laser",
		"ipp://cups.local/classes/Mailroom/":        "Mailroom",
		"ipps://192.168.1.20/ipp/print":             "192.168.1.20",
		"http://[::1]:8631/ipp/print":               "::1",
		"not a uri":                                 "not a uri",
	} {
		assert.Equal(t, want, (&IPPPrinter{URI: uri}).Name(), uri)
	}
}

func TestIPPEndpoints(t *testing.T) {
	for uri, want := range map[string][2]string{
		"ipp://host/printers/P":       {"http://host:631/printers/P", "ipp://host:631/printers/P"},
		"ipp://host:6310/printers/P":  {"http://host:6310/printers/P", "ipp://host:6310/printers/P"},
		"ipps://host/ipp/print":       {"https://host:631/ipp/print", "ipps://host:631/ipp/print"},
		"http://host/ipp/print":       {"http://host/ipp/print", "ipp://host:80/ipp/print"},
		"https://host:8443/ipp/print": {"https://host:8443/ipp/print", "ipps://host:8443/ipp/print"},
	} {
		h, i, err := (&IPPPrinter{URI: uri}).endpoints()
		require.NoError(t, err, uri)
		assert.Equal(t, want, [2]string{h, i}, uri)
	}
	for _, bad := range []string{"", "lpd://host/q", "ipp:///printers/P", "::"} {
		_, _, err := (&IPPPrinter{URI: bad}).endpoints()
		assert.Error(t, err, bad)
		assert.Error(t, (&IPPPrinter{URI: bad}).PrintDocument(context.Background(), sampleReceipt()))
	}
}
