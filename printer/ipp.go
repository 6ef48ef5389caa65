package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/OpenPrinting/goipp"
)

// Errors of the attached printer. They are wrapped, so test them with errors.Is.
var (
	// ErrPrinterStopped: the printer (or CUPS queue) is stopped, not accepting jobs, or holds the job.
	ErrPrinterStopped = errors.New("printer stopped")
	// ErrPrinterUnreachable: no connection could be made (refused, no route, unknown host, dial timeout).
	ErrPrinterUnreachable = errors.New("printer unreachable")
	// ErrPrinterTimeout: connected, but a request or the whole job took longer than allowed.
	ErrPrinterTimeout = errors.New("printer did not answer in time")
	// ErrJobFailed: the printer canceled or aborted the job (job-state 7 or 8).
	ErrJobFailed = errors.New("print job failed")
)

// MediaLetter is the IPP media keyword for US Letter, the paper RenderPDF lays out for.
const MediaLetter = "na_letter_8.5x11in"

// Defaults of IPPPrinter's zero fields.
const (
	DefaultIPPTimeout        = 30 * time.Second
	DefaultIPPRequestTimeout = 10 * time.Second
	DefaultIPPPollInterval   = 250 * time.Millisecond
	DefaultIPPUser           = "postmeter"
)

// IPP job and printer states (RFC 8011 5.3.7, 5.4.11).
const (
	jobPending           = 3
	jobHeld              = 4
	jobProcessing        = 5
	jobProcessingStopped = 6
	jobCanceled          = 7
	jobAborted           = 8
	jobCompleted         = 9
	printerStopped       = 5
)

// IPPPrinter prints documents as PDF on an IPP printer or CUPS queue.
//
// URI is "ipp://host[:port]/printers/NAME" (CUPS), "ipp://host/ipp/print" (a driverless printer),
// "ipps://…" for TLS, or the equivalent "http://" or "https://" URL. ipp and ipps default to port
// 631. The zero values of the other fields mean the defaults above. HTTP may be nil: a shared client
// with a 5 s connect timeout is used; supply your own for printers with self-signed certificates.
//
// PrintDocument never hangs: every request is bounded by RequestTimeout and the whole job, from the
// first request to job-state completed, by Timeout.
type IPPPrinter struct {
	URI            string
	Timeout        time.Duration // whole job
	RequestTimeout time.Duration // each IPP request
	PollInterval   time.Duration // between Get-Job-Attributes requests
	HTTP           *http.Client
	User           string // requesting-user-name
	Media          string // IPP media keyword; default MediaLetter
	Logger         *slog.Logger
}

// JobError reports a job that ended canceled or aborted. It matches ErrJobFailed.
type JobError struct {
	JobID   int
	State   int // 7 canceled, 8 aborted
	Reasons []string
	Message string
}

func (e *JobError) Error() string {
	state := map[int]string{jobCanceled: "canceled", jobAborted: "aborted"}[e.State]
	return fmt.Sprintf("print job %d %s (%s) %s", e.JobID, state, strings.Join(e.Reasons, ", "), e.Message)
}

// Is makes JobError match ErrJobFailed.
func (e *JobError) Is(target error) bool { return target == ErrJobFailed }

// PrinterState is what a printer says of itself: printer-state (3 idle, 4 processing, 5 stopped),
// whether it accepts jobs, and its printer-state-reasons ("media-empty-error", "media-jam-warning",
// "marker-supply-low-report", …; "none" left out) and message.
type PrinterState struct {
	State     int
	Accepting bool
	Reasons   []string
	Message   string
}

// Stopped reports whether the printer would hold a new job: stopped, or not accepting jobs.
func (s PrinterState) Stopped() bool { return s.State == printerStopped || !s.Accepting }

// Has reports whether a reason starting with keyword is present, whatever its severity suffix
// (-error, -warning, -report): Has("media-jam") matches "media-jam-error".
func (s PrinterState) Has(keyword string) bool { return HasReason(s.Reasons, keyword) }

// HasReason reports whether reasons hold keyword, with or without a severity suffix.
func HasReason(reasons []string, keyword string) bool {
	for _, r := range reasons {
		base := r
		for _, suffix := range []string{"-error", "-warning", "-report"} {
			base = strings.TrimSuffix(base, suffix)
		}
		if base == keyword {
			return true
		}
	}
	return false
}

// State asks the printer how it is.
func (p *IPPPrinter) State(ctx context.Context) (PrinterState, error) {
	httpURL, printerURI, err := p.endpoints()
	if err != nil {
		return PrinterState{}, err
	}
	return (&ippSession{p: p, httpURL: httpURL, printerURI: printerURI}).state(ctx)
}

// StateError is a printer or job that stopped, with the printer's reasons. It matches
// ErrPrinterStopped.
type StateError struct {
	What    string
	Reasons []string
	Message string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s, reasons %v %s", e.What, e.Reasons, e.Message)
}

// Is makes StateError match ErrPrinterStopped.
func (e *StateError) Is(target error) bool { return target == ErrPrinterStopped }

// StatusError is an IPP response with an error status code.
type StatusError struct {
	Op      string // e.g. "Print-Job"
	Status  string // e.g. "client-error-not-found"
	Code    uint16
	Message string // status-message, if any
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("IPP %s: %s (0x%04x) %s", e.Op, e.Status, e.Code, e.Message)
}

// Is makes "not accepting jobs" and "printer deactivated" match ErrPrinterStopped.
func (e *StatusError) Is(target error) bool {
	s := goipp.Status(e.Code)
	return target == ErrPrinterStopped &&
		(s == goipp.StatusErrorNotAcceptingJobs || s == goipp.StatusErrorPrinterIsDeactivated)
}

var (
	ippRequestID     atomic.Uint32
	defaultIPPClient = &http.Client{Transport: &http.Transport{
		Proxy:               nil, // a printer on the local network is never reached through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		IdleConnTimeout:     30 * time.Second,
		MaxIdleConnsPerHost: 2,
	}}
)

// Name is the printer's short name for screens: the CUPS queue name, or the host.
func (p *IPPPrinter) Name() string {
	u, err := url.Parse(p.URI)
	if err != nil || u.Host == "" {
		return p.URI
	}
	for _, prefix := range []string{"/printers/", "/classes/"} {
		if name, ok := strings.CutPrefix(u.Path, prefix); ok && name != "" {
			return strings.TrimSuffix(name, "/")
		}
	}
	return u.Hostname()
}

func (p *IPPPrinter) log() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// endpoints returns the HTTP URL to post to and the ipp(s) URI to name in requests.
func (p *IPPPrinter) endpoints() (httpURL, printerURI string, err error) {
	u, err := url.Parse(p.URI)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("printer URI %q: want ipp://host:port/printers/NAME", p.URI)
	}
	h, i := *u, *u
	switch u.Scheme {
	case "ipp", "ipps":
		if u.Port() == "" {
			h.Host = net.JoinHostPort(u.Hostname(), "631")
			i.Host = h.Host
		}
		h.Scheme = map[string]string{"ipp": "http", "ipps": "https"}[u.Scheme]
	case "http", "https":
		if u.Port() == "" {
			i.Host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
		i.Scheme = map[string]string{"http": "ipp", "https": "ipps"}[u.Scheme]
	default:
		return "", "", fmt.Errorf("printer URI %q: scheme %q, want ipp, ipps, http or https", p.URI, u.Scheme)
	}
	return h.String(), i.String(), nil
}

// attr finds the first attribute called name in any group of m.
func attr(m *goipp.Message, name string) (goipp.Attribute, bool) {
	for _, g := range m.AttrGroups() {
		for _, a := range g.Attrs {
			if a.Name == name && len(a.Values) > 0 {
				return a, true
			}
		}
	}
	return goipp.Attribute{}, false
}

func intAttr(m *goipp.Message, name string) (int, bool) {
	a, ok := attr(m, name)
	if !ok {
		return 0, false
	}
	v, ok := a.Values[0].V.(goipp.Integer)
	return int(v), ok
}

func boolAttr(m *goipp.Message, name string) (value, ok bool) {
	a, ok := attr(m, name)
	if !ok {
		return false, false
	}
	v, ok := a.Values[0].V.(goipp.Boolean)
	return bool(v), ok
}

func stringsAttr(m *goipp.Message, name string) []string {
	a, ok := attr(m, name)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a.Values))
	for _, v := range a.Values {
		out = append(out, v.V.String())
	}
	return out
}

func firstString(m *goipp.Message, name string) string {
	if ss := stringsAttr(m, name); len(ss) > 0 {
		return ss[0]
	}
	return ""
}

func readJobState(m *goipp.Message) jobState {
	st, _ := intAttr(m, "job-state")
	return jobState{state: st, reasons: stringsAttr(m, "job-state-reasons"), message: firstString(m, "job-state-message")}
}
