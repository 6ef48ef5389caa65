package meter

import (
	"sync"
	"time"
)

// Clock tells the time. The meter never calls time.Now itself, so tests and the trainer can move time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// SimClock is a clock that can be moved forward: the trainer uses it to reach the inspection warning,
// tests use it with a fixed base.
type SimClock struct {
	mu     sync.Mutex
	base   func() time.Time
	offset time.Duration
}

// NewSimClock returns a clock running from base (time.Now if nil) plus whatever Advance adds.
func NewSimClock(base func() time.Time) *SimClock {
	if base == nil {
		base = time.Now
	}
	return &SimClock{base: base}
}

// FixedClock returns a SimClock that stands still at t until advanced.
func FixedClock(t time.Time) *SimClock {
	return NewSimClock(func() time.Time { return t })
}

// Fresh returns a clock on the same base with no offset: time as it was before any Advance.
func (c *SimClock) Fresh() *SimClock { return NewSimClock(c.base) }

// Now returns the base time plus the offset.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

// Advance moves the clock forward by d (never back: time on a meter does not run backwards).
func (c *SimClock) Advance(d time.Duration) {
	if d < 0 {
		panic("meter: SimClock.Advance with a negative duration")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Offset is how far the clock has been moved.
func (c *SimClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}
