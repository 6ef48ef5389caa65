package meter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
	"postmeter/printer"
)

// Medium is what the print engine prints on.
type Medium string

// Print media of the print engine.
const (
	MediumEnvelope Medium = "envelope" // an envelope on the feed deck
	MediumTape     Medium = "tape"     // a strip of tape
)

// InkLevel is the print engine's postal ink.
type InkLevel int

// Ink levels: low warns and lets the clerk continue; out blocks printing.
const (
	InkOK InkLevel = iota
	InkLow
	InkOut
)

func (l InkLevel) String() string {
	switch l {
	case InkOK:
		return "ok"
	case InkLow:
		return "low"
	case InkOut:
		return "out"
	}
	return fmt.Sprintf("ink(%d)", int(l))
}

// EngineStatus is what the print engine's sensors report.
type EngineStatus struct {
	EnvelopeOnFeedDeck bool
	TapeLoaded         bool
	Ink                InkLevel
	Jammed             bool
	// An engine reached over a connection (a CUPS queue) can also be unreachable, or stopped (paused,
	// not accepting jobs) for a reason it does not name.
	Offline bool
	Stopped bool
}

// EngineChecker is an engine whose sensors are read over a connection: Check reads them now, and
// Status returns the last reading without waiting. The core calls Check before it debits a piece (off
// the UI goroutine), so a printer that was refilled since its last report is seen as ready.
type EngineChecker interface {
	Check(ctx context.Context) EngineStatus
}

// Indicium is everything printed as postage on one piece. It is plain data; the printer package lays
// it out and encodes the barcode.
type Indicium struct {
	MailingDate    time.Time
	Postage        funds.Amount
	MailClass      string
	MeterSerial    string
	Model          string
	IndiciaNumber  string
	OriginZIP      string
	DestinationZIP string // only when the clerk keyed one in
	Piece          int64
	Registers      funds.Registers // after the debit: Available (descending) and Used (ascending)
	Simulation     bool            // always true here: real indicia need postal authorisation
	Kind           printer.Kind    // postage, or a test print or date correction (no postage value)
	Signature      []byte          // the meter key's signature of the payload (printer.IndiciumBody)
}

// Field is one labelled line of a printed document.
type Field struct {
	Label string
	Value string
}

// Document is a receipt or report to print: a title and labelled lines, in order.
type Document struct {
	Title  string
	Fields []Field
}

// Value returns the value of the first field with the label, for tests and layouts.
func (d Document) Value(label string) (string, bool) {
	for _, f := range d.Fields {
		if f.Label == label {
			return f.Value, true
		}
	}
	return "", false
}

// PrintEngine prints postage and documents on envelopes and tape.
type PrintEngine interface {
	Status() EngineStatus
	PrintIndicium(ctx context.Context, ind Indicium, m Medium) error
	PrintDocument(ctx context.Context, doc Document, m Medium) error
}

// AttachedPrinter is the optional office printer for "Print on document".
type AttachedPrinter interface {
	Name() string
	PrintDocument(ctx context.Context, doc Document) error
}

// Scale weighs a piece.
type Scale interface {
	Weight(ctx context.Context) (Weight, error)
}

// Device errors. Each says what happened; DeviceError adds what to do.
var (
	ErrNoEnvelope         = errors.New("no envelope on the feed deck")
	ErrTapeOut            = errors.New("tape is out")
	ErrInkOut             = errors.New("postal ink is out")
	ErrJam                = errors.New("the print engine is jammed")
	ErrEngineOffline      = errors.New("the print engine does not answer")
	ErrEngineStopped      = errors.New("the print engine is not accepting jobs")
	ErrPrinterStopped     = errors.New("the attached printer is not accepting jobs")
	ErrPrinterUnreachable = errors.New("the attached printer does not answer")
	ErrNoPrinter          = errors.New("no attached printer is configured")
	ErrScaleUnreadable    = errors.New("the scale gave no stable weight")
	// What a real scale reports instead of a weight.
	ErrScaleEmpty        = errors.New("the scale is empty")
	ErrScaleUnderZero    = errors.New("the scale reads below zero")
	ErrScaleOverCapacity = errors.New("the piece is over the scale's capacity")
	ErrScaleNeedsZero    = errors.New("the scale needs zeroing")
	ErrScaleFault        = errors.New("the scale reports a fault")
	ErrScaleNoAnswer     = errors.New("the scale does not answer")
	ErrScaleGarbled      = errors.New("the scale's answer cannot be read")
)

// DeviceError is a device refusing or failing, with the clerk's next step.
type DeviceError struct {
	Device string // "print engine", "attached printer", "scale"
	Err    error
	Do     string
}

func (e *DeviceError) Error() string { return fmt.Sprintf("%s: %v. %s", e.Device, e.Err, e.Do) }
func (e *DeviceError) Unwrap() error { return e.Err }

// EngineReady checks the sensors before anything is debited, so a piece that cannot print costs nothing;
// an engine checks them again as it prints.
func EngineReady(st EngineStatus, m Medium) error {
	switch {
	case st.Offline:
		return &DeviceError{"print engine", ErrEngineOffline, "Check that the printer is switched on and connected, then try again."}
	case st.Jammed:
		return &DeviceError{"print engine", ErrJam, "Open the cover, remove the jammed piece and close the cover."}
	case st.Ink == InkOut:
		return &DeviceError{"print engine", ErrInkOut, "Replace the ink cartridge, then try again."}
	case m == MediumEnvelope && !st.EnvelopeOnFeedDeck:
		return &DeviceError{"print engine", ErrNoEnvelope, "Place an envelope on the feed deck and select Start."}
	case m == MediumTape && !st.TapeLoaded:
		return &DeviceError{"print engine", ErrTapeOut, "Load a new roll of tape, then select Tape."}
	case m != MediumEnvelope && m != MediumTape:
		return fmt.Errorf("print on %q: unknown medium", m)
	case st.Stopped:
		return &DeviceError{"print engine", ErrEngineStopped, "Check the printer for a message, then try again."}
	}
	return nil
}
