package meter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"postmeter/funds"
)

// Identity is who the meter is to the post and the Data Center.
type Identity struct {
	Serial        string // meter number, also the Data Center's meter serial
	IndiciaNumber string // printed in every indicium
	AccountNumber string // the 8-digit postage account refills draw on
	OriginZIP     string
	Name          string // optional meter name
}

// Config assembles a meter from its parts.
type Config struct {
	Identity   Identity
	Vault      *funds.Vault
	DataCenter funds.DataCenter
	Users      *Users
	Clock      Clock
	Model      Model
	Rates      []RateTable
	// AllowUnverifiedRates lets the meter price from a rate table marked unverified. The trainer sets
	// it (and its screens say the rates are unverified); a kiosk only when its configuration allows,
	// otherwise the clerk keys in the postage on dates such a table is in force.
	AllowUnverifiedRates bool
	Engine               PrintEngine
	Printer              AttachedPrinter // nil: no attached printer, so no "Print on document"
	Scale                Scale           // nil: weights are keyed in
	Inspection           InspectionProfile
	Retry                funds.RetryPolicy
	// Link, if set, tells whether the network link is up without sending anything (the trainer's
	// SimLink). Without it (the kiosk) the last request's outcome is all the meter knows.
	Link LinkStatus
	// ExportDir is the folder reports are exported to as CSV: a USB stick's mount point on the kiosk,
	// a folder of the simulator's. "" means the meter exports nothing and says so.
	ExportDir string
	Log       *slog.Logger
	// Archive says where archive files go and how long records stay in the meter (archive.go); zero
	// means the archive folder beside the vault and funds.DefaultArchiveKeep.
	Archive funds.ArchiveOptions
}

// Meter is the meter core every screen talks to.
type Meter struct {
	cfg      Config
	refiller *funds.Refiller
	log      *slog.Logger

	mu             sync.Mutex
	accountsMu     sync.Mutex            // serializes changes of the account codes (read, change, store)
	zeroMu         sync.Mutex            // serializes the test-print count (read, add one, store)
	presetsMu      sync.Mutex            // serializes changes of the job presets
	warningCleared bool                  // the inspection warning was cleared since power-up
	receiptAt      time.Time             // when the last contact receipt was kept (meter clock)
	balance        *funds.AccountBalance // the last Get Balance answer, nil before
	balanceAt      time.Time
	conn           Connection
	probeAt        time.Time   // when Probe last tried to settle owed refills
	diffStack      Weight      // differential weighing: the stack on the scale after the last piece
	rates          []RateTable // built in and installed from the Data Center (ratesync.go), oldest first
	auto           autoRefill  // auto-refill's running state and last failure (autorefill.go)
}

// Connection is what the meter knows of its link to the Data Center, for the status bar.
type Connection struct {
	Known bool      // false until the first contact was tried since start-up
	OK    bool      // the last contact got an answer
	At    time.Time // when
	// LinkDown is true when the last contact failed while the link was down: once the link is back,
	// that failure says nothing about the Data Center any more.
	LinkDown bool
}

// Connection reports the outcome of the last Data Center contact.
func (m *Meter) Connection() Connection {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.conn
}

// noteFailure records a contact that got no answer; other errors say nothing about the link.
func (m *Meter) noteFailure(err error) {
	if errors.Is(err, funds.ErrNoConnection) {
		down := m.cfg.Link != nil && !m.cfg.Link.Up()
		m.mu.Lock()
		m.conn = Connection{Known: true, OK: false, At: m.Now(), LinkDown: down}
		m.mu.Unlock()
	}
}

// Settings keys in the vault.
const (
	keyLowFunds      = "low_funds_warning"
	keyDefaultRefill = "default_refill"
	keyLimits        = "refill_limits"
	keyInstalled     = "installed_at" // the inspection clock counts from here until the first signed contact
	keySuspect       = "suspect"      // why the Data Center refused this meter's registers
	keyPostalInfo    = "postal_info_sent"
	keyAccountCodes  = "account_codes"
	keyLastRefill    = "last_refill"
)

// Factory settings, used until a supervisor changes them.
const (
	DefaultLowFundsWarning = 25 * funds.Dollar
	DefaultRefillAmount    = 100 * funds.Dollar
)

// Open starts the meter core: it checks the parts, spoils pieces whose print was never confirmed (they
// are never reprinted) and starts the inspection clock on first use. It does not contact the Data
// Center; call Reconcile for that.
func Open(ctx context.Context, cfg Config) (*Meter, error) {
	switch {
	case cfg.Vault == nil || cfg.DataCenter == nil || cfg.Users == nil || cfg.Engine == nil:
		return nil, errors.New("open meter: vault, data center, users and print engine are required")
	case len(cfg.Rates) == 0:
		return nil, errors.New("open meter: no rate table")
	case cfg.Model.Name == "":
		// The model decides tape, weighing methods and account codes (modelrules.go): none is no model.
		return nil, errors.New("open meter: no model profile")
	case cfg.Identity.Serial == "" || cfg.Identity.AccountNumber == "":
		return nil, errors.New("open meter: serial and account number are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Inspection.LockAfter == 0 {
		cfg.Inspection = SendProP
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	m := &Meter{cfg: cfg, log: cfg.Log}
	m.refiller = &funds.Refiller{Vault: cfg.Vault, DC: cfg.DataCenter, Retry: cfg.Retry, Log: cfg.Log,
		OnContact: func(ctx context.Context, proof funds.SignedAnswer) { m.recordContact(ctx, proof) }}
	if n, err := cfg.Vault.SpoilUnconfirmedPieces(ctx, unconfirmedNote); err != nil {
		return nil, fmt.Errorf("open meter: %w", err)
	} else if n > 0 {
		m.log.Warn("pieces spoiled at start-up", "count", n)
	}
	m.installRates(nil)
	if err := m.loadInstalledRates(ctx); err != nil {
		return nil, fmt.Errorf("open meter: %w", err)
	}
	if _, ok, err := cfg.Vault.Setting(ctx, keyInstalled); err != nil {
		return nil, fmt.Errorf("open meter: %w", err)
	} else if !ok {
		// A new meter starts its inspection clock when it is installed; whether it reaches its Data
		// Center is not known until it first tries. The setting is audited like every other, so an
		// edit of it is found by the vault's Verify.
		if err := cfg.Vault.SetSetting(ctx, keyInstalled, m.Now().UTC().Format(time.RFC3339Nano), "system"); err != nil {
			return nil, fmt.Errorf("open meter: start the inspection clock: %w", err)
		}
	}
	return m, nil
}

// Identity returns who the meter is.
func (m *Meter) Identity() Identity { return m.cfg.Identity }

// Model returns the meter's model profile.
func (m *Meter) Model() Model { return m.cfg.Model }

// Users returns sign-in and rights.
func (m *Meter) Users() *Users { return m.cfg.Users }

// Now is the meter's clock.
func (m *Meter) Now() time.Time { return m.cfg.Clock.Now() }

// HasAttachedPrinter tells whether "Print on document" exists on this meter.
func (m *Meter) HasAttachedPrinter() bool { return m.cfg.Printer != nil }

// HasScale tells whether weights can come from a scale.
func (m *Meter) HasScale() bool { return m.cfg.Scale != nil }

// Can tells the UI whether to draw a lock: the core still checks on every action.
func (m *Meter) Can(s *Session, r Right) bool { return m.cfg.Users.Can(s, r) }

// require checks the session and the right, and counts the action as activity.
func (m *Meter) require(s *Session, r Right) error {
	if err := m.cfg.Users.Require(s, r); err != nil {
		return err
	}
	if s != nil {
		s.Touch()
	}
	return nil
}

// active checks that the session has not timed out, for actions every user may do.
func (m *Meter) active(s *Session) error {
	u := m.cfg.Users
	if !u.Enabled() {
		return nil
	}
	if s == nil || s.Anonymous() || s.SignedOut() {
		return ErrNotSignedIn
	}
	if s.Expired() {
		return &SessionExpiredError{Idle: u.IdleTimeout()}
	}
	s.Touch()
	return nil
}

func (m *Meter) amountSetting(ctx context.Context, key string, fallback funds.Amount) (funds.Amount, error) {
	v, ok, err := m.cfg.Vault.Setting(ctx, key)
	if err != nil || !ok {
		return fallback, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fallback, fmt.Errorf("setting %s=%q is not an amount in mills: %w", key, v, err)
	}
	return funds.Amount(n), nil
}

func (m *Meter) setAmount(ctx context.Context, key string, a funds.Amount, actor string) error {
	return m.cfg.Vault.SetSetting(ctx, key, strconv.FormatInt(a.Mills(), 10), actor)
}

func (m *Meter) jsonSetting(ctx context.Context, key string, into any) (bool, error) {
	v, ok, err := m.cfg.Vault.Setting(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal([]byte(v), into); err != nil {
		return false, fmt.Errorf("setting %s: %w", key, err)
	}
	return true, nil
}

func (m *Meter) setJSON(ctx context.Context, key string, v any, actor string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return m.cfg.Vault.SetSetting(ctx, key, string(b), actor)
}

// recordContact keeps a signed contact receipt: the inspection clock counts from the Data Center's time
// in it, never from anything the meter could set itself.
// A refill brings two receipts a few milliseconds apart; keeping one a minute is plenty for a clock
// counted in days, and spares the vault a commit per answer.
func (m *Meter) recordContact(ctx context.Context, proof funds.SignedAnswer) {
	m.mu.Lock()
	recent := !m.receiptAt.IsZero() && m.Now().Sub(m.receiptAt) < receiptInterval && m.Now().After(m.receiptAt)
	m.mu.Unlock()
	if !recent {
		if _, err := m.cfg.Vault.RecordContact(ctx, proof, "system"); err != nil {
			m.log.Error("contact receipt refused", "err", err)
			return
		}
		m.mu.Lock()
		m.receiptAt = m.Now()
		m.mu.Unlock()
	}
	m.markConnected()
}

// receiptInterval is how often a contact receipt is kept at most.
const receiptInterval = time.Minute

// markConnected notes a definite answer from the Data Center.
func (m *Meter) markConnected() {
	m.mu.Lock()
	m.warningCleared = false
	m.conn = Connection{Known: true, OK: true, At: m.Now()}
	m.mu.Unlock()
}

// Inspection reports the inspection clock: from the newest signed contact receipt, or from the
// installation before the first contact.
func (m *Meter) Inspection(ctx context.Context) (InspectionStatus, error) {
	v, ok, err := m.cfg.Vault.Setting(ctx, keyInstalled)
	if err != nil {
		return InspectionStatus{}, err
	}
	last := m.Now()
	if ok {
		if last, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return InspectionStatus{}, fmt.Errorf("installation time %q: %w", v, err)
		}
	}
	contact, ok, err := m.cfg.Vault.LastContact(ctx)
	if err != nil {
		return InspectionStatus{}, err
	}
	if ok && contact.After(last) {
		last = contact
	}
	m.mu.Lock()
	cleared := m.warningCleared
	m.mu.Unlock()
	return m.cfg.Inspection.Inspect(last, m.Now(), cleared), nil
}

// ClearInspectionWarning hides the inspection warning until the next power-up (the grace period); it
// changes nothing about the lock date.
func (m *Meter) ClearInspectionWarning() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.warningCleared = true
}

// Reconcile settles every open refill with the Data Center (start-up, after a connection).
func (m *Meter) Reconcile(ctx context.Context) error {
	if err := m.refiller.Reconcile(ctx); err != nil {
		return fmt.Errorf("settle open refills: %w", err)
	}
	return nil
}

// Registers reads the PSD registers.
func (m *Meter) Registers(ctx context.Context) (funds.Registers, error) {
	return m.cfg.Vault.Registers(ctx)
}
