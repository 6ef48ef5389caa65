package meter

import (
	"context"
	"time"

	"postmeter/printer/when"
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
		st := m.engineStatus(ctx)
		if err := EngineReady(st, MediumTape); st.Offline || st.Jammed || st.Ink == InkOut || st.Stopped {
			h.State, h.Problem = DeviceAttention, err
			if st.Offline {
				h.State = DeviceMissing
			}
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

// DeviceLabel is a device's name at the start of a line: "Scale", "Print engine".
func DeviceLabel(device string) string {
	switch device {
	case "print engine":
		return Words(MsgDeviceEngine)
	case "attached printer":
		return Words(MsgDevicePrinter)
	case "scale":
		return Words(MsgDeviceScale)
	}
	return capitalize(device)
}

// StateText is the device's state in a few words.
func (h DeviceHealth) StateText() string {
	switch h.State {
	case DeviceAttention:
		return Words(MsgDeviceAttention)
	case DeviceMissing:
		return Words(MsgDeviceMissing)
	}
	return Words(MsgDeviceReady)
}

// ProblemText is what the device reports now and what to do, "" when it is ready.
func (h DeviceHealth) ProblemText() string {
	if h.Problem == nil {
		return ""
	}
	return deviceText(h.Problem)
}

// ShowLastError tells whether the last failure says more than the problem now: there was one, and it
// is not the problem the device reports now.
func (h DeviceHealth) ShowLastError() bool {
	return h.LastError != nil && (h.Problem == nil || deviceText(h.LastError) != deviceText(h.Problem))
}

// LastErrorText is the last failure seen and when, or that there was none since start-up.
func (h DeviceHealth) LastErrorText() string {
	if h.LastError == nil {
		return Words(MsgDeviceNoError)
	}
	return Words(MsgDeviceLastError, when.DateTime(h.LastErrorAt), deviceText(h.LastError))
}

// BarText is what the status bar says of a device that stopped answering, "" for any other state.
func (h DeviceHealth) BarText() string {
	if h.State != DeviceMissing {
		return ""
	}
	return Words(MsgDeviceBar, DeviceLabel(h.Device))
}
