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
	mu    sync.Mutex
	mode  DCMode
	delay time.Duration
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
