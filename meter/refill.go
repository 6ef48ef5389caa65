package meter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
)

// Limits are the meter's minimum and maximum refill, from its Data Center profile. They are cached so
// the options screen can show them offline; Known is false until the first contact brings them.
type Limits struct {
	Min, Max funds.Amount
	Known    bool
}

// RefillOptions are the choices on the refill screen.
type RefillOptions struct {
	Last    funds.Amount // the last refill's amount; HasLast is false before the first refill
	HasLast bool
	Default funds.Amount
	Limits  Limits
	Pending *funds.Refill // a refill waiting for the Data Center: finish or cancel it first
}

// OutOfLimitsError is an amount outside the meter's refill limits, refused before any contact.
type OutOfLimitsError struct {
	Amount funds.Amount
	Limits Limits
}

func (e *OutOfLimitsError) Error() string {
	return fmt.Sprintf("%s is outside this meter's refill limits: enter an amount from %s to %s",
		e.Amount, e.Limits.Min, e.Limits.Max)
}

// Is makes errors.Is(err, funds.ErrOutOfLimits) true, as for a decline by the Data Center.
func (e *OutOfLimitsError) Is(target error) bool { return target == funds.ErrOutOfLimits }

// ErrZeroAmount is a refill of nothing.
var ErrZeroAmount = errors.New("enter an amount greater than $0.00")

// Limits returns the cached refill limits.
func (m *Meter) Limits(ctx context.Context) (Limits, error) {
	var l struct{ Min, Max int64 }
	ok, err := m.jsonSetting(ctx, keyLimits, &l)
	if err != nil || !ok {
		return Limits{}, err
	}
	return Limits{Min: funds.Amount(l.Min), Max: funds.Amount(l.Max), Known: true}, nil
}

func (m *Meter) cacheLimits(ctx context.Context, bal *funds.AccountBalance) {
	if bal == nil || bal.MaxRefillMills <= 0 {
		return
	}
	old, _ := m.Limits(ctx)
	if old.Known && old.Min.Mills() == bal.MinRefillMills && old.Max.Mills() == bal.MaxRefillMills {
		return
	}
	if err := m.setJSON(ctx, keyLimits, struct{ Min, Max int64 }{bal.MinRefillMills, bal.MaxRefillMills}, "system"); err != nil {
		m.log.Warn("cache refill limits", "err", err)
	}
}

// CheckRefillAmount refuses zero and, once the limits are known, amounts outside them.
func (m *Meter) CheckRefillAmount(ctx context.Context, amount funds.Amount) error {
	if amount <= 0 {
		return ErrZeroAmount
	}
	l, err := m.Limits(ctx)
	if err != nil {
		return err
	}
	if l.Known && (amount < l.Min || amount > l.Max) {
		return &OutOfLimitsError{Amount: amount, Limits: l}
	}
	return nil
}

// RefillOptions gives Last refill amount, Default refill amount and the limits for Other amount.
func (m *Meter) RefillOptions(ctx context.Context, s *Session) (RefillOptions, error) {
	if err := m.require(s, RightRefill); err != nil {
		return RefillOptions{}, err
	}
	var opts RefillOptions
	last, ok, err := m.cfg.Vault.LastAppliedRefill(ctx)
	if err != nil {
		return opts, err
	}
	opts.Last, opts.HasLast = last.Amount, ok
	if opts.Default, err = m.amountSetting(ctx, keyDefaultRefill, DefaultRefillAmount); err != nil {
		return opts, err
	}
	if opts.Limits, err = m.Limits(ctx); err != nil {
		return opts, err
	}
	opts.Pending, err = m.PendingRefill(ctx)
	return opts, err
}

// Confirmation is what the clerk confirms: the amount, the account it comes from, before and after.
type Confirmation struct {
	Amount        funds.Amount
	AccountNumber string
	Before, After funds.Amount
}

// ConfirmRefill builds the confirm screen for amount, checking the right and the limits first.
func (m *Meter) ConfirmRefill(ctx context.Context, s *Session, amount funds.Amount) (Confirmation, error) {
	if err := m.require(s, RightRefill); err != nil {
		return Confirmation{}, err
	}
	if err := m.CheckRefillAmount(ctx, amount); err != nil {
		return Confirmation{}, err
	}
	regs, err := m.Registers(ctx)
	if err != nil {
		return Confirmation{}, err
	}
	after, err := regs.Available.Add(amount)
	if err != nil {
		return Confirmation{}, err
	}
	return Confirmation{Amount: amount, AccountNumber: m.cfg.Identity.AccountNumber, Before: regs.Available, After: after}, nil
}

// Completion is the notice at the end of a refill, and the data of its receipt.
type Completion struct {
	ID        string
	At        time.Time
	By        string
	Before    funds.Amount
	Added     funds.Amount
	After     funds.Amount
	Confirmed bool                  // false while the Data Center's post is still owed
	Account   *funds.AccountBalance // the account after the refill
	Automatic bool                  // started by the meter itself (auto-refill), not by a clerk
}

// Refill runs a refill of amount for the signed-in user. progress (may be nil) hears each stage; it is
// called on this goroutine. Failures are typed: *NoRightsError, *OutOfLimitsError, *funds.DeclinedError
// (short of funds, out of limits, locked account), *funds.PendingRefillError (no connection: the refill
// waits for the clerk's choice), funds.ErrRefillPending (another refill is waiting).
func (m *Meter) Refill(ctx context.Context, s *Session, amount funds.Amount, progress func(funds.Stage)) (Completion, error) {
	if err := m.require(s, RightRefill); err != nil {
		return Completion{}, err
	}
	if err := m.checkNotSuspect(ctx); err != nil {
		return Completion{}, err
	}
	if err := m.CheckRefillAmount(ctx, amount); err != nil {
		return Completion{}, err
	}
	// A refill waiting for the Data Center is the clerk's to finish or cancel; a new one never
	// silently completes it.
	if p, err := m.PendingRefill(ctx); err != nil {
		return Completion{}, err
	} else if p != nil {
		return Completion{}, fmt.Errorf("refill of %s: %w (%s, %s)", amount, funds.ErrRefillPending, p.ID, p.Amount)
	}
	res, err := m.refiller.Refill(ctx, amount, s.User().Name, progress)
	return m.finishRefill(ctx, s, res, err)
}

// PendingRefill returns the refill waiting for the clerk's Try again or Cancel (requested, no answer
// yet), or nil. A refill applied whose post is owed is not pending for the clerk: its money is in the
// meter and Reconcile tells the Data Center; nor is a cancelled one whose void is owed.
func (m *Meter) PendingRefill(ctx context.Context) (*funds.Refill, error) {
	open, err := m.cfg.Vault.OpenRefills(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range open {
		if r.State == funds.RefillRequested {
			return &r, nil
		}
	}
	return nil, nil
}

// CompletePending tries the pending refill again (the clerk chose "Try again").
func (m *Meter) CompletePending(ctx context.Context, s *Session, progress func(funds.Stage)) (Completion, error) {
	if err := m.require(s, RightRefill); err != nil {
		return Completion{}, err
	}
	p, err := m.PendingRefill(ctx)
	if err != nil {
		return Completion{}, err
	}
	if p == nil {
		return Completion{}, ErrNoRefillPending
	}
	res, err := m.refiller.Resume(ctx, p.ID, progress)
	return m.finishRefill(ctx, s, res, err)
}

// AbandonPending cancels the pending refill (the clerk chose "Cancel"): nothing is added, and the Data
// Center releases the amount now or at the next connection.
func (m *Meter) AbandonPending(ctx context.Context, s *Session) error {
	if err := m.require(s, RightRefill); err != nil {
		return err
	}
	p, err := m.PendingRefill(ctx)
	if err != nil {
		return err
	}
	if p == nil {
		return ErrNoRefillPending
	}
	return m.refiller.Abandon(ctx, p.ID)
}

func (m *Meter) finishRefill(ctx context.Context, s *Session, res funds.RefillResult, err error) (Completion, error) {
	var declined *funds.DeclinedError
	switch {
	case err == nil:
	case errors.As(err, &declined):
		// A decline is a definite answer: the Data Center was reached (its receipt is kept by OnContact).
		m.markConnected()
		if declined.Decline.Code == funds.CodeOutOfLimits && declined.Decline.MaxMills > 0 {
			m.cacheLimits(ctx, &funds.AccountBalance{MinRefillMills: declined.Decline.MinMills, MaxRefillMills: declined.Decline.MaxMills})
		}
		return Completion{}, err
	default:
		m.noteFailure(err)
		m.noteRefusal(ctx, err)
		return Completion{}, err
	}
	m.markConnected()
	m.cacheLimits(ctx, res.Account)
	c := Completion{ID: res.ID, At: m.Now(), By: s.User().Name, Before: res.Before, Added: res.Added,
		After: res.After, Confirmed: res.Confirmed, Account: res.Account}
	if res.Account != nil {
		m.mu.Lock()
		m.balance, m.balanceAt = res.Account, c.At
		m.mu.Unlock()
	}
	if err := m.setJSON(ctx, keyLastRefill, c, s.User().Name); err != nil {
		return c, fmt.Errorf("keep the refill receipt: %w", err)
	}
	m.syncRatesAfterContact(ctx)
	return c, nil
}

// LastCompletion is the newest finished refill, for its receipt; ok is false before the first.
func (m *Meter) LastCompletion(ctx context.Context) (c Completion, ok bool, err error) {
	ok, err = m.jsonSetting(ctx, keyLastRefill, &c)
	return c, ok, err
}

// GetBalance asks the Data Center for the account's balance (an inspection), then settles open refills.
func (m *Meter) GetBalance(ctx context.Context, s *Session) (funds.AccountBalance, error) {
	if err := m.require(s, RightBalanceInquiry); err != nil {
		return funds.AccountBalance{}, err
	}
	bal, err := m.cfg.DataCenter.Account(ctx)
	if err != nil {
		m.noteFailure(err)
		m.noteRefusal(ctx, err)
		return funds.AccountBalance{}, fmt.Errorf("balance inquiry: %w", err)
	}
	m.recordContact(ctx, bal.Proof)
	m.clearSuspect(ctx)
	m.cacheLimits(ctx, &bal)
	m.mu.Lock()
	m.balance, m.balanceAt = &bal, m.Now()
	m.mu.Unlock()
	if err := m.Reconcile(ctx); err != nil {
		m.log.Warn("after balance inquiry", "err", err)
	}
	m.syncRatesAfterContact(ctx)
	return bal, nil
}

// UploadPostalInfo sends the registers and the audit head to the Data Center (an inspection).
func (m *Meter) UploadPostalInfo(ctx context.Context, s *Session) error {
	if err := m.active(s); err != nil {
		return err
	}
	return m.uploadPostalInfo(ctx, s.actor())
}

// uploadPostalInfo is UploadPostalInfo for actor: a clerk, or "system" when the meter contacts the Data
// Center on its own (ContactIfDue).
func (m *Meter) uploadPostalInfo(ctx context.Context, actor string) error {
	// Each upload is audited first, so its audit seq is above the last upload's: the Data Center refuses
	// an upload that says nothing new (a replay).
	if err := m.cfg.Vault.SetSetting(ctx, keyPostalInfo, m.Now().UTC().Format(time.RFC3339Nano), actor); err != nil {
		return err
	}
	rec, err := m.cfg.DataCenter.UploadPostalInfo(ctx)
	if err != nil {
		m.noteFailure(err)
		m.noteRefusal(ctx, err)
		return fmt.Errorf("upload postal information: %w", err)
	}
	m.recordContact(ctx, rec.Proof)
	m.clearSuspect(ctx)
	if err := m.Reconcile(ctx); err != nil {
		m.log.Warn("after upload", "err", err)
	}
	m.syncRatesAfterContact(ctx)
	return nil
}

// ContactIfDue contacts the Data Center on the meter's own (a postal-information upload, which counts
// as an inspection and brings a signed receipt) when the profile's contact interval has passed since
// the last successful contact, so a connected meter never reaches its warning. It reports whether it
// contacted; a failed attempt returns its error, and the next call tries again. The screens call it in
// the background, never on the UI goroutine.
func (m *Meter) ContactIfDue(ctx context.Context) (bool, error) {
	st, err := m.Inspection(ctx)
	if err != nil {
		return false, err
	}
	if m.Now().Sub(st.LastContact) < m.cfg.Inspection.ContactEvery {
		return false, nil
	}
	if err := m.uploadPostalInfo(ctx, "system"); err != nil {
		return false, err
	}
	return true, nil
}

// FundsView is the Meter Funds tab.
type FundsView struct {
	Registers funds.Registers
	Account   *funds.AccountBalance // nil until Get Balance (or a refill) brought it
	AccountAt time.Time
	Pending   *funds.Refill
	// Spoiled pieces are in Used but were never printed: they await a refund request.
	SpoiledCount int64
	SpoiledValue funds.Amount
}

// Funds reads the Meter Funds tab.
func (m *Meter) Funds(ctx context.Context, s *Session) (FundsView, error) {
	if err := m.active(s); err != nil {
		return FundsView{}, err
	}
	var v FundsView
	var err error
	if v.Registers, err = m.Registers(ctx); err != nil {
		return v, err
	}
	if v.Pending, err = m.PendingRefill(ctx); err != nil {
		return v, err
	}
	if v.SpoiledCount, v.SpoiledValue, err = m.cfg.Vault.SpoiledTotal(ctx); err != nil {
		return v, err
	}
	m.mu.Lock()
	v.Account, v.AccountAt = m.balance, m.balanceAt
	m.mu.Unlock()
	return v, nil
}
