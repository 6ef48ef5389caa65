package meter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"postmeter/funds"
	"postmeter/printer/when"
)

// Auto-refill: when a debit leaves the postage in the meter below the low-funds value, the meter adds
// the default refill amount by itself, in the background, through the same exactly-once path as a
// manual refill (the intent with its id committed before the Data Center hears of it; Reconcile
// finishes or settles it after a restart). Everything is decided here: whether it is on, whether the
// day's limits allow one (checked and recorded by the vault in the transaction that stores the intent),
// and when to try again after a failure, so that a meter without its Data Center does not ask again
// after every piece.

// AutoRefillSettings are what a supervisor sets. Threshold and Amount are the refill settings' low-funds
// value and default refill amount (one figure each, whatever uses it).
type AutoRefillSettings struct {
	On              bool
	Threshold       funds.Amount // refill when the postage in the meter falls below this
	Amount          funds.Amount // what each auto-refill adds
	MaxPerDay       int          // auto-refills a day (the meter's day), at most
	MaxPerDayAmount funds.Amount // added by auto-refills a day, at most
}

// Factory limits of auto-refill, which starts off.
const (
	DefaultAutoRefillsPerDay = 2
	DefaultAutoRefillAmount  = 300 * funds.Dollar
	MaxAutoRefillsPerDay     = 10 // a meter that needs more should have a larger refill amount
)

// AutoRefillRetryAfter is how long the meter waits after a failed auto-refill (no connection, declined)
// before it tries again on the next piece: long enough that a meter without its Data Center does not
// ask after every piece, short enough that a cable plugged back in is noticed within the morning's mail.
const AutoRefillRetryAfter = 15 * time.Minute

const keyAutoRefill = "auto_refill" // {"on":…, "per_day":…, "per_day_mills":…}

type autoRefillStored struct {
	On          bool  `json:"on"`
	PerDay      int   `json:"per_day"`
	PerDayMills int64 `json:"per_day_mills"`
}

// AutoSettingsError is an auto-refill setting refused before anything is stored.
type AutoSettingsError struct {
	Reason MessageID // the catalogue text that says what is wrong and what to do
	Args   []any
}

func (e *AutoSettingsError) Error() string {
	return "auto-refill settings: " + Words(e.Reason, e.Args...)
}

// autoRefill is the meter's in-memory state of auto-refill: whether one runs now, and the last failure
// (forgotten at a restart, where the next piece may try again at once).
type autoRefill struct {
	mu       sync.Mutex
	running  bool // the goroutine that decides and refills is on
	adding   bool // it is driving a refill (what Home shows as running)
	wg       sync.WaitGroup
	failedAt time.Time // meter clock
	failure  error     // why the last attempt failed; nil after a success
	notify   func()    // told when an attempt ends (the screens refresh Home)

	// planted replaces the day's count the vault keeps and the limits it enforces: a bug the crash
	// harness must catch, installed only by this package's _test.go files; nil in every program.
	planted func(day string) (used funds.AutoDay, vaultLimits funds.AutoLimits)
}

// AutoRefillSettings reads the auto-refill settings.
func (m *Meter) AutoRefillSettings(ctx context.Context) (AutoRefillSettings, error) {
	set, err := m.Settings(ctx)
	if err != nil {
		return AutoRefillSettings{}, err
	}
	st := autoRefillStored{PerDay: DefaultAutoRefillsPerDay, PerDayMills: DefaultAutoRefillAmount.Mills()}
	if _, err := m.jsonSetting(ctx, keyAutoRefill, &st); err != nil {
		return AutoRefillSettings{}, err
	}
	return AutoRefillSettings{On: st.On, Threshold: set.LowFundsWarning, Amount: set.DefaultRefill,
		MaxPerDay: st.PerDay, MaxPerDayAmount: funds.Amount(st.PerDayMills)}, nil
}

// SetAutoRefill stores all the auto-refill settings in one audited transaction, for a user with the
// right to change refill settings. The amount must be within the refill limits, and a day's limits
// must allow at least one refill of it.
func (m *Meter) SetAutoRefill(ctx context.Context, s *Session, a AutoRefillSettings) error {
	if err := m.require(s, RightRefillSettings); err != nil {
		return err
	}
	if err := m.CheckRefillAmount(ctx, a.Amount); err != nil {
		return err
	}
	switch {
	case a.Threshold < 0:
		return &AutoSettingsError{Reason: MsgAutoNegativeThreshold}
	case a.MaxPerDay < 1 || a.MaxPerDay > MaxAutoRefillsPerDay:
		return &AutoSettingsError{Reason: MsgAutoPerDayRange, Args: []any{MaxAutoRefillsPerDay}}
	case a.MaxPerDayAmount < a.Amount:
		return &AutoSettingsError{Reason: MsgAutoPerDayAmount, Args: []any{a.MaxPerDayAmount, a.Amount}}
	}
	b, err := jsonString(autoRefillStored{On: a.On, PerDay: a.MaxPerDay, PerDayMills: a.MaxPerDayAmount.Mills()})
	if err != nil {
		return err
	}
	err = m.cfg.Vault.SetSettings(ctx, [][2]string{
		{keyLowFunds, strconv.FormatInt(a.Threshold.Mills(), 10)},
		{keyDefaultRefill, strconv.FormatInt(a.Amount.Mills(), 10)},
		{keyAutoRefill, b},
	}, s.User().Name)
	if err != nil {
		return err
	}
	// New settings are a new start: a failure under the old ones says nothing about the new.
	m.auto.mu.Lock()
	m.auto.failedAt, m.auto.failure = time.Time{}, nil
	m.auto.mu.Unlock()
	return nil
}

// OnAutoRefill sets fn to be called (on the auto-refill's goroutine) whenever an auto-refill attempt
// ends, so a screen can show its outcome.
func (m *Meter) OnAutoRefill(fn func()) {
	m.auto.mu.Lock()
	defer m.auto.mu.Unlock()
	m.auto.notify = fn
}

// WaitAutoRefill waits until no auto-refill runs (before closing the vault, and in tests).
func (m *Meter) WaitAutoRefill() { m.auto.wg.Wait() }

// day is the meter's day that auto-refill limits count in.
func (m *Meter) day() string { return m.Now().Format(time.DateOnly) }

// afterDebit is called after every debit and every debit refused for want of funds, with the postage
// now in the meter and the low-funds value the caller read: below it, it starts an auto-refill in the
// background when one is due. It never blocks the print: the rest of the decision is read and made on
// the auto-refill's own goroutine.
func (m *Meter) afterDebit(available, threshold funds.Amount) {
	if available >= threshold {
		return // the common case, decided without a goroutine or a read
	}
	m.auto.mu.Lock()
	if m.auto.running {
		m.auto.mu.Unlock()
		return
	}
	m.auto.running = true
	m.auto.wg.Add(1)
	m.auto.mu.Unlock()
	go func() {
		defer m.auto.wg.Done()
		// A refill outlives the print that started it; it has the retries' time, no more.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		tried, err := m.autoRefillOnce(ctx, available)
		m.auto.mu.Lock()
		m.auto.running = false
		if tried {
			m.auto.failure = err
			m.auto.failedAt = time.Time{}
			if err != nil {
				m.auto.failedAt = m.Now()
			}
		}
		notify := m.auto.notify
		m.auto.mu.Unlock()
		if err != nil {
			m.log.Warn("auto-refill", "err", err)
		}
		if tried && notify != nil {
			notify()
		}
	}()
}

// autoRefillOnce makes one auto-refill if one is due; tried is false when none was (off, funds above
// the threshold, a refill pending, waiting after a failure).
func (m *Meter) autoRefillOnce(ctx context.Context, available funds.Amount) (tried bool, err error) {
	a, err := m.AutoRefillSettings(ctx)
	if err != nil || !a.On || available >= a.Threshold {
		return false, err
	}
	m.auto.mu.Lock()
	waiting := !m.auto.failedAt.IsZero() && m.Now().Sub(m.auto.failedAt) < AutoRefillRetryAfter && !m.Now().Before(m.auto.failedAt)
	m.auto.mu.Unlock()
	if waiting {
		return false, nil
	}
	if suspect, err := m.Suspect(ctx); err != nil || suspect {
		return false, err
	}
	// The refill the clerk waits on (or an earlier auto-refill that got no answer) comes first; an
	// auto-refill that got no answer is tried again with its own id, never replaced by a new one.
	pending, err := m.PendingRefill(ctx)
	if err != nil {
		return false, err
	}
	if pending != nil {
		if pending.Actor != funds.AutoRefillActor {
			return false, nil
		}
		return true, m.driveAuto(ctx, pending.ID)
	}
	if err := m.CheckRefillAmount(ctx, a.Amount); err != nil {
		return true, err
	}
	day := m.day()
	lim := funds.AutoLimits{Count: a.MaxPerDay, Amount: a.MaxPerDayAmount}
	vaultLim := lim
	// A read first, so that a meter at its day's limit does not write an attempt per piece.
	used, err := m.cfg.Vault.AutoRefillDay(ctx, day)
	if err != nil {
		return false, err
	}
	if m.auto.planted != nil {
		used, vaultLim = m.auto.planted(day)
	}
	if used.Count+1 > lim.Count || used.Amount+a.Amount > lim.Amount {
		return true, &funds.AutoLimitError{Day: day, Amount: a.Amount, Used: used, Limits: lim}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return false, err
	}
	// The vault checks the limits again in the transaction that stores the intent: the read above may
	// be stale, the transaction cannot be.
	err = m.cfg.Vault.CreateAutoRefill(ctx, id.String(), a.Amount, day, vaultLim)
	if errors.Is(err, funds.ErrRefillPending) {
		return false, nil // a manual refill started meanwhile: it is the clerk's
	}
	if err != nil {
		return true, err
	}
	return true, m.driveAuto(ctx, id.String())
}

// driveAuto takes the auto-refill id through the refill protocol, Home saying meanwhile that it runs.
func (m *Meter) driveAuto(ctx context.Context, id string) error {
	m.auto.mu.Lock()
	m.auto.adding = true
	m.auto.mu.Unlock()
	defer func() {
		m.auto.mu.Lock()
		m.auto.adding = false
		m.auto.mu.Unlock()
	}()
	res, err := m.refiller.Resume(ctx, id, nil)
	return m.finishAuto(ctx, res, err)
}

// finishAuto keeps the outcome of a driven auto-refill as a manual refill's is kept: the connection,
// the cached limits and balance, and the receipt of a completed one.
func (m *Meter) finishAuto(ctx context.Context, res funds.RefillResult, err error) error {
	var declined *funds.DeclinedError
	switch {
	case err == nil:
	case errors.As(err, &declined):
		m.markConnected()
		return err
	default:
		m.noteFailure(err)
		m.noteRefusal(ctx, err)
		return err
	}
	m.markConnected()
	m.cacheLimits(ctx, res.Account)
	c := Completion{ID: res.ID, At: m.Now(), By: Words(MsgAutoRefillBy), Before: res.Before, Added: res.Added,
		After: res.After, Confirmed: res.Confirmed, Account: res.Account, Automatic: true}
	if res.Account != nil {
		m.mu.Lock()
		m.balance, m.balanceAt = res.Account, c.At
		m.mu.Unlock()
	}
	if err := m.setJSON(ctx, keyLastRefill, c, funds.AutoRefillActor); err != nil {
		return fmt.Errorf("keep the auto-refill receipt: %w", err)
	}
	return nil
}

// autoRefillOn reports whether auto-refill is on. A piece that takes the funds below the low-funds value
// then warns with no dialog: the refill is on its way, and Home says how it went.
func (m *Meter) autoRefillOn(ctx context.Context) bool {
	var st autoRefillStored
	ok, err := m.jsonSetting(ctx, keyAutoRefill, &st)
	return err == nil && ok && st.On
}

// AutoRefillStatus is what Home shows of auto-refill.
type AutoRefillStatus struct {
	Running bool
	Failure error // the last attempt's failure, nil if it worked or none was made since start-up
	// Last is the newest auto-refill that reached the meter today, if it is also the newest refill.
	Last   *RefillLine
	NextAt time.Time // after a failure: when the next piece may try again
}

// AutoRefillStatus reads the state of auto-refill.
func (m *Meter) AutoRefillStatus(ctx context.Context) (AutoRefillStatus, error) {
	var st AutoRefillStatus
	m.auto.mu.Lock()
	st.Running, st.Failure = m.auto.adding, m.auto.failure
	if !m.auto.failedAt.IsZero() {
		st.NextAt = m.auto.failedAt.Add(AutoRefillRetryAfter)
	}
	m.auto.mu.Unlock()
	lines, err := m.LastRefills(ctx, 1)
	if err != nil {
		return st, err
	}
	if len(lines) == 1 && lines[0].Automatic && lines[0].At.Format(time.DateOnly) == m.day() {
		st.Last = &lines[0]
	}
	return st, nil
}

// autoRefillWarning is the Home banner of auto-refill, if any: a failure with what to do, the refill
// running, or the one added today.
func (m *Meter) autoRefillWarning(ctx context.Context) (*Warning, error) {
	a, err := m.AutoRefillSettings(ctx)
	if err != nil || !a.On {
		return nil, err
	}
	st, err := m.AutoRefillStatus(ctx)
	if err != nil {
		return nil, err
	}
	var declined *funds.DeclinedError
	var limit *funds.AutoLimitError
	switch {
	case st.Running:
		return &Warning{Kind: WarnAutoRefill, Title: Words(MsgAutoTitle), Message: Words(MsgAutoRunning, a.Amount)}, nil
	case errors.As(st.Failure, &limit) && limit.Day == m.day():
		return &Warning{Kind: WarnAutoRefillFailed, Title: Words(MsgAutoFailedTitle),
			Message: Words(MsgAutoLimit, limit.Limits.Count, limit.Limits.Amount), Action: ActionAddPostage}, nil
	case errors.As(st.Failure, &declined):
		return &Warning{Kind: WarnAutoRefillFailed, Title: Words(MsgAutoFailedTitle),
			Message: Words(MsgAutoDeclined, a.Amount, explainDecline(declined).Text), Action: ActionAddPostage}, nil
	case st.Failure != nil && !errors.As(st.Failure, &limit):
		return &Warning{Kind: WarnAutoRefillFailed, Title: Words(MsgAutoFailedTitle),
			Message: Words(MsgAutoOther, a.Amount), Action: ActionAddPostage}, nil
	case st.Last != nil:
		return &Warning{Kind: WarnAutoRefill, Title: Words(MsgAutoTitle), Message: Words(MsgAutoAdded, st.Last.Amount, when.Time(st.Last.At))}, nil
	}
	return nil, nil
}

// Warnings of auto-refill, on Home.
const (
	WarnAutoRefill       WarningKind = "auto-refill"        // running, or added postage today
	WarnAutoRefillFailed WarningKind = "auto-refill-failed" // did not add postage: what to do
)

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// autoPendingMessage is the pending-refill warning's text for an auto-refill that waits for the Data
// Center: after a failed try it says when the meter tries again by itself.
func (m *Meter) autoPendingMessage(amount funds.Amount) string {
	m.auto.mu.Lock()
	failedAt, failure := m.auto.failedAt, m.auto.failure
	m.auto.mu.Unlock()
	if failure != nil && !failedAt.IsZero() {
		return Words(MsgAutoNoConnection, amount, when.Time(failedAt.Add(AutoRefillRetryAfter)))
	}
	return Words(MsgAutoPendingWarning, amount)
}
