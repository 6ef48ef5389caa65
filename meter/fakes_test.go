package meter

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// The core's tests drive it through these small fakes of its devices. The trainer's simulated devices
// (devices/sim) import meter, so the core's own tests cannot use them.

// printed is one impression of a fake device.
type printed struct {
	Medium   Medium
	Indicium *Indicium
	Document *Document
}

// fakeEngine is a print engine whose sensors a test sets; it starts ready.
type fakeEngine struct {
	mu          sync.Mutex
	status      EngineStatus
	failNext    error
	impressions []printed
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{status: EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: InkOK}}
}

func (e *fakeEngine) Status() EngineStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

func (e *fakeEngine) Update(fn func(*EngineStatus)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(&e.status)
}

// FailNextPrint makes the next print fail after the sensors said ready, as a jam mid-print does.
func (e *fakeEngine) FailNextPrint(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNext = err
}

func (e *fakeEngine) Impressions() []printed {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]printed(nil), e.impressions...)
}

func (e *fakeEngine) PrintIndicium(ctx context.Context, ind Indicium, m Medium) error {
	return e.print(ctx, printed{Medium: m, Indicium: &ind})
}

func (e *fakeEngine) PrintDocument(ctx context.Context, doc Document, m Medium) error {
	return e.print(ctx, printed{Medium: m, Document: &doc})
}

func (e *fakeEngine) print(ctx context.Context, p printed) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := EngineReady(e.status, p.Medium); err != nil {
		return err
	}
	if err := e.failNext; err != nil {
		e.failNext = nil
		e.status.Jammed = errors.Is(err, ErrJam)
		return &DeviceError{"print engine", err, "Clear the fault."}
	}
	e.impressions = append(e.impressions, p)
	return ctx.Err()
}

// fakePrinter is an attached printer that accepts every job.
type fakePrinter struct {
	mu          sync.Mutex
	impressions []printed
}

func (p *fakePrinter) Name() string { return "Office printer" }

func (p *fakePrinter) PrintDocument(ctx context.Context, doc Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.impressions = append(p.impressions, printed{Medium: "document", Document: &doc})
	return ctx.Err()
}

func (p *fakePrinter) Impressions() []printed {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]printed(nil), p.impressions...)
}

// fakeLink is a network link a test unplugs: requests fail while it is down.
type fakeLink struct {
	mu   sync.Mutex
	down bool
}

var errFakeLinkDown = errors.New("network link is down")

func (l *fakeLink) SetUp(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = !up
}

func (l *fakeLink) Up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.down
}

func (l *fakeLink) RoundTrip(r *http.Request) (*http.Response, error) {
	if !l.Up() {
		return nil, errFakeLinkDown
	}
	return http.DefaultTransport.RoundTrip(r)
}
