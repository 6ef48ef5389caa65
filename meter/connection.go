package meter

import (
	"context"
	"errors"
	"time"

	"postmeter/funds"
)

// LinkStatus is the network link as the meter sees it without sending anything.
type LinkStatus interface{ Up() bool }

// ConnState is the live state of the meter's connection, for the status bar.
type ConnState int

// Connection states.
const (
	ConnUnknown   ConnState = iota // nothing tried since start-up, or since the link came back
	ConnOnline                     // the last request got an answer
	ConnNoNetwork                  // the network link is down
	ConnNoAnswer                   // the link is up (or unknown) but the last request got no answer
)

// ConnectionStatus is what the status bar shows: the state and its words.
type ConnectionStatus struct {
	State ConnState
	Text  string
	At    time.Time // when the last request's outcome was known; zero if none
}

// ConnectionStatus combines the link (when the meter can see it) with the last request's outcome. It
// sends nothing: it is cheap enough to read on every screen change and on a ticker.
func (m *Meter) ConnectionStatus() ConnectionStatus {
	c := m.Connection()
	linkUp := m.cfg.Link == nil || m.cfg.Link.Up()
	switch {
	case !linkUp:
		return ConnectionStatus{State: ConnNoNetwork, Text: Words(MsgConnNoNetwork), At: c.At}
	case !c.Known || !c.OK && c.LinkDown:
		return ConnectionStatus{State: ConnUnknown, Text: Words(MsgConnReady), At: c.At}
	case c.OK:
		return ConnectionStatus{State: ConnOnline, Text: Words(MsgConnOnline), At: c.At}
	}
	return ConnectionStatus{State: ConnNoAnswer, Text: Words(MsgConnNoAnswer), At: c.At}
}

// ProbeInterval is how often Probe contacts the Data Center at most while something is owed to it.
const ProbeInterval = 15 * time.Second

// Probe keeps the connection state current while the clerk waits: it reads the link, contacts the Data
// Center when the contact profile says it is due (ContactIfDue) and, when refills are owed to the Data Center (a post after an applied refill, a void after a cancelled one) and the
// link is up, tries to settle them at most every ProbeInterval. A requested refill is left alone: it is
// the clerk's to try again or cancel. It never blocks for longer than ctx allows.
func (m *Meter) Probe(ctx context.Context) ConnectionStatus {
	st := m.ConnectionStatus()
	if st.State == ConnNoNetwork {
		return st
	}
	m.mu.Lock()
	due := m.probeAt.IsZero() || m.Now().Sub(m.probeAt) >= ProbeInterval || m.Now().Before(m.probeAt)
	if due {
		m.probeAt = m.Now()
	}
	m.mu.Unlock()
	if !due {
		return st
	}
	// The contact clock: a connected meter contacts the Data Center on its own before it would warn.
	if _, err := m.ContactIfDue(ctx); err != nil && !errors.Is(err, funds.ErrNoConnection) {
		m.log.Warn("contact when due", "err", err)
	}
	owed, err := m.owedRefills(ctx)
	if err != nil || owed == 0 {
		return st
	}
	if err := m.refiller.SettleOwed(ctx); err == nil {
		m.markConnected()
	} else {
		m.noteFailure(err)
		if !errors.Is(err, funds.ErrNoConnection) {
			m.log.Warn("settle owed refills", "err", err)
		}
	}
	return m.ConnectionStatus()
}

// owedRefills counts the refills whose post or void the Data Center has not had yet.
func (m *Meter) owedRefills(ctx context.Context) (int, error) {
	open, err := m.cfg.Vault.OpenRefills(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range open {
		if r.State == funds.RefillApplied || r.State == funds.RefillAbandoned {
			n++
		}
	}
	return n, nil
}
