package meter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Impression is one thing a simulated device printed.
type Impression struct {
	Medium   Medium // envelope, tape, or "document" for the attached printer
	Indicium *Indicium
	Document *Document
	At       time.Time
}

// MediumDocument marks impressions of the attached printer.
const MediumDocument Medium = "document"

// SimPrintEngine is a print engine whose sensors the trainer and tests set. It starts ready: an
// envelope stack on the feed deck, tape loaded, ink fine.
type SimPrintEngine struct {
	mu     sync.Mutex
	status EngineStatus
	// failNext makes the next print fail mid-way (after the sensors said ready), as a jam does.
	failNext    error
	impressions []Impression
	// OnPrint, if set, receives each impression (the printer package renders it to the output tray).
	OnPrint func(Impression) error
	Clock   Clock
}

// NewSimPrintEngine returns a ready engine.
func NewSimPrintEngine(clock Clock) *SimPrintEngine {
	return &SimPrintEngine{status: EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: InkOK}, Clock: clock}
}

// Status reports the sensors.
func (e *SimPrintEngine) Status() EngineStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// SetStatus sets the sensors (trainer panel, tests).
func (e *SimPrintEngine) SetStatus(st EngineStatus) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status = st
}

// Update changes the sensors through fn.
func (e *SimPrintEngine) Update(fn func(*EngineStatus)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(&e.status)
}

// FailNextPrint makes the next print fail after the engine said it was ready (a jam mid-print).
func (e *SimPrintEngine) FailNextPrint(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNext = err
}

// Impressions returns everything printed so far, oldest first.
func (e *SimPrintEngine) Impressions() []Impression {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Impression(nil), e.impressions...)
}

// PrintIndicium prints postage.
func (e *SimPrintEngine) PrintIndicium(ctx context.Context, ind Indicium, m Medium) error {
	return e.print(ctx, Impression{Medium: m, Indicium: &ind})
}

// PrintDocument prints a receipt or report.
func (e *SimPrintEngine) PrintDocument(ctx context.Context, doc Document, m Medium) error {
	return e.print(ctx, Impression{Medium: m, Document: &doc})
}

func (e *SimPrintEngine) print(ctx context.Context, imp Impression) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	if err := engineReady(e.status, imp.Medium); err != nil {
		e.mu.Unlock()
		return err
	}
	if e.failNext != nil {
		err := e.failNext
		e.failNext = nil
		if errors.Is(err, ErrJam) {
			e.status.Jammed = true
		}
		e.mu.Unlock()
		return &DeviceError{"print engine", err, "Clear the fault; the postage of this piece is kept for a refund request."}
	}
	if e.Clock != nil {
		imp.At = e.Clock.Now()
	}
	e.impressions = append(e.impressions, imp)
	onPrint := e.OnPrint
	e.mu.Unlock()
	if onPrint != nil {
		if err := onPrint(imp); err != nil {
			return fmt.Errorf("print engine output: %w", err)
		}
	}
	return nil
}

// SimPrinter is an attached office printer that can be stopped.
type SimPrinter struct {
	mu          sync.Mutex
	name        string
	stopped     bool
	impressions []Impression
	OnPrint     func(Impression) error
}

// NewSimPrinter returns a printer that accepts jobs.
func NewSimPrinter(name string) *SimPrinter { return &SimPrinter{name: name} }

// Name is the printer's queue name.
func (p *SimPrinter) Name() string { return p.name }

// SetStopped stops or resumes the printer's queue.
func (p *SimPrinter) SetStopped(stopped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = stopped
}

// Impressions returns the documents printed so far.
func (p *SimPrinter) Impressions() []Impression {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Impression(nil), p.impressions...)
}

// PrintDocument prints a document, or refuses while stopped.
func (p *SimPrinter) PrintDocument(ctx context.Context, doc Document) error {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return &DeviceError{"attached printer", ErrPrinterStopped, "Check the printer (paper, power, queue) and try Print on document again."}
	}
	imp := Impression{Medium: MediumDocument, Document: &doc}
	p.impressions = append(p.impressions, imp)
	onPrint := p.OnPrint
	p.mu.Unlock()
	if onPrint != nil {
		return onPrint(imp)
	}
	return ctx.Err()
}

// SimScale is a scale whose weight the trainer sets.
type SimScale struct {
	mu     sync.Mutex
	weight Weight
	stable bool
}

// NewSimScale returns an empty, stable scale.
func NewSimScale() *SimScale { return &SimScale{stable: true} }

// Set puts a piece of weight w on the scale (stable) or makes it unstable.
func (s *SimScale) Set(w Weight, stable bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.weight, s.stable = w, stable
}

// Weight reads the scale.
func (s *SimScale) Weight(ctx context.Context) (Weight, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stable {
		return 0, &DeviceError{"scale", ErrScaleUnreadable, "Let the piece settle on the scale, or key in the weight."}
	}
	if s.weight <= 0 {
		return 0, &DeviceError{"scale", ErrScaleUnreadable, "Place the piece on the scale, or key in the weight."}
	}
	return s.weight, ctx.Err()
}

// SimLink is the meter's network link: an http.RoundTripper that fails while the link is down, as an
// unplugged cable does. The Data Center client sends through it.
type SimLink struct {
	mu   sync.Mutex
	down bool
	drop func(*http.Request) bool
	Base http.RoundTripper
}

// DropWhen makes the requests f picks fail as if the link were down at that moment (a test's way to
// lose, say, only the post of a refill); nil stops it.
func (l *SimLink) DropWhen(f func(*http.Request) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop = f
}

// ErrLinkDown is what a request gets while the link is down.
var ErrLinkDown = errors.New("network link is down")

// SetUp brings the link up or down.
func (l *SimLink) SetUp(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = !up
}

// Up reports whether the link is up.
func (l *SimLink) Up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.down
}

// RoundTrip sends the request unless the link is down.
func (l *SimLink) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	down, drop := l.down, l.drop
	l.mu.Unlock()
	if down || drop != nil && drop(r) {
		return nil, ErrLinkDown
	}
	base := l.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
