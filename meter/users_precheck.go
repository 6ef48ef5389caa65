package meter

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"runtime/debug"
	"sync"
	"time"
)

// A PIN's hash costs tens of milliseconds on purpose (argon2id), and a clerk waits for it after
// tapping Sign in. The clerk also pauses between keys, so the screen asks the core to check the
// digits keyed so far while the clerk is still at the keypad (PrepareSignIn): the result is kept,
// unseen, and SignIn uses it when the same user signs in with the same digits. Nothing about the
// rules changes: the answer is given, and a wrong PIN counted, only by SignIn.

// precheckMaxAge is how long a prepared result stays usable: long enough for a clerk to reach Sign in,
// short enough that no result of a forgotten keypad lingers.
const precheckMaxAge = 2 * time.Minute

// precheckKeep is how many prepared results are kept: a PIN of up to MaxPINLength digits keyed past
// the shortest allowed length prepares a few in a row.
const precheckKeep = 4

// precheck is one prepared PIN check. The PIN itself is never kept: id is a keyed hash of the user's
// name and the PIN, under a key made at random for this process.
type precheck struct {
	id    [sha256.Size]byte
	hash  string    // the stored PIN hash it was checked against; a changed PIN makes it useless
	at    time.Time // when it was started, by the users' clock
	done  chan struct{}
	match bool  // set before done is closed
	err   error // likewise
}

// prechecks holds the prepared results; the zero value is not usable (see newPrechecks).
type prechecks struct {
	key []byte
	run sync.Mutex // one argon2id at a time: a kiosk has few cores, and the newest digits matter most

	mu      sync.Mutex
	latest  uint64 // the newest PrepareSignIn's number; an older one still waiting gives way
	entries []*precheck
}

func newPrechecks() *prechecks {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("meter: no randomness for the PIN precheck key: " + err.Error())
	}
	return &prechecks{key: key}
}

func (p *prechecks) id(name, pin string) (id [sha256.Size]byte) {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(name))
	mac.Write([]byte{0})
	mac.Write([]byte(pin))
	copy(id[:], mac.Sum(nil))
	return id
}

// PrepareSignIn checks name's PIN against pin ahead of a sign-in, so that SignIn with the same name
// and PIN soon after answers at once. It tells nothing and counts nothing; SignIn does both. It
// takes as long as the PIN's hash, so call it off the UI goroutine; a newer call while this one
// waits for an earlier one makes this one return without checking.
func (u *Users) PrepareSignIn(name, pin string) {
	if ValidatePIN(pin) != nil {
		return
	}
	u.mu.RLock()
	i := u.cfg.find(name)
	var hash string
	short, locked := true, false
	if u.cfg.Enabled && i >= 0 {
		rec := u.cfg.Users[i]
		name = rec.Name // as SignIn names it
		hash, short = rec.PINHash, len(pin) < MinPINLengthFor(rec.Role)
		locked = u.now().Before(rec.LockedUntil)
	}
	u.mu.RUnlock()
	if hash == "" || short || locked {
		return // nothing SignIn would hash, or a refusal that needs no hash
	}

	p := u.pre
	p.mu.Lock()
	p.latest++
	mine := p.latest
	p.mu.Unlock()

	p.run.Lock()
	defer p.run.Unlock()
	p.mu.Lock()
	if mine != p.latest {
		p.mu.Unlock()
		return // the clerk has keyed another digit since
	}
	e := &precheck{id: p.id(name, pin), hash: hash, at: u.now(), done: make(chan struct{})}
	p.entries = append(p.entries, e)
	if len(p.entries) > precheckKeep {
		p.entries = p.entries[len(p.entries)-precheckKeep:]
	}
	p.mu.Unlock()

	e.match, e.err = verifyPIN(pin, hash, u.pepper)
	close(e.done)
	// The hash's block (7 MiB) is needed only for that moment; a meter has little memory, so it goes
	// back to the system now, while the clerk is still at the keypad, not at some later collection.
	debug.FreeOSMemory()
}

// take returns the prepared check of name and pin against hash, waiting for it if it is still being
// made; ok is false when there is none (or ctx ends first), and the caller checks the PIN itself.
// Every prepared result is forgotten: one sign-in uses at most one, and the others were for digits
// the clerk did not choose.
func (p *prechecks) take(ctx context.Context, name, pin, hash string, now time.Time) (match bool, err error, ok bool) {
	id := p.id(name, pin)
	p.mu.Lock()
	var found *precheck
	for _, e := range p.entries {
		if hmac.Equal(e.id[:], id[:]) && e.hash == hash && now.Sub(e.at) < precheckMaxAge && !now.Before(e.at) {
			found = e
		}
	}
	p.entries = nil
	p.mu.Unlock()
	if found == nil {
		return false, nil, false
	}
	select {
	case <-found.done:
		return found.match, found.err, true
	case <-ctx.Done():
		return false, nil, false
	}
}
