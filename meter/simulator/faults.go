package simulator

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// DCMode is how the embedded Data Center behaves, as the trainer sets it.
type DCMode int

// Data Center modes.
const (
	DCNormal       DCMode = iota
	DCSlow                // answers after Faults.Delay
	DCDown                // refuses every request (503)
	DCDropResponse        // processes the request, commits, then loses the answer
)

// Faults is the trainer's switch in front of the embedded Data Center.
type Faults struct {
	mu      sync.Mutex
	mode    DCMode
	delay   time.Duration
	held    chan struct{} // closed on Release; nil when not holding
	waiting chan struct{} // receives once per request that arrives while held
}

// Hold makes every request wait at the Data Center's door until Release (or until the meter gives up
// on it): a test can then act while a refill is in flight. Waiting tells when a request is waiting.
func (f *Faults) Hold() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held = make(chan struct{})
	f.waiting = make(chan struct{}, 16)
}

// Waiting receives once for each request held at the door.
func (f *Faults) Waiting() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiting
}

// Release lets held requests in and stops holding.
func (f *Faults) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held != nil {
		close(f.held)
		f.held = nil
	}
}

func (f *Faults) gate() (held <-chan struct{}, waiting chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held, f.waiting
}

// Set changes the mode; delay applies to DCSlow.
func (f *Faults) Set(mode DCMode, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.delay = mode, delay
}

// Mode returns the current mode.
func (f *Faults) Mode() (DCMode, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mode, f.delay
}

// Wrap puts the switch in front of h.
func (f *Faults) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if held, waiting := f.gate(); held != nil {
			select {
			case waiting <- struct{}{}:
			default:
			}
			select {
			case <-held:
			case <-r.Context().Done():
				return // the meter gave up on this request before the Data Center saw it
			}
		}
		mode, delay := f.Mode()
		switch mode {
		case DCDown:
			http.Error(w, `{"error":{"code":"internal","message":"the Data Center is down (trainer)"}}`, http.StatusServiceUnavailable)
			return
		case DCSlow:
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			}
		case DCDropResponse:
			// The Data Center does its work and commits; the answer never reaches the meter.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			http.Error(w, "", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	})
}
