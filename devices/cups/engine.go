package cups

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"postmeter/devices"
	"postmeter/meter"
	"postmeter/printer"
)

// Engine is the print engine on an envelope or label printer behind IPP (a CUPS queue): each indicium
// or receipt is a PDF job of the medium's size, followed until the printer says it is done. What the
// printer reports (printer-state-reasons) becomes the engine's sensors: media-empty is no envelope or
// no tape, media-jam a jam, marker-supply-low/-empty the ink; a queue that is paused for another
// reason is stopped, and a printer that does not answer is offline. A job that fails after the
// piece was debited fails the print, and the core spoils the piece as after any failed print.
type Engine struct {
	P   *printer.IPPPrinter
	Log *slog.Logger
	// CheckTimeout bounds the printer check before each piece; 3 s if 0.
	CheckTimeout time.Duration

	health devices.Health
	mu     sync.Mutex
	status meter.EngineStatus
}

// NewEngine returns the engine printing to the IPP printer or CUPS queue at uri. Until the printer
// is first asked, it is assumed ready.
func NewEngine(uri string, log *slog.Logger) *Engine {
	return &Engine{P: &printer.IPPPrinter{URI: uri, Logger: log}, Log: log,
		status: meter.EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: meter.InkOK}}
}

// Name is the engine's queue as the configuration names it, without any credentials in the URI.
func (e *Engine) Name() string {
	u, err := url.Parse(e.P.URI)
	if err != nil {
		return e.P.Name()
	}
	u.User = nil
	return u.String()
}

// Status is the printer's last report.
func (e *Engine) Status() meter.EngineStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Check asks the printer how it is now.
func (e *Engine) Check(ctx context.Context) meter.EngineStatus {
	timeout := e.CheckTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := e.P.State(ctx)
	return e.note(sensors(st, err), err)
}

// Health checks the printer and says how it is.
func (e *Engine) Health(ctx context.Context) meter.DeviceHealth {
	e.Check(ctx)
	return e.health.Report()
}

// sensors reads a printer's state as the engine's sensors.
func sensors(st printer.PrinterState, err error) meter.EngineStatus {
	if err != nil {
		return meter.EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Offline: true}
	}
	paper := !st.Has("media-empty") && !st.Has("media-needed")
	out := meter.EngineStatus{EnvelopeOnFeedDeck: paper, TapeLoaded: paper, Jammed: st.Has("media-jam"), Stopped: st.Stopped()}
	switch {
	case st.Has("marker-supply-empty"):
		out.Ink = meter.InkOut
	case st.Has("marker-supply-low"):
		out.Ink = meter.InkLow
	}
	return out
}

// note keeps the sensors and the engine's health after an exchange with the printer.
func (e *Engine) note(st meter.EngineStatus, err error) meter.EngineStatus {
	e.mu.Lock()
	e.status = st
	e.mu.Unlock()
	e.health.Device, e.health.Name = "print engine", e.Name()
	problem := meter.EngineReady(st, meter.MediumEnvelope)
	switch {
	case st.Offline:
		if e.Log != nil && err != nil {
			e.Log.Warn("print engine does not answer", "printer", e.Name(), "err", err)
		}
		e.health.Note(meter.DeviceMissing, problem)
	case problem != nil:
		e.health.Note(meter.DeviceAttention, problem)
	default:
		e.health.Note(meter.DeviceReady, nil)
	}
	return st
}

// PrintIndicium prints postage on the medium.
func (e *Engine) PrintIndicium(ctx context.Context, ind meter.Indicium, m meter.Medium) error {
	pdf, err := printer.IndiciumPDF(devices.PrinterIndicium(ind), printer.Medium(m))
	if err != nil {
		return fmt.Errorf("print engine: %w", err)
	}
	return e.print(ctx, pdf, "piece-"+strconv.FormatInt(ind.Piece, 10), m)
}

// PrintDocument prints a receipt or report on the medium.
func (e *Engine) PrintDocument(ctx context.Context, doc meter.Document, m meter.Medium) error {
	pdf, err := printer.DocumentPDF(devices.PrinterDocument(doc), printer.Medium(m))
	if err != nil {
		return fmt.Errorf("print engine: %w", err)
	}
	return e.print(ctx, pdf, devices.DocumentKind(doc), m)
}

// print sends the job and, if it fails, asks the printer why, so the clerk reads what to do.
func (e *Engine) print(ctx context.Context, pdf []byte, title string, m meter.Medium) error {
	err := e.P.PrintPDF(ctx, pdf, title, printer.MediaKeyword(printer.Medium(m)))
	if err == nil {
		// The job is done; keep what the printer last said of its ink.
		st := e.Status()
		e.note(meter.EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: st.Ink}, nil)
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var st meter.EngineStatus
	switch {
	case errors.Is(err, printer.ErrPrinterUnreachable), errors.Is(err, printer.ErrPrinterTimeout):
		st = e.note(sensors(printer.PrinterState{}, err), err)
	default:
		// The job's and the printer's reasons, and the printer as it is now.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		now, serr := e.P.State(cctx)
		cancel()
		now.Reasons = append(now.Reasons, reasonsOf(err)...)
		if serr != nil {
			now = printer.PrinterState{Accepting: true, Reasons: reasonsOf(err)}
		}
		st = e.note(sensors(now, nil), nil)
	}
	if derr := meter.EngineReady(st, m); derr != nil {
		var de *meter.DeviceError
		if errors.As(derr, &de) {
			de.Err = fmt.Errorf("%w (%v)", de.Err, err)
		}
		return derr
	}
	return &meter.DeviceError{Device: "print engine", Err: err, Do: "Check the printer, then try again."}
}

// reasonsOf are the printer-state-reasons an IPP error carries.
func reasonsOf(err error) []string {
	var se *printer.StateError
	if errors.As(err, &se) {
		return se.Reasons
	}
	var je *printer.JobError
	if errors.As(err, &je) {
		return je.Reasons
	}
	return nil
}
