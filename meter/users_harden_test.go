package meter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	testPepper  = bytes.Repeat([]byte{0x5a}, PepperLength)
	otherPepper = bytes.Repeat([]byte{0xa5}, PepperLength)
)

// storedUserRecord reads one user's record as it is in the settings store.
func storedUserRecord(t *testing.T, f *usersFixture, name string) storedUser {
	t.Helper()
	var cfg usersConfig
	require.NoError(t, json.Unmarshal([]byte(f.store.raw(usersSettingKey)), &cfg))
	i := cfg.find(name)
	require.GreaterOrEqual(t, i, 0, "user %s stored", name)
	return cfg.Users[i]
}

// TestPepperedHashCannotBeVerifiedWithoutThePepper is the offline attack: a hash copied out of the
// settings, searched over every 4-digit PIN without the pepper (the marker stripped, so the bare PIN is
// hashed) or with a wrong pepper, finds nothing; only the meter's pepper verifies it.
func TestPepperedHashCannotBeVerifiedWithoutThePepper(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{Pepper: testPepper})
	h := storedUserRecord(t, f, "Bob").PINHash
	require.True(t, pinHashPeppered(h), h)
	assert.Contains(t, h, ",pepper=hmac-sha256$", "the hash records that it is peppered")

	ok, err := verifyPIN(usersOpPIN, h, testPepper)
	require.NoError(t, err)
	require.True(t, ok, "the meter's pepper verifies the right PIN")

	ok, err = verifyPIN(usersOpPIN, h, nil)
	assert.ErrorIs(t, err, ErrNoPepper)
	assert.False(t, ok, "the right PIN without the pepper")

	stripped := strings.Replace(h, ",pepper=hmac-sha256", "", 1)
	require.False(t, pinHashPeppered(stripped))
	for n := range 10000 {
		pin := fmt.Sprintf("%04d", n)
		ok, err := verifyPIN(pin, stripped, nil)
		require.NoError(t, err)
		require.False(t, ok, "PIN %s found without the pepper", pin)
		ok, err = verifyPIN(pin, h, otherPepper)
		require.NoError(t, err)
		require.False(t, ok, "PIN %s found with a wrong pepper", pin)
	}

	// A meter opened without its pepper signs nobody in, and does not count it as a wrong PIN.
	f.opts.Pepper = nil
	u := f.reopen(t)
	_, err = u.SignIn(f.ctx, "Bob", usersOpPIN)
	assert.ErrorIs(t, err, ErrNoPepper)
	assert.Equal(t, "The meter cannot check PINs because its device key is missing. Call for service.", Explain(err).Text)
	assert.Zero(t, storedUserRecord(t, f, "Bob").FailedPINs)

	// A pepper of the wrong size is refused.
	_, err = OpenUsers(f.ctx, f.store, UsersOptions{Pepper: []byte("short")})
	assert.ErrorContains(t, err, "pepper")
}

// TestUnpepperedHashIsHashedAgainWithThePepper: a meter that gets its pepper later still signs its
// users in with their old hashes, and re-hashes each one peppered at its next sign-in.
func TestUnpepperedHashIsHashedAgainWithThePepper(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	old := storedUserRecord(t, f, "Bob").PINHash
	require.False(t, pinHashPeppered(old))

	f.opts.Pepper = testPepper
	u := f.reopen(t)
	_, err := u.SignIn(f.ctx, "Bob", "0000")
	require.ErrorIs(t, err, ErrWrongPIN, "an old hash is checked with the bare PIN: a wrong one is wrong")
	_, err = u.SignIn(f.ctx, "Bob", usersOpPIN)
	require.NoError(t, err)
	now := storedUserRecord(t, f, "Bob").PINHash
	assert.NotEqual(t, old, now)
	assert.True(t, pinHashPeppered(now), now)
	assert.False(t, pinHashPeppered(storedUserRecord(t, f, "Ada").PINHash), "Ada has not signed in yet")

	// From now on Bob's PIN needs the pepper.
	f.opts.Pepper = nil
	_, err = f.reopen(t).SignIn(f.ctx, "Bob", usersOpPIN)
	assert.ErrorIs(t, err, ErrNoPepper)
	f.opts.Pepper = otherPepper
	_, err = f.reopen(t).SignIn(f.ctx, "Bob", usersOpPIN)
	assert.ErrorIs(t, err, ErrWrongPIN)
	f.opts.Pepper = testPepper
	_, err = f.reopen(t).SignIn(f.ctx, "Bob", usersOpPIN)
	assert.NoError(t, err)
}

// TestLockoutEscalates plays one user's wrong PINs through locks, expiries, restarts, a successful
// sign-in and a supervisor's Unlock. Each row is one sign-in attempt by Bob after the row's clock
// advance (and restart or unlock).
func TestLockoutEscalates(t *testing.T) {
	const wrong = "0000"
	steps := []struct {
		name     string
		advance  time.Duration
		restart  bool // open Users again from the store before the attempt
		unlock   bool // Ada clears Bob's lock before the attempt
		pin      string
		left     int           // want *WrongPINError with this many attempts left
		lockFor  time.Duration // want *LockedOutError until now+lockFor
		level    int           // and at this level
		stillFor time.Duration // want *LockedOutError until now+stillFor (refused while locked, not counted)
	}{
		{name: "attempt 1", pin: wrong, left: 4},
		{name: "attempt 2", pin: wrong, left: 3},
		{name: "attempt 3", pin: wrong, left: 2},
		{name: "attempt 4", pin: wrong, left: 1},
		{name: "attempt 5 locks 1 minute", pin: wrong, lockFor: time.Minute, level: 1},
		{name: "the right PIN while locked", advance: 30 * time.Second, pin: usersOpPIN, stillFor: 30 * time.Second},
		{name: "attempt 6 after expiry locks 2 minutes", advance: 30 * time.Second, pin: wrong, lockFor: 2 * time.Minute, level: 2},
		{name: "a restart keeps the lock", restart: true, advance: time.Minute, pin: usersOpPIN, stillFor: time.Minute},
		{name: "a restart keeps the level: 4 minutes", restart: true, advance: time.Minute, pin: wrong, lockFor: 4 * time.Minute, level: 3},
		{name: "8 minutes", advance: 4 * time.Minute, pin: wrong, lockFor: 8 * time.Minute, level: 4},
		{name: "16 minutes", advance: 8 * time.Minute, pin: wrong, lockFor: 16 * time.Minute, level: 5},
		{name: "32 minutes", advance: 16 * time.Minute, pin: wrong, lockFor: 32 * time.Minute, level: 6},
		{name: "the cap: 1 hour", advance: 32 * time.Minute, pin: wrong, lockFor: time.Hour, level: 7},
		{name: "past the cap: still 1 hour", advance: time.Hour, pin: wrong, lockFor: time.Hour, level: 8},
		{name: "a supervisor's unlock lets the right PIN in at once", unlock: true, pin: usersOpPIN},
		{name: "after the sign-in, 5 attempts again: 1", pin: wrong, left: 4},
		{name: "2", pin: wrong, left: 3},
		{name: "3", pin: wrong, left: 2},
		{name: "4", pin: wrong, left: 1},
		{name: "5 locks 1 minute again", pin: wrong, lockFor: time.Minute, level: 1},
		{name: "6 after expiry: 2 minutes", advance: time.Minute, pin: wrong, lockFor: 2 * time.Minute, level: 2},
		{name: "unlock resets the escalation", unlock: true, pin: wrong, left: 4},
		{name: "", pin: wrong, left: 3},
		{name: "", pin: wrong, left: 2},
		{name: "", pin: wrong, left: 1},
		{name: "the next lock is the first again", pin: wrong, lockFor: time.Minute, level: 1},
		{name: "the right PIN after expiry signs in", advance: time.Minute, pin: usersOpPIN},
		{name: "and resets the count", pin: wrong, left: 4},
	}
	f := newSeededUsers(t, UsersOptions{})
	u := f.u
	for i, st := range steps {
		f.clock.Advance(st.advance)
		if st.restart {
			u = f.reopen(t)
		}
		if st.unlock {
			ada, err := u.SignIn(f.ctx, "Ada", usersSupPIN)
			require.NoError(t, err)
			require.NoError(t, u.Unlock(f.ctx, ada, "Bob"), "step %d %s", i+1, st.name)
			_, locked := u.LockedUntil("Bob")
			require.False(t, locked)
		}
		now := f.clock.Now()
		s, err := u.SignIn(f.ctx, "Bob", st.pin)
		var wpe *WrongPINError
		var loe *LockedOutError
		switch {
		case st.left > 0:
			require.ErrorAs(t, err, &wpe, "step %d %s", i+1, st.name)
			assert.Equal(t, st.left, wpe.AttemptsLeft, "step %d %s", i+1, st.name)
		case st.lockFor > 0:
			require.ErrorAs(t, err, &loe, "step %d %s", i+1, st.name)
			assert.Equal(t, now.Add(st.lockFor), loe.Until, "step %d %s", i+1, st.name)
			assert.Equal(t, st.level, loe.Level, "step %d %s", i+1, st.name)
			rec := storedUserRecord(t, f, "Bob")
			assert.Equal(t, st.level, rec.LockLevel, "step %d %s: the level is stored", i+1, st.name)
			assert.Equal(t, loe.Until, rec.LockedUntil.In(time.UTC), "step %d %s: the lock is stored", i+1, st.name)
		case st.stillFor > 0:
			require.ErrorAs(t, err, &loe, "step %d %s", i+1, st.name)
			assert.Equal(t, now.Add(st.stillFor), loe.Until, "step %d %s", i+1, st.name)
		default:
			require.NoError(t, err, "step %d %s", i+1, st.name)
			assert.Equal(t, "Bob", s.User().Name)
		}
	}
}

// TestUnlockIsCheckedByTheCore: only a user with the right to manage users clears a lock; a
// supervisor clears an operator's; the locked user cannot.
func TestUnlockIsCheckedByTheCore(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	ada := f.signIn(t, "Ada", usersSupPIN)
	require.NoError(t, f.u.AddUser(f.ctx, ada, NewUser{Name: "Dee", Role: RoleOperator, PIN: "4444"}))
	bob := f.signIn(t, "Bob", usersOpPIN)
	for range 5 {
		_, err := f.u.SignIn(f.ctx, "Dee", "0000")
		require.Error(t, err)
	}
	_, locked := f.u.LockedUntil("Dee")
	require.True(t, locked)

	assert.ErrorIs(t, f.u.Unlock(f.ctx, bob, "Dee"), ErrNoRights, "an operator without the right")
	assert.ErrorIs(t, f.u.Unlock(f.ctx, nil, "Dee"), ErrNotSignedIn)
	assert.ErrorIs(t, f.u.Unlock(f.ctx, f.u.Anonymous(), "Dee"), ErrNotSignedIn)
	assert.ErrorIs(t, f.u.Unlock(f.ctx, bob, "Ada"), ErrNoRights, "an operator cannot clear anyone's lock")
	_, locked = f.u.LockedUntil("Dee")
	assert.True(t, locked)

	assert.ErrorIs(t, f.u.Unlock(f.ctx, ada, "Nobody"), ErrUnknownUser)
	require.NoError(t, f.u.Unlock(f.ctx, ada, "Dee"))
	_, locked = f.u.LockedUntil("Dee")
	assert.False(t, locked)
	assert.Zero(t, storedUserRecord(t, f, "Dee").LockLevel)
	assert.Equal(t, "Ada", f.store.writes[len(f.store.writes)-1].actor)
	f.signIn(t, "Dee", "4444")
}

func TestSupervisorPINsHaveSixDigits(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	ada := f.signIn(t, "Ada", usersSupPIN)
	tests := []struct {
		name string
		act  func() error
		want error
	}{
		{"add a supervisor with 5 digits", func() error {
			return f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleSupervisor, PIN: "12345"})
		}, &PINTooShortError{Role: RoleSupervisor, Min: 6, Entered: 5}},
		{"add a supervisor with 6 digits", func() error {
			return f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleSupervisor, PIN: "123457"})
		}, nil},
		{"add an operator with 4 digits", func() error {
			return f.u.AddUser(f.ctx, ada, NewUser{Name: "Dee", Role: RoleOperator, PIN: "1234"})
		}, nil},
		{"add an operator with 3 digits", func() error {
			return f.u.AddUser(f.ctx, ada, NewUser{Name: "Eve", Role: RoleOperator, PIN: "123"})
		}, ErrInvalidPIN},
		{"set a supervisor's PIN to 4 digits", func() error { return f.u.SetPIN(f.ctx, ada, "Cy", "9876") },
			&PINTooShortError{Role: RoleSupervisor, Min: 6, Entered: 4}},
		{"set an operator's PIN to 4 digits", func() error { return f.u.SetPIN(f.ctx, ada, "Dee", "9876") }, nil},
		{"make an operator with a 4-digit PIN supervisor", func() error {
			return f.u.SetRole(f.ctx, ada, "Dee", RoleSupervisor)
		}, ErrSupervisorNeedsLongPIN},
		{"give the operator 6 digits", func() error { return f.u.SetPIN(f.ctx, ada, "Dee", "987654") }, nil},
		{"then make them supervisor", func() error { return f.u.SetRole(f.ctx, ada, "Dee", RoleSupervisor) }, nil},
		{"seed a supervisor with 4 digits", func() error {
			g := newUsersFixture(t, UsersOptions{})
			return g.u.Seed(g.ctx, []NewUser{{Name: "Sue", Role: RoleSupervisor, PIN: "2468"}}, nil)
		}, &PINTooShortError{Role: RoleSupervisor, Min: 6, Entered: 4}},
	}
	for _, tt := range tests {
		err := tt.act()
		if tt.want == nil {
			require.NoError(t, err, tt.name)
			continue
		}
		if want, ok := tt.want.(*PINTooShortError); !ok {
			assert.ErrorIs(t, err, tt.want, tt.name)
		} else {
			assert.ErrorIs(t, err, ErrInvalidPIN, tt.name)
			var got *PINTooShortError
			require.ErrorAs(t, err, &got, tt.name)
			assert.Equal(t, want, got, tt.name)
		}
	}
	assert.Equal(t, "A supervisor's PIN has at least 6 digits; this one has 4. Enter a PIN of 6 to 8 digits.",
		Explain(&PINTooShortError{Role: RoleSupervisor, Min: 6, Entered: 4}).Text)
	assert.Equal(t, "A supervisor needs a PIN of at least 6 digits. Set a PIN of 6 to 8 digits for this user first, "+
		"then make them a supervisor.", Explain(fmt.Errorf("set role: %w", ErrSupervisorNeedsLongPIN)).Text)
}

// TestMustChangePINBeforeAnythingElse: a user created with MustChangePIN signs in, is refused
// everything by the core until choosing a new PIN of the right length that differs from the old one.
func TestMustChangePINBeforeAnythingElse(t *testing.T) {
	f := newUsersFixture(t, UsersOptions{})
	require.NoError(t, f.u.Seed(f.ctx, []NewUser{
		{Name: "Ada", Role: RoleSupervisor, PIN: usersSupPIN, MustChangePIN: true},
		{Name: "Bob", Role: RoleOperator, PIN: usersOpPIN},
	}, []Right{RightBalanceInquiry}))
	bob := f.signIn(t, "Bob", usersOpPIN)
	assert.False(t, bob.MustChangePIN(), "only the user created with it")
	assert.NoError(t, f.u.Require(bob, RightBalanceInquiry))

	ada := f.signIn(t, "Ada", usersSupPIN)
	require.True(t, ada.MustChangePIN())
	for _, r := range AllRights() {
		err := f.u.Require(ada, r)
		var pce *PINChangeRequiredError
		require.ErrorAs(t, err, &pce, r)
		assert.ErrorIs(t, err, ErrPINChangeRequired)
		assert.Equal(t, "Ada", pce.User)
	}
	assert.ErrorIs(t, f.u.Unlock(f.ctx, ada, "Bob"), ErrPINChangeRequired, "user management too")
	msg := Explain(f.u.Require(ada, RightRefill))
	assert.Equal(t, "Ada must choose a new PIN before using the meter. Sign in again and choose a new PIN.", msg.Text)

	writes := len(f.store.writes)
	tests := []struct {
		name, old, new string
		want           error
	}{
		{"too short for a supervisor", usersSupPIN, "2345", ErrInvalidPIN},
		{"not digits", usersSupPIN, "12345a", ErrInvalidPIN},
		{"the same PIN", usersSupPIN, usersSupPIN, ErrSamePIN},
		{"a wrong old PIN counts as a wrong PIN", "999999", "654321", ErrWrongPIN},
	}
	for _, tt := range tests {
		err := f.u.ChangeOwnPIN(f.ctx, ada, tt.old, tt.new)
		assert.ErrorIs(t, err, tt.want, tt.name)
		assert.True(t, ada.MustChangePIN(), tt.name)
	}
	assert.Len(t, f.store.writes, writes+1, "only the wrong PIN was recorded")
	assert.Equal(t, "The new PIN is the same as the old one. Choose a different PIN.", Explain(ErrSamePIN).Text)
	assert.ErrorIs(t, f.u.ChangeOwnPIN(f.ctx, nil, usersSupPIN, "654321"), ErrNotSignedIn)
	assert.ErrorIs(t, f.u.ChangeOwnPIN(f.ctx, f.u.Anonymous(), usersSupPIN, "654321"), ErrNotSignedIn)

	require.NoError(t, f.u.ChangeOwnPIN(f.ctx, ada, usersSupPIN, "654321"))
	assert.False(t, ada.MustChangePIN())
	assert.NoError(t, f.u.Require(ada, RightRefill), "the same session goes on")
	assert.Equal(t, "Ada", f.store.writes[len(f.store.writes)-1].actor)
	rec := storedUserRecord(t, f, "Ada")
	assert.False(t, rec.MustChangePIN)
	assert.Zero(t, rec.FailedPINs, "the wrong old PIN is forgotten")

	u := f.reopen(t)
	_, err := u.SignIn(f.ctx, "Ada", usersSupPIN)
	assert.ErrorIs(t, err, ErrWrongPIN, "the old PIN no longer works")
	s, err := u.SignIn(f.ctx, "Ada", "654321")
	require.NoError(t, err)
	assert.False(t, s.MustChangePIN())

	// Expired sessions cannot change a PIN.
	f.clock.Advance(6 * time.Minute)
	assert.ErrorIs(t, u.ChangeOwnPIN(f.ctx, s, "654321", "765432"), ErrSessionExpired)
}

// TestWrongOldPINLocksOutAndSignsOut: guessing the old PIN through ChangeOwnPIN is counted like
// sign-in; the lock-out ends the session.
func TestWrongOldPINLocksOutAndSignsOut(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	bob := f.signIn(t, "Bob", usersOpPIN)
	for range 4 {
		require.ErrorIs(t, f.u.ChangeOwnPIN(f.ctx, bob, "0000", "4321"), ErrWrongPIN)
	}
	require.ErrorIs(t, f.u.ChangeOwnPIN(f.ctx, bob, "0000", "4321"), ErrLockedOut)
	assert.True(t, bob.SignedOut())
	assert.ErrorIs(t, f.u.Require(bob, RightBalanceInquiry), ErrNotSignedIn)
}

// TestShortSupervisorPINFromBeforeTheRule: a supervisor stored with a 4-digit PIN still signs in,
// but must choose a PIN of 6 digits first.
func TestShortSupervisorPINFromBeforeTheRule(t *testing.T) {
	store := newUsersFakeStore()
	h, err := hashPIN("2468", usersFastPIN, nil)
	require.NoError(t, err)
	store.values[usersSettingKey] = `{"version":1,"enabled":true,"operator_rights":[],"users":[` +
		`{"name":"Sue","role":"supervisor","pin_hash":"` + h + `"}]}`
	clock := &usersTestClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f := &usersFixture{ctx: t.Context(), store: store, clock: clock,
		opts: UsersOptions{Now: clock.Now, pinParams: usersFastPIN}}
	f.u = f.reopen(t)
	sue := f.signIn(t, "Sue", "2468")
	assert.True(t, sue.MustChangePIN())
	assert.ErrorIs(t, f.u.Require(sue, RightRefill), ErrPINChangeRequired)
	assert.ErrorIs(t, f.u.ChangeOwnPIN(f.ctx, sue, "2468", "1357"), ErrInvalidPIN)
	require.NoError(t, f.u.ChangeOwnPIN(f.ctx, sue, "2468", "135791"))
	assert.NoError(t, f.u.Require(sue, RightRefill))
	assert.True(t, storedUserRecord(t, f, "Sue").LongPIN)
}

// TestSignInMessagesAreSentences: what a clerk reads for each sign-in refusal is a sentence that
// says what to do, never a Go error string.
func TestSignInMessagesAreSentences(t *testing.T) {
	until := time.Date(2026, 3, 2, 9, 4, 0, 0, time.UTC)
	tests := []struct {
		err  error
		want string
	}{
		{&WrongPINError{User: "Bob", AttemptsLeft: 4}, "Wrong PIN for Bob: 4 attempts left before sign-in is locked. Enter the PIN again."},
		{&WrongPINError{User: "Bob", AttemptsLeft: 1}, "Wrong PIN for Bob: 1 attempt left before sign-in is locked. Enter the PIN again."},
		{&LockedOutError{User: "Bob", Until: until, Level: 3}, "Too many wrong PINs for Bob, so sign-in is locked until 9:04 AM. " +
			"Try again then, or ask a supervisor to clear the lock."},
		{&PINTooShortError{Role: RoleOperator, Min: 4, Entered: 3}, "An operator's PIN has at least 4 digits; this one has 3. Enter a PIN of 4 to 8 digits."},
		{ValidatePIN("12a4"), "A PIN is made of digits only. Enter the PIN again."},
	}
	for _, tt := range tests {
		got := Explain(tt.err).Text
		assert.Equal(t, tt.want, got)
		r := []rune(got)
		assert.True(t, unicode.IsUpper(r[0]) && strings.HasSuffix(got, "."), got)
	}
}
