package sim

import (
	"context"
	"fmt"

	"postmeter/meter"
)

// The trainer can unplug each device: the engine goes offline, the printer and the scale stop
// answering, exactly as the real drivers report it, and each says so on Settings → Devices and, while
// unplugged, on the status bar.

// unplugged is the error of a device the trainer unplugged, as its real driver reports it.
func unplugged(device string) error {
	switch device {
	case "scale":
		return &meter.DeviceError{Device: device, Err: fmt.Errorf("%w: unplugged by the trainer", meter.ErrScaleNoAnswer),
			Do: "Check the scale's power and cable."}
	default:
		return &meter.DeviceError{Device: device, Err: fmt.Errorf("%w: unplugged by the trainer", meter.ErrPrinterUnreachable),
			Do: "Check that the printer is on and connected."}
	}
}

// Health reports the engine's sensors.
func (e *Engine) Health(context.Context) meter.DeviceHealth {
	e.mu.Lock()
	defer e.mu.Unlock()
	h := meter.DeviceHealth{Device: "print engine", Name: "simulated print engine"}
	st := e.status
	if err := meter.EngineReady(st, meter.MediumEnvelope); err != nil && (st.Offline || st.Jammed || st.Ink == meter.InkOut || st.Stopped) {
		h.State, h.Problem = meter.DeviceAttention, err
		if st.Offline {
			h.State = meter.DeviceMissing
		}
	}
	h.LastError, h.LastErrorAt = e.lastErr, e.lastAt
	return h
}

// SetUnplugged unplugs the printer or plugs it in again.
func (p *Printer) SetUnplugged(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unplugged = on
}

// Unplugged reports whether the trainer unplugged the printer.
func (p *Printer) Unplugged() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unplugged
}

// Health reports the printer.
func (p *Printer) Health(context.Context) meter.DeviceHealth {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := meter.DeviceHealth{Device: "attached printer", Name: p.name}
	switch {
	case p.unplugged:
		h.State, h.Problem = meter.DeviceMissing, unplugged("attached printer")
	case p.stopped:
		h.State = meter.DeviceAttention
		h.Problem = &meter.DeviceError{Device: "attached printer", Err: meter.ErrPrinterStopped, Do: "Check the printer."}
	}
	return h
}

// SetUnplugged unplugs the scale or plugs it in again.
func (s *Scale) SetUnplugged(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplugged = on
}

// Unplugged reports whether the trainer unplugged the scale.
func (s *Scale) Unplugged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unplugged
}

// Health reports the scale.
func (s *Scale) Health(context.Context) meter.DeviceHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := meter.DeviceHealth{Device: "scale", Name: "simulated scale"}
	if s.unplugged {
		h.State, h.Problem = meter.DeviceMissing, unplugged("scale")
	}
	return h
}
