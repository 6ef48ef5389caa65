package cups

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/OpenPrinting/goipp"
)

// fakePrinter is an IPP printer in the test process whose state reasons and job outcome a test sets,
// as a real envelope printer reports them when it runs out of envelopes or jams.
type fakePrinter struct {
	mu        sync.Mutex
	state     int      // printer-state: 3 idle, 5 stopped
	reasons   []string // printer-state-reasons
	jobState  int      // what Get-Job-Attributes answers: 9 completed, 8 aborted, 6 stopped
	jobReason string
	jobs      int
	media     []string
	// after, if set, is the printer's state and reasons from the next job on: it takes the job, then
	// stops, as a printer that runs out of envelopes mid-job does.
	after func(f *fakePrinter)
}

func newFakePrinter(t *testing.T) (*fakePrinter, string) {
	f := &fakePrinter{state: 3, jobState: 9}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, strings.Replace(srv.URL, "http://", "ipp://", 1) + "/printers/Envelopes"
}

func (f *fakePrinter) set(state int, jobState int, reasons ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state, f.jobState, f.reasons = state, jobState, reasons
}

// failNextJob lets the next job in, then reports state and reasons and ends the job in jobState.
func (f *fakePrinter) failNextJob(state, jobState int, reasons ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state, f.jobState, f.reasons = 3, 9, nil
	f.after = func(f *fakePrinter) { f.state, f.jobState, f.reasons = state, jobState, reasons }
}

func (f *fakePrinter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in := bufio.NewReader(r.Body)
	var req goipp.Message
	if err := req.Decode(in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = io.Copy(io.Discard, in)
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := goipp.NewResponse(goipp.DefaultVersion, goipp.StatusOk, req.RequestID)
	resp.Operation.Add(goipp.MakeAttribute("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
	resp.Operation.Add(goipp.MakeAttribute("attributes-natural-language", goipp.TagLanguage, goipp.String("en-us")))
	job := func(state int) {
		resp.Job.Add(goipp.MakeAttribute("job-id", goipp.TagInteger, goipp.Integer(f.jobs)))
		resp.Job.Add(goipp.MakeAttribute("job-state", goipp.TagEnum, goipp.Integer(state)))
		reason := f.jobReason
		if reason == "" {
			reason = "none"
		}
		resp.Job.Add(goipp.MakeAttribute("job-state-reasons", goipp.TagKeyword, goipp.String(reason)))
	}
	switch goipp.Op(req.Code) {
	case goipp.OpGetPrinterAttributes:
		resp.Printer.Add(goipp.MakeAttribute("printer-state", goipp.TagEnum, goipp.Integer(f.state)))
		resp.Printer.Add(goipp.MakeAttribute("printer-is-accepting-jobs", goipp.TagBoolean, goipp.Boolean(true)))
		reasons := goipp.Attribute{Name: "printer-state-reasons"}
		for _, r := range append([]string{"none"}, f.reasons...)[min(1, len(f.reasons)):] {
			reasons.Values.Add(goipp.TagKeyword, goipp.String(r))
		}
		resp.Printer.Add(reasons)
	case goipp.OpPrintJob:
		f.jobs++
		if f.after != nil {
			f.after(f)
			f.after = nil
		}
		for _, g := range req.AttrGroups() {
			for _, a := range g.Attrs {
				if a.Name == "media" {
					f.media = append(f.media, a.Values[0].V.String())
				}
			}
		}
		job(5)
	case goipp.OpGetJobAttributes:
		job(f.jobState)
	case goipp.OpCancelJob:
	default:
		resp.Code = goipp.Code(goipp.StatusErrorOperationNotSupported)
	}
	w.Header().Set("Content-Type", goipp.ContentType)
	_ = resp.Encode(w)
}
