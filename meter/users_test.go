package meter

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"postmeter/funds"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vault is the production SettingsStore.
var _ SettingsStore = (*funds.Vault)(nil)

// usersFakeStore is an in-memory SettingsStore that remembers every write.
type usersFakeStore struct {
	mu      sync.Mutex
	values  map[string]string
	writes  []usersFakeWrite
	failSet error
}

type usersFakeWrite struct{ key, value, actor string }

func newUsersFakeStore() *usersFakeStore { return &usersFakeStore{values: map[string]string{}} }

func (s *usersFakeStore) Setting(_ context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok, nil
}

func (s *usersFakeStore) SetSetting(_ context.Context, key, value, actor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSet != nil {
		return s.failSet
	}
	s.values[key] = value
	s.writes = append(s.writes, usersFakeWrite{key, value, actor})
	return nil
}

func (s *usersFakeStore) raw(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[key]
}

// usersTestClock is a settable clock.
type usersTestClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *usersTestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *usersTestClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// usersFastPIN keeps tests fast: argon2id with 64 KiB, t=1 (production uses 19 MiB, t=2).
var usersFastPIN = pinParams{memory: 64, time: 1, threads: 1, keyLen: 32, saltLen: 16}

const (
	usersSupPIN = "123456"
	usersOpPIN  = "5678"
)

type usersFixture struct {
	ctx   context.Context
	store *usersFakeStore
	clock *usersTestClock
	opts  UsersOptions
	u     *Users
}

// newUsersFixture opens Users on an empty store with fast PIN hashing; opts.Now is set to the fixture clock.
func newUsersFixture(t *testing.T, opts UsersOptions) *usersFixture {
	t.Helper()
	f := &usersFixture{
		ctx:   context.Background(),
		store: newUsersFakeStore(),
		clock: &usersTestClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
	}
	opts.Now = f.clock.Now
	opts.pinParams = usersFastPIN
	f.opts = opts
	f.u = f.reopen(t)
	return f
}

func (f *usersFixture) reopen(t *testing.T) *Users {
	t.Helper()
	u, err := OpenUsers(f.ctx, f.store, f.opts)
	require.NoError(t, err)
	return u
}

// seeded opens a fixture with supervisor "Ada" and operator "Bob", sign-in enabled, operators granted rights.
func newSeededUsers(t *testing.T, opts UsersOptions, rights ...Right) *usersFixture {
	t.Helper()
	f := newUsersFixture(t, opts)
	require.NoError(t, f.u.Seed(f.ctx, []NewUser{
		{Name: "Ada", Role: RoleSupervisor, PIN: usersSupPIN},
		{Name: "Bob", Role: RoleOperator, PIN: usersOpPIN},
	}, rights))
	require.True(t, f.u.Enabled())
	return f
}

func (f *usersFixture) signIn(t *testing.T, name, pin string) *Session {
	t.Helper()
	s, err := f.u.SignIn(f.ctx, name, pin)
	require.NoError(t, err)
	return s
}

func TestRightsOrderValuesAndLabels(t *testing.T) {
	want := []struct {
		r            Right
		value, label string
	}{
		{RightRefill, "postage refill", "Postage refill"},
		{RightBalanceInquiry, "balance inquiry", "Balance inquiry"},
		{RightRefillSettings, "change refill settings", "Change refill settings"},
		{RightFundsReport, "print funds report", "Print funds report"},
		{RightRefillReceipts, "print refill receipts", "Print refill receipts"},
		{RightWithdraw, "withdraw funds", "Withdraw funds"},
		{RightManageUsers, "manage users", "Manage users"},
		{RightManageAccounts, "manage account codes", "Manage account codes"},
		{RightManagePresets, "manage job presets", "Manage job presets"},
		{RightRefundClaims, "refund claims", "Refund claims"},
	}
	all := AllRights()
	require.Len(t, all, len(want))
	for i, w := range want {
		assert.Equal(t, w.r, all[i])
		assert.Equal(t, w.value, string(w.r))
		assert.Equal(t, w.label, w.r.Label())
		assert.True(t, w.r.Valid())
	}
	assert.False(t, Right("fly").Valid())
	assert.Equal(t, "Supervisor", RoleSupervisor.Label())
	assert.Equal(t, "Operator", RoleOperator.Label())
	all[0] = "changed"
	assert.Equal(t, RightRefill, AllRights()[0], "AllRights returns a fresh slice")
}

func TestUsersDisabledGrantsEveryRight(t *testing.T) {
	f := newUsersFixture(t, UsersOptions{})
	assert.False(t, f.u.Enabled())
	assert.Empty(t, f.u.List())
	assert.Empty(t, f.u.OperatorRights())

	// Sign-in disabled after having been enabled: an operator session has every right too.
	g := newSeededUsers(t, UsersOptions{})
	bob := g.signIn(t, "Bob", usersOpPIN)
	ada := g.signIn(t, "Ada", usersSupPIN)
	require.NoError(t, g.u.SetEnabled(g.ctx, ada, false))

	sessions := map[string]*Session{"anonymous": f.u.Anonymous(), "nil": nil, "operator": bob}
	for name, s := range sessions {
		for _, r := range AllRights() {
			t.Run(name+"/"+string(r), func(t *testing.T) {
				u := f.u
				if name == "operator" {
					u = g.u
				}
				assert.NoError(t, u.Require(s, r))
				assert.True(t, u.Can(s, r))
			})
		}
	}
	assert.Equal(t, User{Role: RoleSupervisor}, f.u.Anonymous().User())
	_, err := f.u.SignIn(f.ctx, "Ada", usersSupPIN)
	assert.ErrorIs(t, err, ErrUsersDisabled)
}

func TestRequireRightsByRole(t *testing.T) {
	granted := []Right{RightRefill, RightBalanceInquiry}
	f := newSeededUsers(t, UsersOptions{}, RightBalanceInquiry, RightRefill) // order normalized
	assert.Equal(t, granted, f.u.OperatorRights())
	ada := f.signIn(t, "Ada", usersSupPIN)
	bob := f.signIn(t, "Bob", usersOpPIN)
	assert.Equal(t, User{Name: "Ada", Role: RoleSupervisor}, ada.User())
	assert.Equal(t, User{Name: "Bob", Role: RoleOperator}, bob.User())

	for _, r := range AllRights() {
		t.Run("supervisor/"+string(r), func(t *testing.T) {
			assert.NoError(t, f.u.Require(ada, r))
			assert.True(t, f.u.Can(ada, r))
		})
		t.Run("operator/"+string(r), func(t *testing.T) {
			err := f.u.Require(bob, r)
			if r == RightRefill || r == RightBalanceInquiry {
				assert.NoError(t, err)
				assert.True(t, f.u.Can(bob, r))
				return
			}
			assert.False(t, f.u.Can(bob, r))
			var nre *NoRightsError
			require.ErrorAs(t, err, &nre)
			assert.Equal(t, &NoRightsError{Right: r, User: "Bob"}, nre)
			assert.ErrorIs(t, err, ErrNoRights)
			assert.Contains(t, err.Error(), "Bob cannot "+r.action())
			assert.Contains(t, err.Error(), "Sign in as a supervisor or ask one to grant operators the right in Roles setup")
		})
	}
	assert.EqualError(t, f.u.Require(bob, RightWithdraw),
		"Bob cannot withdraw funds. Sign in as a supervisor or ask one to grant operators the right in Roles setup")
}

func TestRequireSessionStates(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{}, RightRefill)
	other := newSeededUsers(t, UsersOptions{}, RightRefill)
	ada := f.signIn(t, "Ada", usersSupPIN)
	signedOut := f.signIn(t, "Ada", usersSupPIN)
	signedOut.SignOut()
	removed := f.signIn(t, "Bob", usersOpPIN)
	require.NoError(t, f.u.RemoveUser(f.ctx, ada, "Bob"))

	tests := []struct {
		name    string
		session *Session
		right   Right
		want    error
	}{
		{"no session", nil, RightRefill, ErrNotSignedIn},
		{"anonymous once enabled", f.u.Anonymous(), RightRefill, ErrNotSignedIn},
		{"signed out", signedOut, RightRefill, ErrNotSignedIn},
		{"removed user", removed, RightRefill, ErrNotSignedIn},
		{"session of another meter", other.signIn(t, "Ada", usersSupPIN), RightRefill, ErrNotSignedIn},
		{"unknown right", ada, Right("fly"), ErrUnknownRight},
		{"supervisor", ada, RightWithdraw, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.u.Require(tt.session, tt.right)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
			assert.False(t, f.u.Can(tt.session, tt.right))
		})
	}
	assert.True(t, signedOut.Expired())
}

func TestSignInErrors(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	ada := f.signIn(t, "Ada", usersSupPIN)
	require.NoError(t, f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleOperator})) // no PIN
	assert.False(t, f.u.HasPIN("Cy"))
	assert.True(t, f.u.HasPIN("Ada"))

	tests := []struct {
		name, user, pin string
		wantUser        string
		wantIs          error
		wantMsg         string
	}{
		{"supervisor", "Ada", usersSupPIN, "Ada", nil, ""},
		{"name ignores case and spaces", "  bob ", usersOpPIN, "Bob", nil, ""},
		{"operator without PIN", "Cy", "", "Cy", nil, ""},
		{"unknown user", "Zed", "1234", "", ErrUnknownUser, `unknown user: there is no user named "Zed"`},
		{"PIN too short", "Ada", "12", "", ErrInvalidPIN, "invalid PIN: a PIN has at least 4 digits (2 entered)"},
		{"PIN not digits", "Ada", "12a4", "", ErrInvalidPIN, "invalid PIN: a PIN contains digits 0-9 only"},
		{"empty PIN", "Ada", "", "", ErrInvalidPIN, "invalid PIN: enter a PIN of 4 to 8 digits"},
		{"wrong PIN", "Ada", "9999", "", ErrWrongPIN, "wrong PIN for Ada; 4 attempts left before sign-in is locked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := f.u.SignIn(f.ctx, tt.user, tt.pin)
			if tt.wantIs == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.wantUser, s.User().Name)
				assert.False(t, s.Expired())
				return
			}
			assert.Nil(t, s)
			assert.ErrorIs(t, err, tt.wantIs)
			assert.EqualError(t, err, tt.wantMsg)
		})
	}
	// The wrong PIN above is typed; invalid formats were not counted as attempts.
	_, err := f.u.SignIn(f.ctx, "Ada", "0000")
	var wpe *WrongPINError
	require.ErrorAs(t, err, &wpe)
	assert.Equal(t, &WrongPINError{User: "Ada", AttemptsLeft: 3}, wpe)
}

func TestPINValidationMessages(t *testing.T) {
	tests := []struct{ pin, want string }{
		{"", "invalid PIN: enter a PIN of 4 to 8 digits"},
		{"123", "invalid PIN: a PIN has at least 4 digits (3 entered)"},
		{"123456789", "invalid PIN: a PIN has at most 8 digits (9 entered)"},
		{"12 34", "invalid PIN: a PIN contains digits 0-9 only"},
		{"١٢٣٤", "invalid PIN: a PIN contains digits 0-9 only"}, // Arabic-Indic digits
		{"1234", ""},
		{"12345678", ""},
	}
	for _, tt := range tests {
		t.Run(tt.pin, func(t *testing.T) {
			err := ValidatePIN(tt.pin)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrInvalidPIN)
			assert.EqualError(t, err, tt.want)
		})
	}

	// Setting or adding a bad PIN is refused with the same message.
	f := newSeededUsers(t, UsersOptions{})
	ada := f.signIn(t, "Ada", usersSupPIN)
	err := f.u.SetPIN(f.ctx, ada, "Bob", "12")
	assert.ErrorIs(t, err, ErrInvalidPIN)
	assert.Contains(t, err.Error(), "a PIN has at least 4 digits")
	err = f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleOperator, PIN: "abcd"})
	assert.ErrorIs(t, err, ErrInvalidPIN)
}

func TestSignInLockout(t *testing.T) {
	tests := []struct {
		name    string
		opts    UsersOptions
		lockout time.Duration
	}{
		{"default 1 minute", UsersOptions{}, time.Minute},
		{"configured 2 minutes", UsersOptions{LockoutDuration: 2 * time.Minute}, 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSeededUsers(t, tt.opts)
			start := f.clock.Now()
			for left := 4; left >= 1; left-- {
				_, err := f.u.SignIn(f.ctx, "Bob", "0000")
				var wpe *WrongPINError
				require.ErrorAs(t, err, &wpe)
				assert.Equal(t, left, wpe.AttemptsLeft)
			}
			_, err := f.u.SignIn(f.ctx, "Bob", "0000") // fifth wrong PIN
			var loe *LockedOutError
			require.ErrorAs(t, err, &loe)
			assert.ErrorIs(t, err, ErrLockedOut)
			assert.Equal(t, start.Add(tt.lockout), loe.Until)
			assert.Contains(t, err.Error(), "too many wrong PINs: Bob cannot sign in until")
			until, locked := f.u.LockedUntil("Bob")
			assert.True(t, locked)
			assert.Equal(t, loe.Until, until)

			// The right PIN is refused while locked; other users are not affected.
			_, err = f.u.SignIn(f.ctx, "Bob", usersOpPIN)
			assert.ErrorIs(t, err, ErrLockedOut)
			f.signIn(t, "Ada", usersSupPIN)

			f.clock.Advance(tt.lockout - time.Second)
			_, err = f.u.SignIn(f.ctx, "Bob", usersOpPIN)
			assert.ErrorIs(t, err, ErrLockedOut)

			f.clock.Advance(time.Second)
			s := f.signIn(t, "Bob", usersOpPIN)
			assert.Equal(t, "Bob", s.User().Name)
			_, locked = f.u.LockedUntil("Bob")
			assert.False(t, locked)
		})
	}
}

func TestSignInCorrectPINResetsCount(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	for range 4 {
		_, err := f.u.SignIn(f.ctx, "Bob", "0000")
		require.ErrorIs(t, err, ErrWrongPIN)
	}
	f.signIn(t, "Bob", usersOpPIN)
	for left := 4; left >= 1; left-- {
		_, err := f.u.SignIn(f.ctx, "Bob", "0000")
		var wpe *WrongPINError
		require.ErrorAs(t, err, &wpe)
		assert.Equal(t, left, wpe.AttemptsLeft)
	}
}

func TestLockoutSurvivesReopen(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	for range 3 {
		_, err := f.u.SignIn(f.ctx, "Bob", "0000")
		require.ErrorIs(t, err, ErrWrongPIN)
	}
	// The count survives a restart: two more wrong PINs lock Bob out.
	u2 := f.reopen(t)
	_, err := u2.SignIn(f.ctx, "Bob", "0000")
	var wpe *WrongPINError
	require.ErrorAs(t, err, &wpe)
	assert.Equal(t, 1, wpe.AttemptsLeft)
	_, err = u2.SignIn(f.ctx, "Bob", "0000")
	require.ErrorIs(t, err, ErrLockedOut)

	// The lockout survives a restart too.
	u3 := f.reopen(t)
	_, err = u3.SignIn(f.ctx, "Bob", usersOpPIN)
	assert.ErrorIs(t, err, ErrLockedOut)
	f.clock.Advance(time.Minute)
	_, err = u3.SignIn(f.ctx, "Bob", usersOpPIN)
	assert.NoError(t, err)
}

func TestSessionIdleSignOut(t *testing.T) {
	tests := []struct {
		name    string
		opts    UsersOptions
		idle    time.Duration
		message string
	}{
		{"default 5 minutes", UsersOptions{}, 5 * time.Minute,
			"signed out after 5 minutes without activity; sign in again"},
		{"configured 1 minute", UsersOptions{IdleTimeout: time.Minute}, time.Minute,
			"signed out after 1 minute without activity; sign in again"},
		{"configured 90 seconds", UsersOptions{IdleTimeout: 90 * time.Second}, 90 * time.Second,
			"signed out after 90 seconds without activity; sign in again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSeededUsers(t, tt.opts, RightRefill)
			assert.Equal(t, tt.idle, f.u.IdleTimeout())
			s := f.signIn(t, "Bob", usersOpPIN)

			// Touch before the limit extends the session, twice over.
			for range 2 {
				f.clock.Advance(tt.idle - time.Second)
				require.False(t, s.Expired())
				s.Touch()
				assert.Equal(t, f.clock.Now(), s.LastActivity())
			}
			f.clock.Advance(tt.idle) // idle exactly the limit: still signed in
			require.NoError(t, f.u.Require(s, RightRefill))

			f.clock.Advance(time.Nanosecond) // idle longer than the limit
			assert.True(t, s.Expired())
			err := f.u.Require(s, RightRefill)
			var see *SessionExpiredError
			require.ErrorAs(t, err, &see)
			assert.ErrorIs(t, err, ErrSessionExpired)
			assert.EqualError(t, err, tt.message)
			assert.False(t, f.u.Can(s, RightRefill))

			// Touch does not revive an expired session.
			s.Touch()
			assert.True(t, s.Expired())
			assert.ErrorIs(t, f.u.Require(s, RightRefill), ErrSessionExpired)
		})
	}
}

func TestUsersLastSupervisorProtected(t *testing.T) {
	tests := []struct {
		name string
		act  func(f *usersFixture, ada *Session) error
		want error
	}{
		{"remove last supervisor", func(f *usersFixture, ada *Session) error {
			return f.u.RemoveUser(f.ctx, ada, "Ada")
		}, ErrLastSupervisor},
		{"demote last supervisor", func(f *usersFixture, ada *Session) error {
			return f.u.SetRole(f.ctx, ada, "Ada", RoleOperator)
		}, ErrLastSupervisor},
		{"supervisor PIN cannot be removed", func(f *usersFixture, ada *Session) error {
			return f.u.SetPIN(f.ctx, ada, "Ada", "")
		}, ErrSupervisorNeedsPIN},
		{"add supervisor without PIN", func(f *usersFixture, ada *Session) error {
			return f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleSupervisor})
		}, ErrSupervisorNeedsPIN},
		{"promote operator without PIN", func(f *usersFixture, ada *Session) error {
			if err := f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleOperator}); err != nil {
				return err
			}
			return f.u.SetRole(f.ctx, ada, "Cy", RoleSupervisor)
		}, ErrSupervisorNeedsPIN},
		{"promote operator with a short PIN", func(f *usersFixture, ada *Session) error {
			return f.u.SetRole(f.ctx, ada, "Bob", RoleSupervisor)
		}, ErrSupervisorNeedsLongPIN},
		{"add supervisor with a short PIN", func(f *usersFixture, ada *Session) error {
			return f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleSupervisor, PIN: "12345"})
		}, ErrInvalidPIN},
		{"set a supervisor's PIN too short", func(f *usersFixture, ada *Session) error {
			return f.u.SetPIN(f.ctx, ada, "Ada", "1234")
		}, ErrInvalidPIN},
		{"demote after a second supervisor exists", func(f *usersFixture, ada *Session) error {
			if err := f.u.SetPIN(f.ctx, ada, "Bob", "567890"); err != nil {
				return err
			}
			if err := f.u.SetRole(f.ctx, ada, "Bob", RoleSupervisor); err != nil {
				return err
			}
			return f.u.SetRole(f.ctx, ada, "Ada", RoleOperator)
		}, nil},
		{"remove last supervisor while disabled", func(f *usersFixture, ada *Session) error {
			if err := f.u.SetEnabled(f.ctx, ada, false); err != nil {
				return err
			}
			return f.u.RemoveUser(f.ctx, nil, "Ada")
		}, nil},
		{"enable with no supervisor", func(f *usersFixture, ada *Session) error {
			if err := f.u.SetEnabled(f.ctx, ada, false); err != nil {
				return err
			}
			if err := f.u.RemoveUser(f.ctx, nil, "Ada"); err != nil {
				return err
			}
			return f.u.SetEnabled(f.ctx, nil, true)
		}, ErrNoSupervisor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSeededUsers(t, UsersOptions{})
			ada := f.signIn(t, "Ada", usersSupPIN)
			before := f.store.raw(usersSettingKey)
			err := tt.act(f, ada)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
			if len(f.store.writes) == 1 { // only the seed was written: the refused change left no trace
				assert.Equal(t, before, f.store.raw(usersSettingKey))
			}
		})
	}

	// An enabled meter always has a supervisor.
	f := newUsersFixture(t, UsersOptions{})
	err := f.u.SetEnabled(f.ctx, f.u.Anonymous(), true)
	assert.ErrorIs(t, err, ErrNoSupervisor)
	assert.False(t, f.u.Enabled())
}

func TestStoredUsersJSONHasNoClearPIN(t *testing.T) {
	// Eight-digit PINs: a chance match inside base64 salts and keys is negligible.
	const supPIN, opPIN, newPIN = "73915284", "60482917", "58203716"
	f := newUsersFixture(t, UsersOptions{})
	require.NoError(t, f.u.Seed(f.ctx, []NewUser{
		{Name: "Ada", Role: RoleSupervisor, PIN: supPIN},
		{Name: "Bob", Role: RoleOperator, PIN: opPIN},
	}, nil))
	ada := f.signIn(t, "Ada", supPIN)
	require.NoError(t, f.u.SetPIN(f.ctx, ada, "Bob", newPIN))
	_, err := f.u.SignIn(f.ctx, "Bob", opPIN) // wrong now: a lockout-state write
	require.ErrorIs(t, err, ErrWrongPIN)

	require.GreaterOrEqual(t, len(f.store.writes), 3)
	for _, w := range f.store.writes {
		for _, pin := range []string{supPIN, opPIN, newPIN} {
			assert.NotContains(t, w.value, pin)
			assert.NotContains(t, w.actor, pin)
		}
	}
	raw := f.store.raw(usersSettingKey)
	assert.Contains(t, raw, "$argon2id$v=19$")
	assert.Equal(t, 2, strings.Count(raw, "argon2id"))
	assert.Contains(t, raw, `"failed_pins":1`)
	assert.Equal(t, "sign-in", f.store.writes[len(f.store.writes)-1].actor)
	assert.Equal(t, "Ada", f.store.writes[len(f.store.writes)-2].actor)
	assert.NotContains(t, err.Error(), opPIN)
	f.signIn(t, "Bob", newPIN)
}

func TestManageUsersRequiresRight(t *testing.T) {
	ops := []struct {
		name string
		act  func(f *usersFixture, by *Session) error
	}{
		{"add user", func(f *usersFixture, by *Session) error {
			return f.u.AddUser(f.ctx, by, NewUser{Name: "Cy", Role: RoleOperator, PIN: "2468"})
		}},
		{"remove user", func(f *usersFixture, by *Session) error { return f.u.RemoveUser(f.ctx, by, "Dee") }},
		{"set PIN", func(f *usersFixture, by *Session) error { return f.u.SetPIN(f.ctx, by, "Dee", "1357") }},
		{"unlock", func(f *usersFixture, by *Session) error { return f.u.Unlock(f.ctx, by, "Dee") }},
		{"set role", func(f *usersFixture, by *Session) error {
			return f.u.SetRole(f.ctx, by, "Dee", RoleSupervisor)
		}},
		{"set operator rights", func(f *usersFixture, by *Session) error {
			return f.u.SetOperatorRights(f.ctx, by, append(f.u.OperatorRights(), RightWithdraw))
		}},
		{"disable users", func(f *usersFixture, by *Session) error { return f.u.SetEnabled(f.ctx, by, false) }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			f := newSeededUsers(t, UsersOptions{}, RightRefill)
			ada := f.signIn(t, "Ada", usersSupPIN)
			require.NoError(t, f.u.AddUser(f.ctx, ada, NewUser{Name: "Dee", Role: RoleOperator, PIN: "111111"}))
			bob := f.signIn(t, "Bob", usersOpPIN)
			writes := len(f.store.writes)

			// An operator without the right is refused, and nothing is written.
			err := op.act(f, bob)
			var nre *NoRightsError
			require.ErrorAs(t, err, &nre)
			assert.Equal(t, RightManageUsers, nre.Right)
			assert.Equal(t, "Bob", nre.User)
			assert.Contains(t, err.Error(), "Bob cannot manage users")
			assert.Len(t, f.store.writes, writes)

			// No session / anonymous session while enabled: refused.
			assert.ErrorIs(t, op.act(f, nil), ErrNotSignedIn)
			assert.ErrorIs(t, op.act(f, f.u.Anonymous()), ErrNotSignedIn)

			// An expired supervisor session: refused.
			f.clock.Advance(6 * time.Minute)
			assert.ErrorIs(t, op.act(f, ada), ErrSessionExpired)
			assert.Len(t, f.store.writes, writes)

			// Once a supervisor grants operators the right, the operator may.
			ada = f.signIn(t, "Ada", usersSupPIN)
			require.NoError(t, f.u.SetOperatorRights(f.ctx, ada, []Right{RightRefill, RightManageUsers}))
			bob = f.signIn(t, "Bob", usersOpPIN)
			assert.NoError(t, op.act(f, bob))
		})
	}
}

func TestUserChangesPersistAcrossReopen(t *testing.T) {
	f := newUsersFixture(t, UsersOptions{})
	anon := f.u.Anonymous()
	// With sign-in disabled anyone may set up users, then enable sign-in.
	require.NoError(t, f.u.AddUser(f.ctx, anon, NewUser{Name: "Zoe", Role: RoleSupervisor, PIN: "246801"}))
	require.NoError(t, f.u.AddUser(f.ctx, anon, NewUser{Name: "adam", Role: RoleOperator, PIN: "13579"}))
	require.NoError(t, f.u.AddUser(f.ctx, anon, NewUser{Name: "Max", Role: RoleOperator}))
	err := f.u.AddUser(f.ctx, anon, NewUser{Name: "ZOE", Role: RoleOperator})
	assert.ErrorIs(t, err, ErrUserExists)
	assert.ErrorIs(t, f.u.AddUser(f.ctx, anon, NewUser{Name: " ", Role: RoleOperator}), ErrInvalidUserName)
	assert.ErrorIs(t, f.u.AddUser(f.ctx, anon, NewUser{Name: "Q", Role: "boss"}), ErrInvalidRole)
	assert.ErrorIs(t, f.u.SetOperatorRights(f.ctx, anon, []Right{"fly"}), ErrUnknownRight)
	require.NoError(t, f.u.SetOperatorRights(f.ctx, anon, []Right{RightFundsReport, RightRefill, RightRefill}))
	require.NoError(t, f.u.SetEnabled(f.ctx, anon, true))

	zoe := f.signIn(t, "Zoe", "246801")
	require.NoError(t, f.u.SetRole(f.ctx, zoe, "Max", RoleOperator))
	require.NoError(t, f.u.SetPIN(f.ctx, zoe, "Max", "864201"))
	require.NoError(t, f.u.SetRole(f.ctx, zoe, "max", RoleSupervisor))
	require.NoError(t, f.u.RemoveUser(f.ctx, zoe, "adam"))
	assert.ErrorIs(t, f.u.RemoveUser(f.ctx, zoe, "adam"), ErrUnknownUser)

	want := []User{{Name: "Max", Role: RoleSupervisor}, {Name: "Zoe", Role: RoleSupervisor}}
	assert.Equal(t, want, f.u.List())
	u2 := f.reopen(t)
	assert.True(t, u2.Enabled())
	assert.Equal(t, want, u2.List())
	assert.Equal(t, []Right{RightRefill, RightFundsReport}, u2.OperatorRights())
	_, err = u2.SignIn(f.ctx, "Max", "864201")
	assert.NoError(t, err)
}

func TestSeedUsersFirstStartOnly(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{}, RightRefill)
	assert.Equal(t, []User{{Name: "Ada", Role: RoleSupervisor}, {Name: "Bob", Role: RoleOperator}}, f.u.List())
	assert.Equal(t, "seed", f.store.writes[0].actor)

	// Seeding again, or after a restart, changes nothing.
	require.NoError(t, f.u.Seed(f.ctx, []NewUser{{Name: "Eve", Role: RoleSupervisor, PIN: "4321"}}, nil))
	u2 := f.reopen(t)
	require.NoError(t, u2.Seed(f.ctx, []NewUser{{Name: "Eve", Role: RoleSupervisor, PIN: "4321"}}, nil))
	assert.Len(t, u2.List(), 2)
	assert.Len(t, f.store.writes, 1)

	// Even a configuration with every user removed is not re-seeded.
	g := newUsersFixture(t, UsersOptions{})
	require.NoError(t, g.u.SetOperatorRights(g.ctx, nil, []Right{RightRefill}))
	require.NoError(t, g.u.Seed(g.ctx, []NewUser{{Name: "Eve", Role: RoleSupervisor, PIN: "4321"}}, nil))
	assert.Empty(t, g.u.List())
	assert.False(t, g.u.Enabled())

	// Seeding validates like AddUser.
	h := newUsersFixture(t, UsersOptions{})
	err := h.u.Seed(h.ctx, []NewUser{{Name: "Op", Role: RoleOperator, PIN: "1234"}}, nil)
	assert.ErrorIs(t, err, ErrNoSupervisor)
	err = h.u.Seed(h.ctx, []NewUser{{Name: "Sup", Role: RoleSupervisor, PIN: "12"}}, nil)
	assert.ErrorIs(t, err, ErrInvalidPIN)
	assert.Empty(t, h.store.writes)
}

func TestPINHashDefaultParams(t *testing.T) {
	assert.Equal(t, pinParams{memory: 7 * 1024, time: 5, threads: 1, keyLen: 32, saltLen: 16}, defaultPINParams)
	f := newUsersFixture(t, UsersOptions{})
	u, err := OpenUsers(f.ctx, f.store, UsersOptions{Now: f.clock.Now})
	require.NoError(t, err)
	assert.Equal(t, defaultPINParams, u.pin, "production options use the defaults")

	h, err := hashPIN("4711", defaultPINParams, nil) // one real-cost hash (~25 ms)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=7168,t=5,p=1$"), h)
	parts := strings.Split(h, "$")
	require.Len(t, parts, 6)
	assert.Len(t, parts[4], 22) // 16-byte salt
	assert.Len(t, parts[5], 43) // 32-byte key

	h2, err := hashPIN("4711", usersFastPIN, nil)
	require.NoError(t, err)
	ok, err := verifyPIN("4711", h2, nil)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = verifyPIN("4712", h2, nil)
	require.NoError(t, err)
	assert.False(t, ok)
	h3, err := hashPIN("4711", usersFastPIN, nil)
	require.NoError(t, err)
	assert.NotEqual(t, h2, h3, "random salt")

	for _, bad := range []string{
		"", "4711", "$2a$10$abc", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5",
	} {
		_, err := verifyPIN("4711", bad, nil)
		assert.Error(t, err, bad)
	}
}

func TestUsersStoreFailureKeepsState(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{})
	ada := f.signIn(t, "Ada", usersSupPIN)
	f.store.failSet = errors.New("disk full")

	err := f.u.AddUser(f.ctx, ada, NewUser{Name: "Cy", Role: RoleOperator, PIN: "2468"})
	assert.ErrorContains(t, err, "disk full")
	assert.Len(t, f.u.List(), 2, "an unsaved change is not applied")

	// A failed PIN still counts (fail closed) and reports both problems.
	_, err = f.u.SignIn(f.ctx, "Bob", "0000")
	assert.ErrorIs(t, err, ErrWrongPIN)
	assert.ErrorContains(t, err, "disk full")
	f.store.failSet = nil
	_, err = f.u.SignIn(f.ctx, "Bob", "0000")
	var wpe *WrongPINError
	require.ErrorAs(t, err, &wpe)
	assert.Equal(t, 3, wpe.AttemptsLeft)
}

func TestOpenUsersRejectsBadStoredConfig(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"not JSON", "{"},
		{"unknown version", `{"version":9,"enabled":false,"operator_rights":[],"users":[]}`},
		{"enabled without supervisor", `{"version":1,"enabled":true,"operator_rights":[],"users":[]}`},
		{"unknown right", `{"version":1,"enabled":false,"operator_rights":["fly"],"users":[]}`},
		{"unknown role", `{"version":1,"enabled":false,"users":[{"name":"A","role":"boss"}]}`},
		{"supervisor without PIN", `{"version":1,"enabled":false,"users":[{"name":"A","role":"supervisor"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newUsersFakeStore()
			store.values[usersSettingKey] = tt.raw
			_, err := OpenUsers(context.Background(), store, UsersOptions{})
			assert.ErrorContains(t, err, "open users")
		})
	}
	_, err := OpenUsers(context.Background(), newUsersFakeStore(), UsersOptions{IdleTimeout: -time.Second})
	assert.Error(t, err)
}

func TestSessionConcurrentUse(t *testing.T) {
	f := newSeededUsers(t, UsersOptions{}, RightRefill)
	ada := f.signIn(t, "Ada", usersSupPIN)
	bob := f.signIn(t, "Bob", usersOpPIN)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 200 {
				bob.Touch()
				_ = f.u.Can(bob, RightRefill)
				_ = f.u.Require(bob, RightWithdraw)
				_ = bob.Expired()
				_ = bob.User()
				_ = f.u.List()
				if i == 0 {
					f.clock.Advance(time.Millisecond)
				}
			}
		})
	}
	wg.Go(func() {
		for _, rs := range [][]Right{{RightRefill}, {RightRefill, RightWithdraw}, {RightRefill}} {
			assert.NoError(t, f.u.SetOperatorRights(f.ctx, ada, rs))
		}
	})
	wg.Wait()
	assert.NoError(t, f.u.Require(bob, RightRefill))
	assert.ErrorIs(t, f.u.Require(bob, RightWithdraw), ErrNoRights)
}
