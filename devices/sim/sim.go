// Package sim holds the trainer's simulated devices: a print engine and an attached printer whose
// faults the trainer sets, a scale whose weight it sets, and a network link it can unplug. They sit
// behind the same interfaces as the real drivers, so the meter core cannot tell them apart. The kiosk
// never links this package.
package sim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"postmeter/devices"
	"postmeter/meter"
)

// Engine is a print engine whose sensors the trainer and tests set. It starts ready: an
// envelope stack on the feed deck, tape loaded, ink fine.
type Engine struct {
	mu     sync.Mutex
	status meter.EngineStatus
	// failNext makes the next print fail mid-way (after the sensors said ready), as a jam does.
	failNext    error
	impressions []devices.Impression
	lastErr     error // the last failed print, for Settings → Devices
	lastAt      time.Time
	// OnPrint, if set, receives each impression (the printer package renders it to the output tray).
	OnPrint func(devices.Impression) error
	Clock   meter.Clock
	// PieceTime is how long printing one indicium takes, in real time: the model's rated speed
	// (meter.Model.PieceTime), so the trainer shows the model's throughput. Zero prints at once.
	PieceTime time.Duration
}

// NewEngine returns a ready engine.
func NewEngine(clock meter.Clock) *Engine {
	return &Engine{status: meter.EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: meter.InkOK}, Clock: clock}
}

// Status reports the sensors.
func (e *Engine) Status() meter.EngineStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// SetStatus sets the sensors (trainer panel, tests).
func (e *Engine) SetStatus(st meter.EngineStatus) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status = st
}

// Update changes the sensors through fn.
func (e *Engine) Update(fn func(*meter.EngineStatus)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(&e.status)
}

// FailNextPrint makes the next print fail after the engine said it was ready (a jam mid-print).
func (e *Engine) FailNextPrint(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNext = err
}

// Impressions returns everything printed so far, oldest first.
func (e *Engine) Impressions() []devices.Impression {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]devices.Impression(nil), e.impressions...)
}

// PrintIndicium prints postage.
func (e *Engine) PrintIndicium(ctx context.Context, ind meter.Indicium, m meter.Medium) error {
	if err := e.run(ctx); err != nil {
		return err
	}
	return e.print(ctx, devices.Impression{Medium: m, Indicium: &ind})
}

// run is the piece passing through the engine at its rated speed.
func (e *Engine) run(ctx context.Context) error {
	e.mu.Lock()
	d := e.PieceTime
	e.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PrintDocument prints a receipt or report.
func (e *Engine) PrintDocument(ctx context.Context, doc meter.Document, m meter.Medium) error {
	return e.print(ctx, devices.Impression{Medium: m, Document: &doc})
}

func (e *Engine) print(ctx context.Context, imp devices.Impression) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	if err := meter.EngineReady(e.status, imp.Medium); err != nil {
		e.noteLocked(err)
		e.mu.Unlock()
		return err
	}
	if e.failNext != nil {
		err := e.failNext
		e.failNext = nil
		if errors.Is(err, meter.ErrJam) {
			e.status.Jammed = true
		}
		derr := &meter.DeviceError{Device: "print engine", Err: err, Do: "Clear the fault; the postage of this piece is kept for a refund request."}
		e.noteLocked(derr)
		e.mu.Unlock()
		return derr
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

// noteLocked keeps a failure for Settings → Devices.
func (e *Engine) noteLocked(err error) {
	e.lastErr, e.lastAt = err, time.Now()
	if e.Clock != nil {
		e.lastAt = e.Clock.Now()
	}
}

// Printer is an attached office printer that can be stopped.
type Printer struct {
	mu          sync.Mutex
	name        string
	stopped     bool
	unplugged   bool
	impressions []devices.Impression
	OnPrint     func(devices.Impression) error
}

// NewPrinter returns a printer that accepts jobs.
func NewPrinter(name string) *Printer { return &Printer{name: name} }

// Name is the printer's queue name.
func (p *Printer) Name() string { return p.name }

// SetStopped stops or resumes the printer's queue.
func (p *Printer) SetStopped(stopped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = stopped
}

// Impressions returns the documents printed so far.
func (p *Printer) Impressions() []devices.Impression {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]devices.Impression(nil), p.impressions...)
}

// PrintDocument prints a document, or refuses while stopped.
func (p *Printer) PrintDocument(ctx context.Context, doc meter.Document) error {
	p.mu.Lock()
	if p.unplugged {
		p.mu.Unlock()
		return unplugged("attached printer")
	}
	if p.stopped {
		p.mu.Unlock()
		return &meter.DeviceError{Device: "attached printer", Err: meter.ErrPrinterStopped, Do: "Check the printer (paper, power, queue) and try Print on document again."}
	}
	imp := devices.Impression{Medium: devices.MediumDocument, Document: &doc}
	p.impressions = append(p.impressions, imp)
	onPrint := p.OnPrint
	p.mu.Unlock()
	if onPrint != nil {
		return onPrint(imp)
	}
	return ctx.Err()
}

// Scale is a scale whose weight the trainer sets.
type Scale struct {
	mu        sync.Mutex
	weight    meter.Weight
	stable    bool
	unplugged bool
}

// NewScale returns an empty, stable scale.
func NewScale() *Scale { return &Scale{stable: true} }

// Set puts a piece of weight w on the scale (stable) or makes it unstable.
func (s *Scale) Set(w meter.Weight, stable bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.weight, s.stable = w, stable
}

// Weight reads the scale.
func (s *Scale) Weight(ctx context.Context) (meter.Weight, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unplugged {
		return 0, unplugged("scale")
	}
	if !s.stable {
		return 0, &meter.DeviceError{Device: "scale", Err: meter.ErrScaleUnreadable, Do: "Let the piece settle on the scale, or key in the weight."}
	}
	if s.weight <= 0 {
		return 0, &meter.DeviceError{Device: "scale", Err: meter.ErrScaleUnreadable, Do: "Place the piece on the scale, or key in the weight."}
	}
	return s.weight, ctx.Err()
}

// Link is the meter's network link: an http.RoundTripper that fails while the link is down, as an
// unplugged cable does. The Data Center client sends through it.
type Link struct {
	mu   sync.Mutex
	down bool
	drop func(*http.Request) bool
	Base http.RoundTripper
}

// DropWhen makes the requests f picks fail as if the link were down at that moment (a test's way to
// lose, say, only the post of a refill); nil stops it.
func (l *Link) DropWhen(f func(*http.Request) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop = f
}

// ErrLinkDown is what a request gets while the link is down.
var ErrLinkDown = errors.New("network link is down")

// SetUp brings the link up or down.
func (l *Link) SetUp(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = !up
}

// Up reports whether the link is up.
func (l *Link) Up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.down
}

// RoundTrip sends the request unless the link is down.
func (l *Link) RoundTrip(r *http.Request) (*http.Response, error) {
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
