package meter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Account codes are the cost centres a mailroom charges postage back to. Each piece records its
// code's ID, which never changes, so a renamed code keeps its history and reports find it under the
// new name. A code that has been used is never deleted, only disabled: its pieces stay accounted for.
// A code may have its own PIN (a department's budget holder keeps it); a session that gave it may
// charge that code until it ends. Managing codes is the right ManageAccounts, apart from managing
// users.

// Account is one account code as the screens show it; its PIN is never shown, only whether it has one.
type Account struct {
	ID       string // recorded with each piece; never changes
	Name     string // what the clerk reads and picks
	Disabled bool   // kept for its pieces; no new piece may be charged to it
	HasPIN   bool
}

// Accounts is the meter's account-code setup.
type Accounts struct {
	List []Account // in the order they were added
	// Required makes Run Mail refuse a piece without an account code.
	Required bool
	// Defaults is each user's own code, chosen on Run Mail when the user signs in (user name → ID).
	Defaults map[string]string
}

// Find returns the account with the given ID.
func (a Accounts) Find(id string) (Account, bool) {
	i := slices.IndexFunc(a.List, func(c Account) bool { return c.ID == id })
	if i < 0 {
		return Account{}, false
	}
	return a.List[i], true
}

// Enabled lists the accounts a piece may be charged to.
func (a Accounts) Enabled() []Account {
	return slices.DeleteFunc(slices.Clone(a.List), func(c Account) bool { return c.Disabled })
}

// AccountError is a refusal about an account code; it matches its kind (errors.Is) and names the code
// (or the user, for ErrAccountIsDefault) so the clerk's message can.
type AccountError struct {
	Kind  error
	Name  string
	Limit int // ErrTooManyAccounts: how many codes the meter holds
}

func (e *AccountError) Error() string {
	if e.Limit > 0 {
		return fmt.Sprintf("%v: this meter holds %d", e.Kind, e.Limit)
	}
	return fmt.Sprintf("%v: %q", e.Kind, e.Name)
}

func (e *AccountError) Unwrap() error { return e.Kind }

func accountErr(kind error, name string) error { return &AccountError{Kind: kind, Name: name} }

// Errors of the account codes.
var (
	ErrAccountRequired  = errors.New("an account code is required")
	ErrAccountDisabled  = errors.New("account code disabled")
	ErrAccountPIN       = errors.New("account code PIN needed")
	ErrAccountName      = errors.New("invalid account code name")
	ErrAccountNameTaken = errors.New("account code name taken")
	ErrTooManyAccounts  = errors.New("too many account codes")
	ErrWrongAccountPIN  = errors.New("wrong account code PIN")
	ErrAccountNotFound  = errors.New("no such account code")
	ErrAccountIsDefault = errors.New("account code is a user's default")
)

// AccountNameMaxLength is the most characters an account code's name has.
const AccountNameMaxLength = 24

const (
	keyAccounts           = "accounts"
	accountsConfigVersion = 1
	// MaxAccounts is how many codes a meter keeps when its model says nothing (Connect+ models
	// hold hundreds; the screens page through them).
	MaxAccounts = 300
)

type storedAccount struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Disabled bool   `json:"disabled,omitempty"`
	PINHash  string `json:"pin_hash,omitempty"` // argon2id, peppered like the users' PINs
}

type accountsConfig struct {
	Version  int               `json:"version"`
	Accounts []storedAccount   `json:"accounts"`
	Required bool              `json:"required,omitempty"`
	Defaults map[string]string `json:"defaults,omitempty"`
	Next     int               `json:"next"` // the number the next new code's ID takes
}

func (c *accountsConfig) find(id string) int {
	return slices.IndexFunc(c.Accounts, func(a storedAccount) bool { return a.ID == id })
}

func (c *accountsConfig) findName(name string) int {
	return slices.IndexFunc(c.Accounts, func(a storedAccount) bool { return strings.EqualFold(a.Name, name) })
}

func (c accountsConfig) view() Accounts {
	out := Accounts{Required: c.Required, Defaults: map[string]string{}}
	for _, a := range c.Accounts {
		out.List = append(out.List, Account{ID: a.ID, Name: a.Name, Disabled: a.Disabled, HasPIN: a.PINHash != ""})
	}
	for u, id := range c.Defaults {
		out.Defaults[u] = id
	}
	return out
}

// accounts reads the setup; a meter from before it kept a plain list of names ("account_codes"), each
// of which becomes a code whose ID is its name, as its pieces recorded it.
func (m *Meter) accounts(ctx context.Context) (accountsConfig, error) {
	var cfg accountsConfig
	ok, err := m.jsonSetting(ctx, keyAccounts, &cfg)
	if err != nil {
		return cfg, err
	}
	if ok {
		if cfg.Version != accountsConfigVersion {
			return cfg, fmt.Errorf("account codes: stored setup has unsupported version %d", cfg.Version)
		}
		return cfg, nil
	}
	var names []string
	if _, err := m.jsonSetting(ctx, keyAccountCodes, &names); err != nil {
		return cfg, err
	}
	cfg = accountsConfig{Version: accountsConfigVersion, Next: 1}
	for _, n := range names {
		cfg.Accounts = append(cfg.Accounts, storedAccount{ID: n, Name: n})
	}
	return cfg, nil
}

// Accounts returns the account-code setup.
func (m *Meter) Accounts(ctx context.Context) (Accounts, error) {
	cfg, err := m.accounts(ctx)
	if err != nil {
		return Accounts{}, err
	}
	return cfg.view(), nil
}

// AccountCodes lists the IDs of the codes a piece may be charged to.
func (m *Meter) AccountCodes(ctx context.Context) ([]string, error) {
	a, err := m.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range a.Enabled() {
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// changeAccounts checks the right, applies change to a copy of the setup and stores it as one
// setting change (recorded in the audit trail with the user's name).
func (m *Meter) changeAccounts(ctx context.Context, s *Session, change func(*accountsConfig) error) error {
	if err := m.require(s, RightManageAccounts); err != nil {
		return err
	}
	m.accountsMu.Lock()
	defer m.accountsMu.Unlock()
	cfg, err := m.accounts(ctx)
	if err != nil {
		return err
	}
	cfg.Accounts = slices.Clone(cfg.Accounts)
	defaults := map[string]string{}
	for u, id := range cfg.Defaults {
		defaults[u] = id
	}
	cfg.Defaults = defaults
	if err := change(&cfg); err != nil {
		return err
	}
	return m.setJSON(ctx, keyAccounts, cfg, s.User().Name)
}

// maxAccounts is how many codes this meter's model holds.
func (m *Meter) maxAccounts() int {
	if n := m.Model().Accounts; n > 0 {
		return n
	}
	return MaxAccounts
}

// validateAccountName checks a code's name: 1 to 24 printable characters, not only spaces.
func validateAccountName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", accountErr(ErrAccountName, name)
	case utf8.RuneCountInString(name) > AccountNameMaxLength:
		return "", accountErr(ErrAccountName, name)
	case strings.ContainsFunc(name, unicode.IsControl) || !utf8.ValidString(name):
		return "", accountErr(ErrAccountName, name)
	}
	return name, nil
}

// AddAccount adds a code with a new ID and returns the ID.
func (m *Meter) AddAccount(ctx context.Context, s *Session, name string) (string, error) {
	name, err := validateAccountName(name)
	if err != nil {
		return "", err
	}
	var id string
	err = m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		if cfg.findName(name) >= 0 {
			return accountErr(ErrAccountNameTaken, name)
		}
		if len(cfg.Accounts) >= m.maxAccounts() {
			return &AccountError{Kind: ErrTooManyAccounts, Limit: m.maxAccounts()}
		}
		for cfg.Next = max(cfg.Next, 1); ; cfg.Next++ {
			id = fmt.Sprintf("A%04d", cfg.Next)
			if cfg.find(id) < 0 {
				break
			}
		}
		cfg.Next++
		cfg.Accounts = append(cfg.Accounts, storedAccount{ID: id, Name: name})
		return nil
	})
	return id, err
}

// RenameAccount gives a code a new name; its ID, and so its pieces, stay.
func (m *Meter) RenameAccount(ctx context.Context, s *Session, id, name string) error {
	name, err := validateAccountName(name)
	if err != nil {
		return err
	}
	return m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		i := cfg.find(id)
		if i < 0 {
			return accountErr(ErrAccountNotFound, id)
		}
		if j := cfg.findName(name); j >= 0 && j != i {
			return accountErr(ErrAccountNameTaken, name)
		}
		cfg.Accounts[i].Name = name
		return nil
	})
}

// SetAccountDisabled disables a code (no new piece may be charged to it) or enables it again. A
// user's default code cannot be disabled until the user has another.
func (m *Meter) SetAccountDisabled(ctx context.Context, s *Session, id string, disabled bool) error {
	return m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		i := cfg.find(id)
		if i < 0 {
			return accountErr(ErrAccountNotFound, id)
		}
		if disabled {
			for u, d := range cfg.Defaults {
				if d == id {
					return accountErr(ErrAccountIsDefault, u)
				}
			}
		}
		cfg.Accounts[i].Disabled = disabled
		return nil
	})
}

// SetAccountPIN gives a code a PIN of 4 to 8 digits, or takes it away with "".
func (m *Meter) SetAccountPIN(ctx context.Context, s *Session, id, pin string) error {
	hash := ""
	if pin != "" {
		if err := ValidatePIN(pin); err != nil {
			return err
		}
		u := m.cfg.Users
		h, err := hashPIN(pin, u.pin, u.pepper)
		if err != nil {
			return err
		}
		hash = h
	}
	return m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		i := cfg.find(id)
		if i < 0 {
			return accountErr(ErrAccountNotFound, id)
		}
		cfg.Accounts[i].PINHash = hash
		return nil
	})
}

// SetAccountRequired makes Run Mail require an account code on every piece, or not.
func (m *Meter) SetAccountRequired(ctx context.Context, s *Session, required bool) error {
	return m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		if required && len(cfg.view().Enabled()) == 0 {
			return accountErr(ErrAccountNotFound, "")
		}
		cfg.Required = required
		return nil
	})
}

// SetDefaultAccount makes id the code Run Mail starts with for user ("" for none).
func (m *Meter) SetDefaultAccount(ctx context.Context, s *Session, user, id string) error {
	return m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		users := m.cfg.Users.List()
		if i := slices.IndexFunc(users, func(u User) bool { return strings.EqualFold(u.Name, strings.TrimSpace(user)) }); i >= 0 {
			user = users[i].Name
		} else {
			return fmt.Errorf("%w: there is no user named %q", ErrUnknownUser, user)
		}
		if id == "" {
			delete(cfg.Defaults, user)
			return nil
		}
		i := cfg.find(id)
		if i < 0 || cfg.Accounts[i].Disabled {
			return accountErr(ErrAccountNotFound, id)
		}
		cfg.Defaults[user] = id
		return nil
	})
}

// SetAccountCodes makes names the meter's codes, each with its name as its ID (the simulator's demo
// codes, and meters set up from a list). Codes not named are disabled, never removed.
func (m *Meter) SetAccountCodes(ctx context.Context, s *Session, names []string) error {
	return m.changeAccounts(ctx, s, func(cfg *accountsConfig) error {
		for i := range cfg.Accounts {
			cfg.Accounts[i].Disabled = !slices.Contains(names, cfg.Accounts[i].ID)
		}
		for _, n := range names {
			if _, err := validateAccountName(n); err != nil {
				return err
			}
			if i := cfg.find(n); i >= 0 {
				continue
			}
			if len(cfg.Accounts) >= m.maxAccounts() {
				return &AccountError{Kind: ErrTooManyAccounts, Limit: m.maxAccounts()}
			}
			cfg.Accounts = append(cfg.Accounts, storedAccount{ID: n, Name: n})
		}
		return nil
	})
}

// UnlockAccount checks a code's PIN; the session may then charge the code until it ends. A wrong PIN
// is refused (the code's PIN is a budget holder's, not a sign-in: it is not counted towards a lock).
func (m *Meter) UnlockAccount(ctx context.Context, s *Session, id, pin string) error {
	if err := m.active(s); err != nil {
		return err
	}
	cfg, err := m.accounts(ctx)
	if err != nil {
		return err
	}
	i := cfg.find(id)
	if i < 0 || cfg.Accounts[i].Disabled {
		return accountErr(ErrAccountNotFound, id)
	}
	a := cfg.Accounts[i]
	if a.PINHash != "" {
		if err := ValidatePIN(pin); err != nil {
			return err
		}
		ok, err := verifyPIN(pin, a.PINHash, m.cfg.Users.pepper)
		if err != nil {
			return err
		}
		if !ok {
			return accountErr(ErrWrongAccountPIN, a.Name)
		}
	}
	s.unlockAccount(a.ID, a.PINHash)
	return nil
}

// checkAccountCode checks that a piece may be charged to code: the code exists and is enabled, its
// PIN was given in this session when it has one, and a code is given when the meter requires one.
func (m *Meter) checkAccountCode(ctx context.Context, s *Session, code string) error {
	cfg, err := m.accounts(ctx)
	if err != nil {
		return err
	}
	if code == "" {
		if cfg.Required {
			return ErrAccountRequired
		}
		return nil
	}
	i := cfg.find(code)
	switch {
	case i < 0:
		return accountErr(ErrUnknownAccount, code)
	case cfg.Accounts[i].Disabled:
		return accountErr(ErrAccountDisabled, cfg.Accounts[i].Name)
	case cfg.Accounts[i].PINHash != "" && !s.accountUnlocked(code, cfg.Accounts[i].PINHash):
		return accountErr(ErrAccountPIN, cfg.Accounts[i].Name)
	}
	return nil
}
