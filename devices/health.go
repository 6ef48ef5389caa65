package devices

import (
	"sync"
	"time"

	"postmeter/meter"
)

// Health keeps what a driver last saw of its device, for meter.DeviceHealth: its state now and the
// last failure, which stays after the device recovered.
type Health struct {
	Device, Name string

	mu      sync.Mutex
	state   meter.DeviceState
	problem error
	lastErr error
	lastAt  time.Time
}

// Note records the device's state after an exchange with it; problem is nil when it is ready.
func (h *Health) Note(state meter.DeviceState, problem error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state, h.problem = state, problem
	if problem != nil {
		h.lastErr, h.lastAt = problem, time.Now()
	}
}

// Report is the health as the meter reads it.
func (h *Health) Report() meter.DeviceHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	return meter.DeviceHealth{Device: h.Device, Name: h.Name, State: h.state, Problem: h.problem,
		LastError: h.lastErr, LastErrorAt: h.lastAt}
}
