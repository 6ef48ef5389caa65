package funds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// Stage is a step of a running refill, reported so a screen can show progress.
type Stage int

// Refill stages in the order they happen.
const (
	StageConnecting Stage = iota // settling earlier refills, reaching the Data Center
	StageReserving               // the Data Center checks the account and holds the amount
	StageAdding                  // the meter credits its registers
	StageConfirming              // the Data Center posts the refill
)

func (s Stage) String() string {
	switch s {
	case StageConnecting:
		return "connecting"
	case StageReserving:
		return "reserving"
	case StageAdding:
		return "adding"
	case StageConfirming:
		return "confirming"
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// RetryPolicy bounds how often and how long a request is retried for a definite answer.
type RetryPolicy struct {
	Attempts int           // tries per request, at least 1
	Initial  time.Duration // first back-off
	Max      time.Duration // longest back-off
}

// InteractiveRetry suits a clerk waiting at the screen: a few quick tries, then a choice.
var InteractiveRetry = RetryPolicy{Attempts: 3, Initial: 200 * time.Millisecond, Max: 2 * time.Second}

// Refiller runs the refill protocol of DESIGN.md between the vault and the Data Center.
type Refiller struct {
	Vault *Vault
	DC    DataCenter
	Retry RetryPolicy
	Log   *slog.Logger
	// Sleep waits between retries; it returns early with ctx's error. Tests may replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnContact, if set, receives every signed answer that counts as a contact with the Data Center
	// (the meter starts its inspection clock from them).
	OnContact func(ctx context.Context, proof SignedAnswer)

	// Planted bugs for the crash harness, installed only by this package's _test.go files; nil in
	// every program. apply replaces Vault.ApplyRefill; afterFailedReserve runs after a reserve got no answer.
	apply              func(ctx context.Context, v *Vault, id string, grant SignedAnswer) (bool, error)
	afterFailedReserve func(ctx context.Context, r *Refiller, ref Refill) Refill
}

// RefillResult is a finished refill: what the clerk sees on the completion notice.
type RefillResult struct {
	ID        string
	Before    Amount
	Added     Amount
	After     Amount
	Confirmed bool            // false if the post is still owed (the money is in the meter either way)
	Account   *AccountBalance // the account after the refill, as the Data Center reported it
}

// DeclinedError is a refill the Data Center declined; nothing was added and the refill is abandoned.
type DeclinedError struct {
	RefillID string
	Decline  Decline
}

func (e *DeclinedError) Error() string {
	return fmt.Sprintf("refill %s declined (%s): %s", e.RefillID, e.Decline.Code, e.Decline.Message)
}

// Typed declines, matched with errors.Is on a *DeclinedError.
var (
	ErrShortOfFunds  = errors.New("account short of funds")
	ErrOutOfLimits   = errors.New("refill amount out of limits")
	ErrAccountLocked = errors.New("account locked")
)

// Is maps the decline code to its sentinel error.
func (e *DeclinedError) Is(target error) bool {
	switch target {
	case ErrShortOfFunds:
		return e.Decline.Code == CodeShortOfFunds
	case ErrOutOfLimits:
		return e.Decline.Code == CodeOutOfLimits
	case ErrAccountLocked:
		return e.Decline.Code == CodeAccountLocked
	}
	return false
}

// PendingRefillError means the refill's intent is stored but the Data Center gave no definite answer.
// The refill stays requested: Resume completes it, Abandon cancels it; neither loses money.
type PendingRefillError struct {
	Refill Refill
	Err    error
}

func (e *PendingRefillError) Error() string {
	return fmt.Sprintf("refill %s of %s is pending: %v", e.Refill.ID, e.Refill.Amount, e.Err)
}
func (e *PendingRefillError) Unwrap() error { return e.Err }

// ErrProtocolViolation is an answer that breaks the protocol (e.g. a posted refill this meter never
// applied). It is never papered over: the refill stays open and the alarm is raised.
var ErrProtocolViolation = errors.New("refill protocol violation")

func (r *Refiller) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// Refill adds amount to the meter from the account: settle older refills, store the intent, reserve,
// apply, post. progress may be nil.
func (r *Refiller) Refill(ctx context.Context, amount Amount, actor string, progress func(Stage)) (RefillResult, error) {
	report := func(s Stage) {
		if progress != nil {
			progress(s)
		}
	}
	if amount <= 0 {
		return RefillResult{}, fmt.Errorf("refill %s: %w", amount, ErrInvalidAmount)
	}
	report(StageConnecting)
	if err := r.Reconcile(ctx); err != nil {
		// An earlier refill whose post or void is owed does not hold up a new one: the money of an
		// applied refill is in the meter, an abandoned one can never be applied, and Reconcile settles
		// both at the next connection. A requested refill does: it is the clerk's to finish first.
		if !errors.Is(err, ErrNoConnection) {
			return RefillResult{}, fmt.Errorf("settle earlier refills: %w", err)
		}
		if requested, lerr := r.hasRequested(ctx); lerr != nil || requested {
			return RefillResult{}, fmt.Errorf("settle earlier refills: %w", err)
		}
		r.log().Warn("earlier refills not settled yet", "err", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return RefillResult{}, fmt.Errorf("new refill id: %w", err)
	}
	if err := r.Vault.CreateRefill(ctx, id.String(), amount, actor); err != nil {
		return RefillResult{}, err
	}
	return r.drive(ctx, id.String(), report)
}

// Resume drives a pending refill on (the clerk chose "try again").
func (r *Refiller) Resume(ctx context.Context, id string, progress func(Stage)) (RefillResult, error) {
	report := func(s Stage) {
		if progress != nil {
			progress(s)
		}
	}
	report(StageConnecting)
	return r.drive(ctx, id, report)
}

// Abandon cancels a requested refill: the meter commits abandoned first, so it can never apply it, then
// asks the Data Center to void. If the void cannot be sent now, Reconcile sends it later.
func (r *Refiller) Abandon(ctx context.Context, id string) error {
	if err := r.Vault.AbandonRefill(ctx, id, "", "cancelled by the user"); err != nil {
		return err
	}
	if err := r.settleAbandoned(ctx, id); err != nil && !errors.Is(err, ErrNoConnection) {
		return err
	}
	return nil
}

// Reconcile drives every open refill to a final state. It stops at the first refill it cannot settle
// and returns why; the refill stays open for the next try.
func (r *Refiller) Reconcile(ctx context.Context) error {
	open, err := r.Vault.OpenRefills(ctx)
	if err != nil {
		return err
	}
	for _, ref := range open {
		switch ref.State {
		case RefillRequested, RefillApplied:
			if _, err := r.drive(ctx, ref.ID, func(Stage) {}); err != nil {
				var declined *DeclinedError
				if errors.As(err, &declined) {
					continue // settled: abandoned and voided
				}
				return fmt.Errorf("reconcile refill %s: %w", ref.ID, err)
			}
		case RefillAbandoned:
			if err := r.settleAbandoned(ctx, ref.ID); err != nil {
				return fmt.Errorf("reconcile refill %s: %w", ref.ID, err)
			}
		}
	}
	return nil
}

// hasRequested reports whether a refill is still requested (waiting for the clerk's Try again or Cancel).
func (r *Refiller) hasRequested(ctx context.Context) (bool, error) {
	open, err := r.Vault.OpenRefills(ctx)
	if err != nil {
		return false, err
	}
	for _, ref := range open {
		if ref.State == RefillRequested {
			return true, nil
		}
	}
	return false, nil
}

// drive takes one refill from requested or applied as far as it can go.
func (r *Refiller) drive(ctx context.Context, id string, report func(Stage)) (RefillResult, error) {
	ref, err := r.Vault.Refill(ctx, id)
	if err != nil {
		return RefillResult{}, err
	}
	res := RefillResult{ID: id, Added: ref.Amount}
	if ref.State == RefillRequested {
		before, err := r.Vault.Registers(ctx)
		if err != nil {
			return res, err
		}
		res.Before = before.Available
		report(StageReserving)
		ans, err := r.reserve(ctx, &ref)
		id, res.ID = ref.ID, ref.ID // a planted bug may have swapped the id; production never does
		if err != nil {
			return res, err
		}
		if err := answers(ans, id, ref.Amount); err != nil {
			return res, err
		}
		r.contact(ctx, ans.Proof)
		res.Account = ans.Account
		switch ans.State {
		case DCReserved, DCPosted:
			// posted can only follow an apply; on a requested refill it means the Data Center was
			// told by someone else: refuse to apply and raise the alarm.
			if ans.State == DCPosted {
				return res, fmt.Errorf("refill %s: Data Center says posted, meter never applied it: %w", id, ErrProtocolViolation)
			}
		case DCDeclined:
			d := Decline{Code: "declined", Message: "declined by the Data Center"}
			if ans.Decline != nil {
				d = *ans.Decline
			}
			if err := r.Vault.AbandonRefill(ctx, id, d.Code, d.Message); err != nil {
				return res, err
			}
			if err := r.settleAbandoned(ctx, id); err != nil && !errors.Is(err, ErrNoConnection) {
				return res, err
			}
			return res, &DeclinedError{RefillID: id, Decline: d}
		case DCVoided:
			if err := r.Vault.AbandonRefill(ctx, id, DCVoided, "voided at the Data Center"); err != nil {
				return res, err
			}
			return res, r.Vault.CloseRefill(ctx, id)
		default:
			return res, fmt.Errorf("refill %s: unknown Data Center state %q: %w", id, ans.State, ErrProtocolViolation)
		}
		report(StageAdding)
		apply := func(ctx context.Context, v *Vault, id string, grant SignedAnswer) (bool, error) {
			return v.ApplyRefill(ctx, id, grant)
		}
		if r.apply != nil {
			apply = r.apply
		}
		if _, err := apply(ctx, r.Vault, id, ans.Proof); err != nil {
			return res, err
		}
	} else if ref.State != RefillApplied {
		return res, fmt.Errorf("refill %s is %s: nothing to drive", id, ref.State)
	}
	report(StageConfirming)
	after, err := r.Vault.Registers(ctx)
	if err != nil {
		return res, err
	}
	res.After = after.Available
	if res.Before == 0 && ref.State == RefillApplied {
		res.Before = after.Available - ref.Amount
	}
	ans, err := r.retry(ctx, "post", func() (RefillAnswer, error) { return r.DC.Post(ctx, id) })
	if errors.Is(err, ErrNoConnection) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		r.log().Warn("refill applied, post owed", "refill", id, "err", err)
		return res, nil // the money is in the meter; Reconcile posts later
	}
	if err != nil {
		return res, fmt.Errorf("post refill %s: %w", id, err)
	}
	if err := answers(ans, id, ref.Amount); err != nil {
		return res, err
	}
	if ans.State != DCPosted {
		return res, fmt.Errorf("post refill %s: Data Center answered %s: %w", id, ans.State, ErrProtocolViolation)
	}
	r.contact(ctx, ans.Proof)
	if ans.Account != nil {
		res.Account = ans.Account
	}
	if err := r.Vault.ConfirmRefill(ctx, id); err != nil {
		return res, err
	}
	res.Confirmed = true
	return res, nil
}

// reserve sends the reserve with the refill's own id until a definite answer, or gives up with a
// PendingRefillError that keeps the refill requested.
func (r *Refiller) reserve(ctx context.Context, ref *Refill) (RefillAnswer, error) {
	ans, err := r.retry(ctx, "reserve", func() (RefillAnswer, error) {
		a, err := r.DC.Reserve(ctx, ref.ID, ref.Amount)
		if err != nil && r.afterFailedReserve != nil && errors.Is(err, ErrNoConnection) {
			*ref = r.afterFailedReserve(ctx, r, *ref)
		}
		return a, err
	})
	if errors.Is(err, ErrNoConnection) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ans, &PendingRefillError{Refill: *ref, Err: err}
	}
	if err != nil {
		return ans, fmt.Errorf("reserve refill %s: %w", ref.ID, err)
	}
	return ans, nil
}

// settleAbandoned voids an abandoned refill and closes it once the Data Center has released the hold.
func (r *Refiller) settleAbandoned(ctx context.Context, id string) error {
	ans, err := r.retry(ctx, "void", func() (RefillAnswer, error) { return r.DC.Void(ctx, id) })
	if err != nil {
		return fmt.Errorf("void refill %s: %w", id, err)
	}
	if ans.ID != id || (ans.State != DCVoided && ans.State != DCDeclined) {
		return fmt.Errorf("void refill %s: Data Center answered %s for %s: %w", id, ans.State, ans.ID, ErrProtocolViolation)
	}
	return r.Vault.CloseRefill(ctx, id)
}

// retry calls fn until it returns anything but a connection failure, at most Retry.Attempts times.
func (r *Refiller) retry(ctx context.Context, op string, fn func() (RefillAnswer, error)) (RefillAnswer, error) {
	policy := r.Retry
	if policy.Attempts < 1 {
		policy = InteractiveRetry
	}
	delay := policy.Initial
	var ans RefillAnswer
	var err error
	for attempt := 1; ; attempt++ {
		ans, err = fn()
		if err == nil || !errors.Is(err, ErrNoConnection) || attempt >= policy.Attempts {
			return ans, err
		}
		r.log().Info("retrying", "op", op, "attempt", attempt, "err", err)
		jittered := delay/2 + time.Duration(rand.Int64N(int64(delay)/2+1))
		if serr := r.sleep(ctx, jittered); serr != nil {
			return ans, errors.Join(err, serr)
		}
		delay = min(delay*2, policy.Max)
	}
}

func (r *Refiller) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// answers checks that a signed refill answer is about the refill asked: its id, and its amount unless it
// is a tombstone. The client has checked the signature; the vault checks a grant again before crediting.
func answers(ans RefillAnswer, id string, amount Amount) error {
	if ans.ID != id || (ans.AmountMills != amount.Mills() && ans.State != DCVoided) {
		return fmt.Errorf("refill %s of %s: the Data Center answered about refill %s of %s: %w",
			id, amount.MillsString(), ans.ID, Amount(ans.AmountMills).MillsString(), ErrProtocolViolation)
	}
	return nil
}

func (r *Refiller) contact(ctx context.Context, proof SignedAnswer) {
	if r.OnContact != nil && proof.Signature != nil {
		r.OnContact(ctx, proof)
	}
}

// SettleOwed posts applied refills and voids abandoned ones, leaving requested refills alone: those are
// the clerk's to try again or cancel. It returns an error wrapping ErrNoConnection while anything owed
// is still open, so a caller knows the Data Center was not reached.
func (r *Refiller) SettleOwed(ctx context.Context) error {
	open, err := r.Vault.OpenRefills(ctx)
	if err != nil {
		return err
	}
	owed := 0
	for _, ref := range open {
		switch ref.State {
		case RefillApplied:
			if _, err := r.drive(ctx, ref.ID, func(Stage) {}); err != nil {
				return fmt.Errorf("post refill %s: %w", ref.ID, err)
			}
		case RefillAbandoned:
			if err := r.settleAbandoned(ctx, ref.ID); err != nil {
				return fmt.Errorf("void refill %s: %w", ref.ID, err)
			}
		default:
			continue
		}
		if now, err := r.Vault.Refill(ctx, ref.ID); err == nil && now.Open() {
			owed++
		}
	}
	if owed > 0 {
		return fmt.Errorf("%d refills still owed to the Data Center: %w", owed, ErrNoConnection)
	}
	return nil
}
