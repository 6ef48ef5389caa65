package meter

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plant puts a prepared result in u's memory as PrepareSignIn would have left it, with a chosen
// answer, so a test can see whether SignIn took it.
func plant(u *Users, name, pin string, match bool, at time.Time) {
	u.mu.RLock()
	rec := u.cfg.Users[u.cfg.find(name)]
	u.mu.RUnlock()
	e := &precheck{id: u.pre.id(rec.Name, pin), hash: rec.PINHash, at: at, done: make(chan struct{}), match: match}
	close(e.done)
	u.pre.mu.Lock()
	u.pre.entries = append(u.pre.entries, e)
	u.pre.mu.Unlock()
}

func TestPreparedSignInIsUsedOnceAndOnlyForTheSameDigits(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})

	// A planted "match" for a wrong PIN shows that SignIn answers from what was prepared …
	plant(f.u, "Bob", "0000", true, f.clock.Now())
	s, err := f.u.SignIn(f.ctx, "bob", "0000")
	require.NoError(t, err, "SignIn must use the prepared check of the same user and digits")
	assert.Equal(t, "Bob", s.User().Name)

	// … once: the next sign-in with those digits hashes them again and is refused.
	_, err = f.u.SignIn(f.ctx, "Bob", "0000")
	assert.ErrorIs(t, err, ErrWrongPIN)

	// Other digits, another user, an old result, a changed PIN: each ignores what was prepared.
	plant(f.u, "Bob", "0000", true, f.clock.Now())
	_, err = f.u.SignIn(f.ctx, "Bob", "0001")
	assert.ErrorIs(t, err, ErrWrongPIN, "prepared digits differ from the ones signed in with")

	plant(f.u, "Ada", "000000", true, f.clock.Now())
	_, err = f.u.SignIn(f.ctx, "Bob", "000000")
	assert.ErrorIs(t, err, ErrWrongPIN, "prepared for another user")

	plant(f.u, "Bob", "0000", true, f.clock.Now())
	f.clock.Advance(precheckMaxAge)
	_, err = f.u.SignIn(f.ctx, "Bob", "0000")
	assert.ErrorIs(t, err, ErrWrongPIN, "prepared too long ago")

	plant(f.u, "Bob", "0000", true, f.clock.Now())
	sup := f.signIn(t, "Ada", usersSupPIN)
	require.NoError(t, f.u.SetPIN(f.ctx, sup, "Bob", "2468"))
	_, err = f.u.SignIn(f.ctx, "Bob", "0000")
	assert.ErrorIs(t, err, ErrWrongPIN, "prepared against the PIN Bob had before")
}

func TestPrepareSignInTellsAndCountsNothing(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	// Far more wrong PINs prepared than the lock allows: none is counted, none locks.
	for range 3 * defaultMaxPINAttempts {
		f.u.PrepareSignIn("Bob", "0000")
	}
	_, locked := f.u.LockedUntil("Bob")
	assert.False(t, locked)

	// A prepared wrong PIN is refused and counted by SignIn like any other.
	f.u.PrepareSignIn("Bob", "0000")
	_, err := f.u.SignIn(f.ctx, "Bob", "0000")
	var wpe *WrongPINError
	require.ErrorAs(t, err, &wpe)
	assert.Equal(t, defaultMaxPINAttempts-1, wpe.AttemptsLeft)

	// The right one prepared signs in.
	f.u.PrepareSignIn("Bob", usersOpPIN)
	f.signIn(t, "Bob", usersOpPIN)
}

func TestPrepareSignInSkipsWhatSignInWouldNotHash(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	count := func() int {
		f.u.pre.mu.Lock()
		defer f.u.pre.mu.Unlock()
		return len(f.u.pre.entries)
	}
	f.u.PrepareSignIn("Ada", "1234") // a supervisor's PIN has at least 6 digits
	f.u.PrepareSignIn("Bob", "12a4")
	f.u.PrepareSignIn("Nobody", "1234")
	assert.Equal(t, 0, count())

	for range defaultMaxPINAttempts {
		_, _ = f.u.SignIn(f.ctx, "Bob", "0000")
	}
	_, locked := f.u.LockedUntil("Bob")
	require.True(t, locked)
	f.u.PrepareSignIn("Bob", usersOpPIN) // locked out: SignIn refuses without a hash
	assert.Equal(t, 0, count())

	f.u.PrepareSignIn("Ada", usersSupPIN)
	assert.Equal(t, 1, count())
	f.u.PrepareSignIn("Ada", usersSupPIN+"7")
	assert.Equal(t, 2, count())
}

// A newer PrepareSignIn waiting behind a running one makes an older waiting one give way, so a
// clerk keying fast costs at most the check in progress and the newest digits'.
func TestPrepareSignInNewestDigitsWin(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	p := f.u.pre
	latest := func() uint64 { p.mu.Lock(); defer p.mu.Unlock(); return p.latest }
	p.run.Lock() // a check in progress
	var wg sync.WaitGroup
	for i, pin := range []string{"1111", usersOpPIN} {
		wg.Add(1)
		go func() { defer wg.Done(); f.u.PrepareSignIn("Bob", pin) }()
		// Each has taken its number and waits for the check in progress.
		require.Eventually(t, func() bool { return latest() == uint64(i+1) }, 5*time.Second, time.Millisecond)
	}
	p.run.Unlock()
	wg.Wait()
	require.Len(t, p.entries, 1, "only the newest digits are checked")
	want := p.id("Bob", usersOpPIN)
	assert.Equal(t, want, p.entries[0].id)
	f.signIn(t, "Bob", usersOpPIN)
}
