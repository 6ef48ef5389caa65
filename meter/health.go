package meter

import (
	"context"
	"time"
)

// DeviceState is how a device is, in three words a clerk can act on.
type DeviceState int

// Device states.
const (
	DeviceReady     DeviceState = iota // answers and can work
	DeviceAttention                    // answers, but needs the clerk (a jam, no paper, a scale fault)
	DeviceMissing                      // does not answer: unplugged, switched off, or gone from the network
)

// DeviceHealth is a device's state for the status bar and Settings → Devices.
type DeviceHealth struct {
	Device string // "print engine", "attached printer", "scale"
	Name   string // how the configuration names it: "serial:/dev/ttyUSB0", "ipp://host/printers/Label"
	State  DeviceState
	// Problem is what the device reports now, nil when it is ready; LastError the last failure seen,
	// which stays after the device recovered, with its time.
	Problem     error
	LastError   error
	LastErrorAt time.Time
}

// HealthReporter is a device that can say how it is. Health may talk to the device, so it is called
// off the UI goroutine, bounded by ctx.
type HealthReporter interface {
	Health(ctx context.Context) DeviceHealth
}

// Devices reports every device of the meter, in the order print engine, attached printer, scale.
// Devices that cannot report on themselves are judged by what the core sees of them.
func (m *Meter) Devices(ctx context.Context) []DeviceHealth {
	var out []DeviceHealth
	if r, ok := m.cfg.Engine.(HealthReporter); ok {
		out = append(out, r.Health(ctx))
	} else {
		h := DeviceHealth{Device: "print engine", Name: "print engine"}
		st := m.cfg.Engine.Status()
		if err := EngineReady(st, MediumTape); st.Jammed || st.Ink == InkOut {
			h.State, h.Problem = DeviceAttention, err
		}
		out = append(out, h)
	}
	if m.cfg.Printer != nil {
		if r, ok := m.cfg.Printer.(HealthReporter); ok {
			out = append(out, r.Health(ctx))
		} else {
			out = append(out, DeviceHealth{Device: "attached printer", Name: m.cfg.Printer.Name()})
		}
	}
	if m.cfg.Scale != nil {
		if r, ok := m.cfg.Scale.(HealthReporter); ok {
			out = append(out, r.Health(ctx))
		} else {
			out = append(out, DeviceHealth{Device: "scale", Name: "scale"})
		}
	}
	return out
}

// engineStatus reads the engine's sensors, now if it reads them over a connection.
func (m *Meter) engineStatus(ctx context.Context) EngineStatus {
	if c, ok := m.cfg.Engine.(EngineChecker); ok {
		return c.Check(ctx)
	}
	return m.cfg.Engine.Status()
}
