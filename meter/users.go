package meter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"postmeter/printer/when"
)

// SettingsStore is where the meter keeps its settings; *funds.Vault implements it (audited writes).
type SettingsStore interface {
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
	SetSetting(ctx context.Context, key, value, actor string) error
}

// Role is a user's role: supervisors have every right, operators the rights granted in Roles setup.
type Role string

// The two roles of the Connect+ meter.
const (
	RoleSupervisor Role = "supervisor"
	RoleOperator   Role = "operator"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleSupervisor || r == RoleOperator }

// Label is the role's name on screen.
func (r Role) Label() string {
	switch r {
	case RoleSupervisor:
		return "Supervisor"
	case RoleOperator:
		return "Operator"
	}
	return string(r)
}

// Right is a restrictable function of the meter (Roles setup → Operator → "Allow access to:").
type Right string

// The restrictable functions. Supervisors have all of them; operators those granted in Roles setup.
const (
	RightRefill         Right = "postage refill"
	RightBalanceInquiry Right = "balance inquiry"
	RightRefillSettings Right = "change refill settings"
	RightFundsReport    Right = "print funds report"
	RightRefillReceipts Right = "print refill receipts"
	RightWithdraw       Right = "withdraw funds"
	RightManageUsers    Right = "manage users"
	RightManageAccounts Right = "manage account codes"
	RightManagePresets  Right = "manage job presets"
	RightRefundClaims   Right = "refund claims" // make, print and follow refund claims (refunds.go)
)

const (
	rightCount             = 10
	userNameMaxLength      = 32
	usersSettingKey        = "users"
	usersConfigVersion     = 1
	anonymousActor         = "anonymous"
	signInActor            = "sign-in"
	seedActor              = "seed"
	defaultLockoutDuration = time.Minute
	defaultMaxLockout      = time.Hour
	defaultIdleTimeout     = 5 * time.Minute
	defaultMaxPINAttempts  = 5
	noRightsAdvice         = "Sign in as a supervisor or ask one to grant operators the right in Roles setup"
)

type rightText struct{ label, action string }

var rightTexts = map[Right]rightText{
	RightRefill:         {"Postage refill", "refill postage"},
	RightBalanceInquiry: {"Balance inquiry", "perform a balance inquiry"},
	RightRefillSettings: {"Change refill settings", "change refill settings"},
	RightFundsReport:    {"Print funds report", "print the funds report"},
	RightRefillReceipts: {"Print refill receipts", "print refill receipts"},
	RightWithdraw:       {"Withdraw funds", "withdraw funds"},
	RightManageUsers:    {"Manage users", "manage users"},
	RightManageAccounts: {"Manage account codes", "manage account codes"},
	RightManagePresets:  {"Manage job presets", "manage job presets"},
	RightRefundClaims:   {"Refund claims", "make or change refund claims"},
}

// AllRights lists every right in Roles-setup order.
func AllRights() []Right {
	return []Right{RightRefill, RightBalanceInquiry, RightRefillSettings, RightFundsReport,
		RightRefillReceipts, RightWithdraw, RightManageUsers, RightManageAccounts, RightManagePresets,
		RightRefundClaims}
}

// Valid reports whether r is one of the known rights.
func (r Right) Valid() bool { _, ok := rightTexts[r]; return ok }

// Label is the right's name in the Roles setup checklist, e.g. "Postage refill".
func (r Right) Label() string {
	if t, ok := rightTexts[r]; ok {
		return t.label
	}
	return string(r)
}

// action is what the right lets one do, as a verb phrase ("refill postage").
func (r Right) action() string {
	if t, ok := rightTexts[r]; ok {
		return t.action
	}
	return "use " + string(r)
}

// User is a meter user as shown on screen.
type User struct {
	Name string
	Role Role
}

// NewUser describes a user to create. Supervisors must have a PIN of at least
// MinSupervisorPINLength digits; an operator may have none (then signs in by name alone).
type NewUser struct {
	Name string
	Role Role
	PIN  string
	// MustChangePIN makes the user choose a new PIN (ChangeOwnPIN) at the first sign-in before the
	// core allows anything else: for a PIN someone else chose, such as one from a configuration file.
	MustChangePIN bool
}

// UsersOptions configures Users. Zero values take the defaults.
type UsersOptions struct {
	Now func() time.Time // default time.Now
	// LockoutDuration is the first lock-out, after MaxAttempts wrong PINs in a row; each further wrong
	// PIN before a successful sign-in locks again for twice as long, up to MaxLockout. Default 1 min.
	LockoutDuration time.Duration
	MaxLockout      time.Duration // the longest lock-out; default 1 hour
	IdleTimeout     time.Duration // a session signs out after this long without activity; default 5 min
	MaxAttempts     int           // wrong PINs in a row before the first lock-out; default 5
	// Pepper, if set, is a PepperLength-byte secret derived from the device key and kept outside the
	// database: PINs are hashed as argon2id(HMAC-SHA256(Pepper, PIN)), so a hash copied out of the
	// database cannot be brute-forced without the device. Hashes made before the meter had a pepper
	// still verify and are hashed again with it at the user's next sign-in.
	Pepper []byte

	pinParams pinParams // test hook: cheaper argon2 cost; zero means defaultPINParams
}

// Errors. Each is matched with errors.Is; the typed errors below carry the details.
var (
	ErrNoRights           = errors.New("no rights")
	ErrSessionExpired     = errors.New("session expired")
	ErrNotSignedIn        = errors.New("not signed in; sign in first")
	ErrUnknownUser        = errors.New("unknown user")
	ErrWrongPIN           = errors.New("wrong PIN")
	ErrLockedOut          = errors.New("locked out after too many wrong PINs")
	ErrUsersDisabled      = errors.New("user sign-in is not enabled")
	ErrInvalidUserName    = errors.New("invalid user name")
	ErrInvalidRole        = errors.New("invalid role")
	ErrUnknownRight       = errors.New("unknown right")
	ErrUserExists         = errors.New("user already exists")
	ErrLastSupervisor     = errors.New("at least one supervisor must remain while user sign-in is enabled")
	ErrNoSupervisor       = errors.New("user sign-in needs at least one supervisor; add a supervisor first")
	ErrSupervisorNeedsPIN = errors.New("supervisors must have a PIN")
	// ErrSupervisorNeedsLongPIN refuses to make a supervisor of a user whose PIN is shorter than
	// MinSupervisorPINLength (or was set before the meter recorded PIN lengths).
	ErrSupervisorNeedsLongPIN = errors.New("a supervisor's PIN has at least 6 digits; set a longer PIN first")
	ErrPINChangeRequired      = errors.New("the PIN must be changed before anything else")
	ErrSamePIN                = errors.New("the new PIN is the same as the old one")
)

// PINChangeRequiredError is returned by Require for a user who must choose a new PIN
// (ChangeOwnPIN) before doing anything else.
type PINChangeRequiredError struct {
	User string
}

func (e *PINChangeRequiredError) Error() string {
	return fmt.Sprintf("%s must choose a new PIN before doing anything else", e.User)
}

// Is makes errors.Is(err, ErrPINChangeRequired) true.
func (e *PINChangeRequiredError) Is(target error) bool { return target == ErrPINChangeRequired }

// NoRightsError is returned by Require when the signed-in user may not do something.
type NoRightsError struct {
	Right Right
	User  string
}

func (e *NoRightsError) Error() string {
	return fmt.Sprintf("%s cannot %s. %s", e.User, e.Right.action(), noRightsAdvice)
}

// Is makes errors.Is(err, ErrNoRights) true.
func (e *NoRightsError) Is(target error) bool { return target == ErrNoRights }

// SessionExpiredError is returned for a session that was idle longer than the idle timeout.
type SessionExpiredError struct {
	Idle time.Duration
}

func (e *SessionExpiredError) Error() string {
	return fmt.Sprintf("signed out after %s without activity; sign in again", describeDuration(e.Idle))
}

// Is makes errors.Is(err, ErrSessionExpired) true.
func (e *SessionExpiredError) Is(target error) bool { return target == ErrSessionExpired }

// WrongPINError is a wrong PIN; AttemptsLeft more wrong PINs lock the user out.
type WrongPINError struct {
	User         string
	AttemptsLeft int
}

func (e *WrongPINError) Error() string {
	word := "attempts"
	if e.AttemptsLeft == 1 {
		word = "attempt"
	}
	return fmt.Sprintf("wrong PIN for %s; %d %s left before sign-in is locked", e.User, e.AttemptsLeft, word)
}

// Is makes errors.Is(err, ErrWrongPIN) true.
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// LockedOutError refuses a sign-in until Until, even with the right PIN. Level counts the lock-outs
// since the user's last successful sign-in (or a supervisor clearing the lock): each lasts twice as
// long as the one before, up to the maximum.
type LockedOutError struct {
	User  string
	Until time.Time
	Level int
}

func (e *LockedOutError) Error() string {
	return fmt.Sprintf("too many wrong PINs: %s cannot sign in until %s; try again later or ask a supervisor",
		e.User, when.Time(e.Until))
}

// Is makes errors.Is(err, ErrLockedOut) true.
func (e *LockedOutError) Is(target error) bool { return target == ErrLockedOut }

// describeDuration writes d as "5 minutes", "1 minute", "90 seconds" or Go's duration text.
func describeDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d > 0 && d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	case d > 0 && d%time.Second == 0:
		return plural(int64(d/time.Second), "second")
	}
	return d.String()
}

// usersConfig is the JSON stored under the "users" setting.
type usersConfig struct {
	Version        int          `json:"version"`
	Enabled        bool         `json:"enabled"`
	OperatorRights []Right      `json:"operator_rights"`
	Users          []storedUser `json:"users"`
}

type storedUser struct {
	Name    string `json:"name"`
	Role    Role   `json:"role"`
	PINHash string `json:"pin_hash,omitempty"` // argon2id, PHC encoding; never the PIN
	// FailedPINs counts wrong PINs since the last successful sign-in or unlock; LockLevel the
	// lock-outs in that time (the next one lasts LockoutDuration << LockLevel, up to MaxLockout).
	FailedPINs  int       `json:"failed_pins,omitempty"`
	LockLevel   int       `json:"lock_level,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	// LongPIN records that the PIN has at least MinSupervisorPINLength digits (the hash cannot say),
	// so SetRole knows whether the user may become a supervisor.
	LongPIN       bool `json:"long_pin,omitempty"`
	MustChangePIN bool `json:"must_change_pin,omitempty"`
}

func (c usersConfig) clone() usersConfig {
	c.OperatorRights = slices.Clone(c.OperatorRights)
	c.Users = slices.Clone(c.Users)
	return c
}

// find returns the index of the user named name (case-insensitive, surrounding spaces ignored), or -1.
func (c *usersConfig) find(name string) int {
	name = strings.TrimSpace(name)
	return slices.IndexFunc(c.Users, func(s storedUser) bool { return strings.EqualFold(s.Name, name) })
}

func (c *usersConfig) supervisors() int {
	n := 0
	for _, s := range c.Users {
		if s.Role == RoleSupervisor {
			n++
		}
	}
	return n
}

func (c *usersConfig) hasRight(r Right) bool { return slices.Contains(c.OperatorRights, r) }

// normalize sorts users by name and rights in AllRights order.
func (c *usersConfig) normalize() {
	slices.SortFunc(c.Users, func(a, b storedUser) int {
		if x := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); x != 0 {
			return x
		}
		return strings.Compare(a.Name, b.Name)
	})
	c.OperatorRights = normalizeRights(c.OperatorRights)
}

func normalizeRights(rs []Right) []Right {
	out := make([]Right, 0, rightCount)
	for _, r := range AllRights() {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

// check enforces the invariants that hold for every stored configuration.
func (c *usersConfig) check() error {
	for _, r := range c.OperatorRights {
		if !r.Valid() {
			return fmt.Errorf("%w %q", ErrUnknownRight, r)
		}
	}
	for i, s := range c.Users {
		if err := validateUserName(s.Name); err != nil {
			return err
		}
		if !s.Role.Valid() {
			return fmt.Errorf("user %q: %w %q", s.Name, ErrInvalidRole, s.Role)
		}
		if s.Role == RoleSupervisor && s.PINHash == "" {
			return fmt.Errorf("user %q: %w", s.Name, ErrSupervisorNeedsPIN)
		}
		if j := c.find(s.Name); j != i {
			return fmt.Errorf("%w: %q", ErrUserExists, s.Name)
		}
	}
	if c.Enabled && c.supervisors() == 0 {
		return ErrNoSupervisor
	}
	return nil
}

func validateUserName(name string) error {
	switch {
	case name == "" || strings.TrimSpace(name) != name:
		return fmt.Errorf("%w: enter a name without leading or trailing spaces", ErrInvalidUserName)
	case utf8.RuneCountInString(name) > userNameMaxLength:
		return fmt.Errorf("%w: a name has at most %d characters", ErrInvalidUserName, userNameMaxLength)
	case strings.ContainsFunc(name, unicode.IsControl) || !utf8.ValidString(name):
		return fmt.Errorf("%w: the name contains characters that cannot be shown", ErrInvalidUserName)
	}
	return nil
}

// Users keeps the meter's users, roles and operator rights, signs users in and answers rights
// questions. It is safe for concurrent use.
type Users struct {
	store       SettingsStore
	now         func() time.Time
	lockout     time.Duration
	maxLockout  time.Duration
	idle        time.Duration
	maxAttempts int
	pin         pinParams
	pepper      []byte
	anon        *Session
	pre         *prechecks // PIN checks made while the clerk was still keying (PrepareSignIn)

	writeMu sync.Mutex   // serializes every change (and its save)
	mu      sync.RWMutex // guards cfg and stored for readers; written only while writeMu is held
	cfg     usersConfig
	stored  bool // the store has a users setting (Seed is a no-op then)
}

// OpenUsers loads the users configuration from store. A store without one starts with users disabled
// (everyone has supervisor access), no users and no operator rights.
func OpenUsers(ctx context.Context, store SettingsStore, opts UsersOptions) (*Users, error) {
	if store == nil {
		return nil, errors.New("open users: no settings store")
	}
	if opts.LockoutDuration < 0 || opts.MaxLockout < 0 || opts.IdleTimeout < 0 || opts.MaxAttempts < 0 {
		return nil, fmt.Errorf("open users: negative option (lockout %v, max lockout %v, idle %v, attempts %d)",
			opts.LockoutDuration, opts.MaxLockout, opts.IdleTimeout, opts.MaxAttempts)
	}
	if opts.Pepper != nil && len(opts.Pepper) != PepperLength {
		return nil, fmt.Errorf("open users: the PIN pepper has %d bytes, want %d", len(opts.Pepper), PepperLength)
	}
	u := &Users{
		store:       store,
		now:         opts.Now,
		lockout:     opts.LockoutDuration,
		maxLockout:  opts.MaxLockout,
		idle:        opts.IdleTimeout,
		maxAttempts: opts.MaxAttempts,
		pin:         opts.pinParams,
		pepper:      slices.Clone(opts.Pepper),
		cfg:         usersConfig{Version: usersConfigVersion},
		pre:         newPrechecks(),
	}
	if u.now == nil {
		u.now = time.Now
	}
	if u.lockout == 0 {
		u.lockout = defaultLockoutDuration
	}
	if u.maxLockout == 0 {
		u.maxLockout = defaultMaxLockout
	}
	u.maxLockout = max(u.maxLockout, u.lockout)
	if u.idle == 0 {
		u.idle = defaultIdleTimeout
	}
	if u.maxAttempts == 0 {
		u.maxAttempts = defaultMaxPINAttempts
	}
	if u.pin == (pinParams{}) {
		u.pin = defaultPINParams
	}
	u.anon = &Session{users: u, anonymous: true}

	raw, ok, err := store.Setting(ctx, usersSettingKey)
	if err != nil {
		return nil, fmt.Errorf("open users: %w", err)
	}
	if ok {
		var cfg usersConfig
		if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
			return nil, fmt.Errorf("open users: stored users setting is not valid JSON: %w", err)
		}
		if cfg.Version != usersConfigVersion {
			return nil, fmt.Errorf("open users: stored users setting has unsupported version %d", cfg.Version)
		}
		if err := cfg.check(); err != nil {
			return nil, fmt.Errorf("open users: stored users setting is invalid: %w", err)
		}
		cfg.normalize()
		u.cfg, u.stored = cfg, true
	}
	return u, nil
}

// save writes cfg to the store; the caller holds writeMu and commits cfg to memory afterwards.
func (u *Users) save(ctx context.Context, cfg usersConfig, actor string) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("save users: %w", err)
	}
	if err := u.store.SetSetting(ctx, usersSettingKey, string(b), actor); err != nil {
		return fmt.Errorf("save users: %w", err)
	}
	return nil
}

// commit makes cfg the current configuration; the caller holds writeMu.
func (u *Users) commit(cfg usersConfig) {
	u.mu.Lock()
	u.cfg, u.stored = cfg, true
	u.mu.Unlock()
}

// Enabled reports whether user sign-in is enabled. When it is not, everyone has supervisor access.
func (u *Users) Enabled() bool {
	u.mu.RLock()
	defer u.mu.RUnlock()
	return u.cfg.Enabled
}

// List returns the users sorted by name.
func (u *Users) List() []User {
	u.mu.RLock()
	defer u.mu.RUnlock()
	out := make([]User, len(u.cfg.Users))
	for i, s := range u.cfg.Users {
		out[i] = User{Name: s.Name, Role: s.Role}
	}
	return out
}

// HasPIN reports whether the named user has a PIN (supervisors always do). A user without a PIN
// signs in by name alone.
func (u *Users) HasPIN(name string) bool {
	u.mu.RLock()
	defer u.mu.RUnlock()
	i := u.cfg.find(name)
	return i >= 0 && u.cfg.Users[i].PINHash != ""
}

// LockedUntil tells whether the named user is locked out after wrong PINs, and until when.
func (u *Users) LockedUntil(name string) (time.Time, bool) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	i := u.cfg.find(name)
	if i < 0 {
		return time.Time{}, false
	}
	until := u.cfg.Users[i].LockedUntil
	return until, u.now().Before(until)
}

// OperatorRights returns the rights granted to every operator, in AllRights order.
func (u *Users) OperatorRights() []Right {
	u.mu.RLock()
	defer u.mu.RUnlock()
	return slices.Clone(u.cfg.OperatorRights)
}

// IdleTimeout is how long a session may stay idle before it is signed out.
func (u *Users) IdleTimeout() time.Duration { return u.idle }

// Anonymous returns the session used while user sign-in is disabled: it has supervisor access then,
// and no access at all once sign-in is enabled.
func (u *Users) Anonymous() *Session { return u.anon }

// SignIn signs a user in by name and PIN. Errors: ErrUsersDisabled, ErrUnknownUser, ErrInvalidPIN
// (format, not counted), *WrongPINError (ErrWrongPIN), *LockedOutError (ErrLockedOut), ErrNoPepper.
// MaxAttempts wrong PINs in a row lock the user out for LockoutDuration; every further wrong PIN
// locks again for twice as long as the lock before, up to MaxLockout. Only a correct PIN or a
// supervisor's Unlock resets the count and the lock level. A user created with MustChangePIN (or a
// supervisor whose PIN is shorter than MinSupervisorPINLength) signs in, but Require refuses
// everything with *PINChangeRequiredError until ChangeOwnPIN.
func (u *Users) SignIn(ctx context.Context, name, pin string) (*Session, error) {
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	if !u.cfg.Enabled {
		return nil, fmt.Errorf("sign in: %w", ErrUsersDisabled)
	}
	i := u.cfg.find(name)
	if i < 0 {
		return nil, fmt.Errorf("%w: there is no user named %q", ErrUnknownUser, strings.TrimSpace(name))
	}
	rec := u.cfg.Users[i]
	now := u.now()
	if now.Before(rec.LockedUntil) {
		return nil, &LockedOutError{User: rec.Name, Until: rec.LockedUntil, Level: rec.LockLevel}
	}
	if rec.PINHash == "" {
		return u.newSession(rec.Name, now), nil
	}
	if err := ValidatePIN(pin); err != nil {
		return nil, err
	}
	match, err, prepared := u.pre.take(ctx, rec.Name, pin, rec.PINHash, now)
	if !prepared {
		match, err = verifyPIN(pin, rec.PINHash, u.pepper)
	}
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", rec.Name, err)
	}
	if !match {
		return nil, u.wrongPIN(ctx, i, now)
	}

	next := u.cfg.clone()
	r := &next.Users[i]
	changed := false
	if r.FailedPINs != 0 || r.LockLevel != 0 || !r.LockedUntil.IsZero() {
		r.FailedPINs, r.LockLevel, r.LockedUntil = 0, 0, time.Time{}
		changed = true
	}
	if u.pepper != nil && !pinHashPeppered(r.PINHash) {
		if h, err := hashPIN(pin, u.pin, u.pepper); err != nil {
			slog.Warn("could not hash the PIN again with the pepper", "user", r.Name, "err", err)
		} else {
			r.PINHash, changed = h, true
			slog.Info("PIN hashed again with the pepper", "user", r.Name)
		}
	}
	if long := len(pin) >= MinSupervisorPINLength; r.LongPIN != long {
		r.LongPIN, changed = long, true
	}
	if r.Role == RoleSupervisor && !r.LongPIN && !r.MustChangePIN {
		// A supervisor PIN from before the length rule: allowed in once, to choose a longer one.
		r.MustChangePIN, changed = true, true
		slog.Warn("supervisor PIN shorter than the rule; a new one must be chosen", "user", r.Name)
	}
	if changed {
		if err := u.save(ctx, next, signInActor); err != nil {
			// The sign-in is valid; the stale record only survives a restart.
			slog.Warn("could not save the user record after sign-in", "user", rec.Name, "err", err)
		}
		u.commit(next)
	}
	return u.newSession(rec.Name, now), nil
}

// wrongPIN counts a wrong PIN of user i and locks the user out when it is one too many; the caller
// holds writeMu. It returns the refusal to give.
func (u *Users) wrongPIN(ctx context.Context, i int, now time.Time) error {
	next := u.cfg.clone()
	r := &next.Users[i]
	r.FailedPINs++
	r.LockedUntil = time.Time{}
	var refusal error
	if r.FailedPINs >= u.maxAttempts {
		r.LockLevel++
		r.LockedUntil = now.Add(u.lockoutFor(r.LockLevel))
		refusal = &LockedOutError{User: r.Name, Until: r.LockedUntil, Level: r.LockLevel}
		slog.Warn("user locked out after wrong PINs", "user", r.Name, "wrong_pins", r.FailedPINs,
			"level", r.LockLevel, "until", r.LockedUntil)
	} else {
		refusal = &WrongPINError{User: r.Name, AttemptsLeft: u.maxAttempts - r.FailedPINs}
	}
	u.commit(next) // fail closed: the attempt counts even if it cannot be saved
	if err := u.save(ctx, next, signInActor); err != nil {
		return errors.Join(refusal, fmt.Errorf("record failed sign-in of %s: %w", r.Name, err))
	}
	return refusal
}

// lockoutFor is the length of the level-th lock-out: LockoutDuration doubled level-1 times, at most
// MaxLockout.
func (u *Users) lockoutFor(level int) time.Duration {
	d := u.lockout
	for n := 1; n < level && d < u.maxLockout; n++ {
		d *= 2
	}
	return min(d, u.maxLockout)
}

// ChangeOwnPIN lets the signed-in user of s choose a new PIN: oldPIN must be the current PIN (it is
// not asked of an operator who has none) and a wrong one counts as a wrong PIN at sign-in, locking
// out and signing s out when it is one too many; newPIN must differ from it and be long enough for
// the user's role. It clears MustChangePIN, so Require allows the user's rights again. It hashes
// (argon2id): never call it on the UI goroutine.
func (u *Users) ChangeOwnPIN(ctx context.Context, s *Session, oldPIN, newPIN string) error {
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	if !u.cfg.Enabled {
		return fmt.Errorf("change PIN: %w", ErrUsersDisabled)
	}
	if err := u.checkSession(s); err != nil {
		return err
	}
	i := u.cfg.find(s.name)
	if i < 0 {
		return fmt.Errorf("%w (user %q no longer exists)", ErrNotSignedIn, s.name)
	}
	rec := u.cfg.Users[i]
	if err := ValidatePINFor(rec.Role, newPIN); err != nil {
		return err
	}
	now := u.now()
	if rec.PINHash != "" {
		if now.Before(rec.LockedUntil) {
			s.SignOut()
			return &LockedOutError{User: rec.Name, Until: rec.LockedUntil, Level: rec.LockLevel}
		}
		if err := ValidatePIN(oldPIN); err != nil {
			return err
		}
		match, err := verifyPIN(oldPIN, rec.PINHash, u.pepper)
		if err != nil {
			return fmt.Errorf("change PIN of %s: %w", rec.Name, err)
		}
		if !match {
			err := u.wrongPIN(ctx, i, now)
			if errors.Is(err, ErrLockedOut) {
				s.SignOut()
			}
			return err
		}
		if newPIN == oldPIN {
			return ErrSamePIN
		}
	}
	h, err := hashPIN(newPIN, u.pin, u.pepper)
	if err != nil {
		return err
	}
	next := u.cfg.clone()
	r := &next.Users[i]
	r.PINHash, r.LongPIN, r.MustChangePIN = h, len(newPIN) >= MinSupervisorPINLength, false
	r.FailedPINs, r.LockLevel, r.LockedUntil = 0, 0, time.Time{}
	if err := u.save(ctx, next, s.actor()); err != nil {
		return fmt.Errorf("change PIN of %s: %w", rec.Name, err)
	}
	u.commit(next)
	s.Touch()
	slog.Info("user chose a new PIN", "user", rec.Name)
	return nil
}

func (u *Users) newSession(name string, now time.Time) *Session {
	return &Session{users: u, name: name, last: now}
}

// Can tells whether the session may use right r now (false where the UI draws a lock).
func (u *Users) Can(s *Session, r Right) bool { return u.Require(s, r) == nil }

// Require is what every core action calls before acting. With user sign-in disabled it always
// passes. Otherwise: ErrNotSignedIn (no session, signed out, anonymous, removed user),
// *SessionExpiredError (ErrSessionExpired), *NoRightsError (ErrNoRights).
// An unknown right is always an error (a programming mistake).
func (u *Users) Require(s *Session, r Right) error {
	if !r.Valid() {
		return fmt.Errorf("%w %q", ErrUnknownRight, r)
	}
	if !u.Enabled() {
		return nil
	}
	if err := u.checkSession(s); err != nil {
		return err
	}
	u.mu.RLock()
	defer u.mu.RUnlock()
	if !u.cfg.Enabled { // disabled meanwhile
		return nil
	}
	i := u.cfg.find(s.name)
	if i < 0 {
		return fmt.Errorf("%w (user %q no longer exists)", ErrNotSignedIn, s.name)
	}
	if u.cfg.Users[i].MustChangePIN {
		return &PINChangeRequiredError{User: u.cfg.Users[i].Name}
	}
	if u.cfg.Users[i].Role == RoleSupervisor || u.cfg.hasRight(r) {
		return nil
	}
	return &NoRightsError{Right: r, User: u.cfg.Users[i].Name}
}

// checkSession refuses a session that is not a signed-in user's of u, or no longer signed in.
func (u *Users) checkSession(s *Session) error {
	if s == nil || s.anonymous || s.users != u {
		return ErrNotSignedIn
	}
	if s.SignedOut() {
		return ErrNotSignedIn
	}
	if s.Expired() {
		return &SessionExpiredError{Idle: u.idle}
	}
	return nil
}

// Session is a signed-in user. It signs out after the idle timeout without Touch. Safe for
// concurrent use.
type Session struct {
	users     *Users
	name      string
	anonymous bool

	mu        sync.Mutex
	last      time.Time
	expired   bool
	signedOut bool
	accounts  map[string]string // account codes whose PIN was given: ID → the PIN hash it matched
}

// unlockAccount remembers that the session gave the PIN of account id (whose PIN hash is hash).
func (s *Session) unlockAccount(id, hash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts == nil {
		s.accounts = map[string]string{}
	}
	s.accounts[id] = hash
}

// accountUnlocked reports whether the session gave account id's current PIN (a PIN changed since
// must be given again).
func (s *Session) accountUnlocked(id, hash string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.accounts[id]
	return ok && h == hash
}

// User returns the session's user with the user's current role. The anonymous session (users
// disabled) is an unnamed supervisor.
func (s *Session) User() User {
	if s.anonymous {
		return User{Role: RoleSupervisor}
	}
	u := s.users
	u.mu.RLock()
	defer u.mu.RUnlock()
	if i := u.cfg.find(s.name); i >= 0 {
		return User{Name: u.cfg.Users[i].Name, Role: u.cfg.Users[i].Role}
	}
	return User{Name: s.name}
}

// MustChangePIN reports whether the session's user must choose a new PIN (ChangeOwnPIN) before the
// core allows anything else.
func (s *Session) MustChangePIN() bool {
	if s.anonymous {
		return false
	}
	u := s.users
	u.mu.RLock()
	defer u.mu.RUnlock()
	i := u.cfg.find(s.name)
	return u.cfg.Enabled && i >= 0 && u.cfg.Users[i].MustChangePIN
}

// Anonymous reports whether this is the session of a meter without user sign-in.
func (s *Session) Anonymous() bool { return s.anonymous }

// Touch records user activity, keeping the session signed in. It does not revive an expired session.
func (s *Session) Touch() {
	if s.anonymous {
		return
	}
	now := s.users.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.expiredLocked(now) {
		s.last = now
	}
}

// LastActivity is the time of sign-in or of the last Touch.
func (s *Session) LastActivity() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Expired reports whether the session was signed out for being idle longer than the idle timeout
// (or by SignOut). Once expired it stays expired.
func (s *Session) Expired() bool {
	if s.anonymous {
		return false
	}
	now := s.users.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signedOut || s.expiredLocked(now)
}

func (s *Session) expiredLocked(now time.Time) bool {
	if !s.expired && now.Sub(s.last) > s.users.idle {
		s.expired = true
	}
	return s.expired
}

// SignOut ends the session at the user's request.
func (s *Session) SignOut() {
	if s.anonymous {
		return
	}
	s.mu.Lock()
	s.signedOut = true
	s.mu.Unlock()
}

// SignedOut reports whether SignOut was called.
func (s *Session) SignedOut() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signedOut
}

func (s *Session) actor() string {
	if s == nil || s.anonymous {
		return anonymousActor
	}
	return s.name
}

// change runs one user-management change: checks RightManageUsers of by, applies fn to a copy of
// the configuration, checks the invariants, saves, and only then makes it current.
func (u *Users) change(ctx context.Context, by *Session, what string, fn func(cfg *usersConfig) error) error {
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	if err := u.Require(by, RightManageUsers); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	next := u.cfg.clone()
	next.Version = usersConfigVersion
	if err := fn(&next); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	next.normalize()
	if err := next.check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := u.save(ctx, next, by.actor()); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	u.commit(next)
	return nil
}

// addUser validates nu and appends it to cfg with its PIN hashed.
func (u *Users) addUser(cfg *usersConfig, nu NewUser) error {
	if err := validateUserName(nu.Name); err != nil {
		return err
	}
	if !nu.Role.Valid() {
		return fmt.Errorf("%w %q", ErrInvalidRole, nu.Role)
	}
	if cfg.find(nu.Name) >= 0 {
		return fmt.Errorf("%w: %q", ErrUserExists, nu.Name)
	}
	if nu.PIN == "" && nu.Role == RoleSupervisor {
		return ErrSupervisorNeedsPIN
	}
	rec := storedUser{Name: nu.Name, Role: nu.Role, MustChangePIN: nu.MustChangePIN}
	if nu.PIN != "" {
		if err := ValidatePINFor(nu.Role, nu.PIN); err != nil {
			return err
		}
		h, err := hashPIN(nu.PIN, u.pin, u.pepper)
		if err != nil {
			return err
		}
		rec.PINHash, rec.LongPIN = h, len(nu.PIN) >= MinSupervisorPINLength
	}
	cfg.Users = append(cfg.Users, rec)
	return nil
}

// AddUser creates a user. Requires RightManageUsers.
func (u *Users) AddUser(ctx context.Context, by *Session, nu NewUser) error {
	return u.change(ctx, by, fmt.Sprintf("add user %q", nu.Name), func(cfg *usersConfig) error {
		return u.addUser(cfg, nu)
	})
}

// RemoveUser deletes a user. The last supervisor cannot be removed while sign-in is enabled.
// Requires RightManageUsers.
func (u *Users) RemoveUser(ctx context.Context, by *Session, name string) error {
	return u.change(ctx, by, fmt.Sprintf("remove user %q", name), func(cfg *usersConfig) error {
		i := cfg.find(name)
		if i < 0 {
			return ErrUnknownUser
		}
		if cfg.Enabled && cfg.Users[i].Role == RoleSupervisor && cfg.supervisors() == 1 {
			return ErrLastSupervisor
		}
		cfg.Users = slices.Delete(cfg.Users, i, i+1)
		return nil
	})
}

// SetPIN sets or (for an operator, with pin "") removes a user's PIN, and clears any lockout and
// its escalation. A supervisor's PIN has at least MinSupervisorPINLength digits. Requires
// RightManageUsers.
func (u *Users) SetPIN(ctx context.Context, by *Session, name, pin string) error {
	return u.change(ctx, by, fmt.Sprintf("set PIN of %q", name), func(cfg *usersConfig) error {
		i := cfg.find(name)
		if i < 0 {
			return ErrUnknownUser
		}
		r := &cfg.Users[i]
		if pin == "" {
			if r.Role == RoleSupervisor {
				return ErrSupervisorNeedsPIN
			}
			r.PINHash, r.LongPIN = "", false
		} else {
			if err := ValidatePINFor(r.Role, pin); err != nil {
				return err
			}
			h, err := hashPIN(pin, u.pin, u.pepper)
			if err != nil {
				return err
			}
			r.PINHash, r.LongPIN = h, len(pin) >= MinSupervisorPINLength
		}
		r.FailedPINs, r.LockLevel, r.LockedUntil = 0, 0, time.Time{}
		return nil
	})
}

// Unlock clears a user's wrong-PIN count, lockout and its escalation, so the next lock-out is the
// first again. Requires RightManageUsers (the core checks it: a supervisor, or an operator granted
// the right).
func (u *Users) Unlock(ctx context.Context, by *Session, name string) error {
	return u.change(ctx, by, fmt.Sprintf("unlock %q", name), func(cfg *usersConfig) error {
		i := cfg.find(name)
		if i < 0 {
			return ErrUnknownUser
		}
		r := &cfg.Users[i]
		r.FailedPINs, r.LockLevel, r.LockedUntil = 0, 0, time.Time{}
		slog.Info("user's sign-in lock cleared", "user", r.Name, "by", by.actor())
		return nil
	})
}

// SetRole changes a user's role. A user needs a PIN of at least MinSupervisorPINLength digits to
// become supervisor (ErrSupervisorNeedsLongPIN: set a longer one with SetPIN first); the last supervisor
// cannot be demoted while sign-in is enabled. Requires RightManageUsers.
func (u *Users) SetRole(ctx context.Context, by *Session, name string, role Role) error {
	return u.change(ctx, by, fmt.Sprintf("set role of %q", name), func(cfg *usersConfig) error {
		if !role.Valid() {
			return fmt.Errorf("%w %q", ErrInvalidRole, role)
		}
		i := cfg.find(name)
		if i < 0 {
			return ErrUnknownUser
		}
		r := &cfg.Users[i]
		switch {
		case r.Role == role:
			return nil
		case role == RoleSupervisor && r.PINHash == "":
			return fmt.Errorf("%w; set a PIN for %s first", ErrSupervisorNeedsPIN, r.Name)
		case role == RoleSupervisor && !r.LongPIN:
			return ErrSupervisorNeedsLongPIN
		case r.Role == RoleSupervisor && cfg.Enabled && cfg.supervisors() == 1:
			return ErrLastSupervisor
		}
		r.Role = role
		return nil
	})
}

// SetEnabled turns user sign-in on or off. Turning it on needs at least one supervisor; turning it
// off gives everyone supervisor access. Requires RightManageUsers.
func (u *Users) SetEnabled(ctx context.Context, by *Session, on bool) error {
	what := "disable user sign-in"
	if on {
		what = "enable user sign-in"
	}
	return u.change(ctx, by, what, func(cfg *usersConfig) error {
		if on && cfg.supervisors() == 0 {
			return ErrNoSupervisor
		}
		cfg.Enabled = on
		return nil
	})
}

// SetOperatorRights sets the rights every operator has (Roles setup). Requires RightManageUsers.
func (u *Users) SetOperatorRights(ctx context.Context, by *Session, rights []Right) error {
	return u.change(ctx, by, "set operator rights", func(cfg *usersConfig) error {
		for _, r := range rights {
			if !r.Valid() {
				return fmt.Errorf("%w %q", ErrUnknownRight, r)
			}
		}
		cfg.OperatorRights = normalizeRights(rights)
		return nil
	})
}

// Seed creates users and operator rights on first start only: if the store has never held a users
// configuration, it creates users, grants operatorRights and enables sign-in (if any user was given;
// then there must be a supervisor). Otherwise it does nothing. Used for demo data.
func (u *Users) Seed(ctx context.Context, users []NewUser, operatorRights []Right) error {
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	if u.stored {
		return nil
	}
	next := usersConfig{Version: usersConfigVersion}
	for _, nu := range users {
		if err := u.addUser(&next, nu); err != nil {
			return fmt.Errorf("seed users: user %q: %w", nu.Name, err)
		}
	}
	for _, r := range operatorRights {
		if !r.Valid() {
			return fmt.Errorf("seed users: %w %q", ErrUnknownRight, r)
		}
	}
	next.OperatorRights = operatorRights
	next.Enabled = len(next.Users) > 0
	next.normalize()
	if err := next.check(); err != nil {
		return fmt.Errorf("seed users: %w", err)
	}
	if err := u.save(ctx, next, seedActor); err != nil {
		return fmt.Errorf("seed users: %w", err)
	}
	u.commit(next)
	return nil
}
