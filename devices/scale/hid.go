package scale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"time"

	"postmeter/devices"
	"postmeter/meter"
)

// A USB HID point-of-sale scale (usage page 0x8D) sends 6-byte scale data reports: report ID 3,
// status, unit, a signed power-of-ten exponent, and the weight as a little-endian uint16. See
// docs/scales.md.
const (
	hidReportID  = 3
	hidReportLen = 6
)

// HID scale status values (HID POS usage tables, scale status).
const (
	hidFault          = 1
	hidStableZero     = 2
	hidMotion         = 3
	hidStable         = 4
	hidUnderZero      = 5
	hidOverLimit      = 6
	hidNeedsCalibrate = 7
	hidNeedsRezero    = 8
)

// hidUnits are the HID weight unit selectors a postal scale uses.
var hidUnits = map[byte]Unit{2: Gram, 3: Kilogram, 11: Ounce, 12: Pound}

// errNotScaleData is a report that is not scale data (another report ID, or short): skipped.
var errNotScaleData = errors.New("not a scale data report")

// ParseHIDReport reads one scale data report.
func ParseHIDReport(rep []byte) (Reading, error) {
	if len(rep) < hidReportLen || rep[0] != hidReportID {
		return Reading{}, fmt.Errorf("%w: % x", errNotScaleData, rep)
	}
	var r Reading
	switch rep[1] {
	case hidFault:
		r.State = Fault
	case hidStableZero:
		r.State = AtZero
	case hidMotion:
		r.State = Motion
	case hidStable:
		r.State = Stable
	case hidUnderZero:
		r.State = UnderZero
	case hidOverLimit:
		r.State = OverCapacity
	case hidNeedsCalibrate, hidNeedsRezero:
		r.State = NeedsZero
	default:
		return Reading{}, fmt.Errorf("%w: scale status %d", errGarbled, rep[1])
	}
	unit, ok := hidUnits[rep[2]]
	if !ok {
		if r.State == Stable {
			return Reading{}, fmt.Errorf("%w: weight unit %d is not one a postal scale uses", errGarbled, rep[2])
		}
		return r, nil
	}
	exp := int(int8(rep[3]))
	if exp < -9 || exp > 9 {
		return Reading{}, fmt.Errorf("%w: exponent %d", errGarbled, exp)
	}
	raw := int64(rep[4]) | int64(rep[5])<<8
	v := new(big.Rat).SetInt64(raw)
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil))
	if exp < 0 {
		v.Quo(v, p)
	} else {
		v.Mul(v, p)
	}
	w, err := toTenths(v, unit)
	if err != nil {
		return Reading{}, fmt.Errorf("%w: %v", errGarbled, err)
	}
	r.Weight, r.Unit, r.Value = w, unit, v.FloatString(max(0, -exp))
	return r, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// HID is a USB HID scale read through its /dev/hidraw node. The scale sends a report whenever its
// reading changes and, on most models, several a second; the driver reads until it has a scale data
// report. Like the serial driver, it reopens the node after any failure.
type HID struct {
	Path    string
	Timeout time.Duration // DefaultTimeout if 0
	Log     *slog.Logger

	health devices.Health
	mu     sync.Mutex
	dev    *os.File
}

// NewHID returns the scale at path, e.g. /dev/hidraw0.
func NewHID(path string) *HID { return &HID{Path: path} }

// Weight weighs the piece on the scale.
func (h *HID) Weight(ctx context.Context) (meter.Weight, error) {
	r, err := h.Read(ctx)
	if err != nil {
		return 0, err
	}
	return r.Result()
}

// Health reads a report and says how the scale is.
func (h *HID) Health(ctx context.Context) meter.DeviceHealth {
	_, _ = h.Read(ctx)
	return h.health.Report()
}

// Read returns the scale's next reading.
func (h *HID) Read(ctx context.Context) (Reading, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.health.Device, h.health.Name = "scale", "hid:"+h.Path
	r, err := h.read(ctx)
	switch {
	case errors.Is(err, meter.ErrScaleGarbled):
		h.health.Note(meter.DeviceAttention, err)
	case err != nil:
		h.health.Note(meter.DeviceMissing, err)
	case r.State == Fault || r.State == NeedsZero:
		_, rerr := r.Result()
		h.health.Note(meter.DeviceAttention, rerr)
	default:
		h.health.Note(meter.DeviceReady, nil)
	}
	return r, err
}

func (h *HID) read(ctx context.Context) (Reading, error) {
	if h.dev == nil {
		f, err := os.OpenFile(h.Path, os.O_RDONLY, 0)
		if err != nil {
			return Reading{}, scaleError(fmt.Errorf("%w: %v", meter.ErrScaleNoAnswer, err))
		}
		h.dev = f
		if h.Log != nil {
			h.Log.Info("scale connected", "path", h.Path)
		}
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// A hidraw node that cannot take deadlines is still read; the scale reports several times a second.
	_ = h.dev.SetReadDeadline(deadline)
	return ReadHIDReports(ctx, h.dev, func(err error) error { return h.drop(err) })
}

// ReadHIDReports reads reports from r until a scale data report, and parses it. A read error goes
// through fail (which turns it into the clerk's error).
func ReadHIDReports(ctx context.Context, r io.Reader, fail func(error) error) (Reading, error) {
	buf := make([]byte, 64) // one read returns one whole report
	for range 16 {
		if err := ctx.Err(); err != nil {
			return Reading{}, err
		}
		n, err := r.Read(buf)
		if err != nil {
			return Reading{}, fail(err)
		}
		reading, err := ParseHIDReport(buf[:n])
		if errors.Is(err, errNotScaleData) {
			continue
		}
		if err != nil {
			return Reading{}, scaleError(fmt.Errorf("%w: %v", meter.ErrScaleGarbled, err))
		}
		return reading, nil
	}
	return Reading{}, scaleError(fmt.Errorf("%w: no scale data report in 16 reports", meter.ErrScaleGarbled))
}

func (h *HID) drop(err error) error {
	if h.dev != nil {
		_ = h.dev.Close()
		h.dev = nil
		if h.Log != nil {
			h.Log.Warn("scale disconnected", "path", h.Path, "err", err)
		}
	}
	return scaleError(fmt.Errorf("%w: %v", meter.ErrScaleNoAnswer, err))
}

// Close closes the device node.
func (h *HID) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dev == nil {
		return nil
	}
	err := h.dev.Close()
	h.dev = nil
	return err
}
