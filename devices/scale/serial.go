package scale

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"postmeter/devices"
	"postmeter/meter"
)

// Serial is a scale on a serial line speaking NCI. Polled, it asks W for each weighing; continuous,
// it reads the weight lines the scale sends by itself. It opens the device at the first weighing and
// after any failure, so a scale unplugged and plugged in again is used again without a restart.
type Serial struct {
	Path       string
	Baud       int        // 9600 if 0
	Format     LineFormat // 8N1 if zero
	Continuous bool       // the scale streams its readings
	Timeout    time.Duration
	Log        *slog.Logger

	health devices.Health
	mu     sync.Mutex
	port   *os.File
}

// NewSerial returns a polled 9600 8N1 scale on path.
func NewSerial(path string) *Serial {
	s := &Serial{Path: path, Baud: 9600, Format: LineFormat{8, 'N', 1}}
	return s
}

// DefaultTimeout bounds one answer: NCI scales answer within tens of milliseconds, and a streaming
// scale sends several lines a second.
const DefaultTimeout = 1500 * time.Millisecond

func (s *Serial) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Weight weighs the piece on the scale.
func (s *Serial) Weight(ctx context.Context) (meter.Weight, error) {
	r, err := s.Read(ctx)
	if err != nil {
		return 0, err
	}
	return r.Result()
}

// Read returns the scale's reading as it is, whatever its state.
func (s *Serial) Read(ctx context.Context) (Reading, error) {
	if s.Continuous {
		return s.exchange(ctx, nil, true)
	}
	return s.exchange(ctx, cmdWeight, true)
}

// Zero zeroes the scale (Z) and returns its status after.
func (s *Serial) Zero(ctx context.Context) (Reading, error) { return s.exchange(ctx, cmdZero, false) }

// Health asks the scale for its status (S), or reads a line of a streaming scale.
func (s *Serial) Health(ctx context.Context) meter.DeviceHealth {
	cmd := cmdStatus
	if s.Continuous {
		cmd = nil
	}
	_, _ = s.exchange(ctx, cmd, s.Continuous)
	return s.health.Report()
}

// exchange sends cmd (nothing for a streaming scale) and reads the answer; wantWeight skips
// status-only frames of a streaming scale.
func (s *Serial) exchange(ctx context.Context, cmd []byte, wantWeight bool) (Reading, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.health.Device, s.health.Name = "scale", "serial:"+s.Path
	r, err := s.exchangeLocked(ctx, cmd, wantWeight)
	switch {
	case err != nil:
		var state meter.DeviceState = meter.DeviceMissing
		if errors.Is(err, meter.ErrScaleGarbled) {
			state = meter.DeviceAttention
		}
		s.health.Note(state, err)
	case r.State == Fault || r.State == NeedsZero:
		_, rerr := r.Result()
		s.health.Note(meter.DeviceAttention, rerr)
	default:
		s.health.Note(meter.DeviceReady, nil)
	}
	return r, err
}

func (s *Serial) exchangeLocked(ctx context.Context, cmd []byte, wantWeight bool) (Reading, error) {
	if s.port == nil {
		format := s.Format
		if format.DataBits == 0 {
			format = LineFormat{8, 'N', 1}
		}
		baud := s.Baud
		if baud == 0 {
			baud = 9600
		}
		p, err := openPort(s.Path, baud, format)
		if err != nil {
			return Reading{}, scaleError(fmt.Errorf("%w: %v", meter.ErrScaleNoAnswer, err))
		}
		s.port = p
		s.log().Info("scale connected", "path", s.Path, "baud", baud, "format", format.String(), "continuous", s.Continuous)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := flushInput(s.port); err != nil {
		return Reading{}, s.drop(err)
	}
	if cmd != nil {
		if err := s.port.SetWriteDeadline(deadline); err != nil {
			return Reading{}, s.drop(err)
		}
		if _, err := s.port.Write(cmd); err != nil {
			return Reading{}, s.drop(err)
		}
	}
	if err := s.port.SetReadDeadline(deadline); err != nil {
		return Reading{}, s.drop(err)
	}
	var noise []byte
	for {
		frame, err := s.readFrame(ctx)
		noise = append(noise, frame...)
		if err != nil {
			if len(noise) > 0 && !gone(err) {
				// Bytes came but never an answer: a wrong baud rate or line format, or a wrong protocol.
				return Reading{}, scaleError(fmt.Errorf("%w: %q", meter.ErrScaleGarbled, noise))
			}
			return Reading{}, s.drop(err)
		}
		r, perr := ParseNCI(frame)
		if perr == nil && (!wantWeight || cmd != nil || r.Value != "") {
			return r, nil
		}
		if cmd != nil {
			return Reading{}, scaleError(fmt.Errorf("%w: %v", meter.ErrScaleGarbled, perr))
		}
		// A streaming scale: the first frame may have been cut by the flush; read the next.
	}
}

// readFrame reads up to and including an ETX.
func (s *Serial) readFrame(ctx context.Context) ([]byte, error) {
	var frame []byte
	buf := make([]byte, 1)
	for len(frame) < maxFrame {
		if err := ctx.Err(); err != nil {
			return frame, err
		}
		n, err := s.port.Read(buf)
		if err != nil {
			return frame, err
		}
		if n == 1 {
			frame = append(frame, buf[0])
			if buf[0] == etx {
				return frame, nil
			}
		}
	}
	return frame, fmt.Errorf("%w: no ETX in %d bytes", errGarbled, maxFrame)
}

// drop closes the port after a failure, so the next weighing opens the device again, and returns the
// clerk's error: the scale does not answer.
func (s *Serial) drop(err error) error {
	if s.port != nil {
		_ = s.port.Close()
		s.port = nil
		s.log().Warn("scale disconnected", "path", s.Path, "err", err)
	}
	if errors.Is(err, errGarbled) {
		return scaleError(fmt.Errorf("%w: %v", meter.ErrScaleGarbled, err))
	}
	return scaleError(fmt.Errorf("%w: %v", meter.ErrScaleNoAnswer, err))
}

// Close closes the device.
func (s *Serial) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == nil {
		return nil
	}
	err := s.port.Close()
	s.port = nil
	return err
}
