package funds

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"runtime"
	"time"
)

// FullCheck is one verification of the whole vault (Verify's rules) running in the background, on a
// read snapshot of its own: it never holds the writer, so the meter prints while it runs. If it finds a
// discrepancy the vault refuses every write from then on (Refused), so the meter prints nothing more.
type FullCheck struct {
	done   chan struct{}
	cancel context.CancelFunc
	err    error
	took   time.Duration
}

func doneCheck(err error) *FullCheck {
	c := &FullCheck{done: make(chan struct{}), cancel: func() {}, err: err}
	close(c.done)
	return c
}

// Wait waits until the check has finished (or ctx ends) and returns its result: nil if the vault
// verified, a *VerifyError if it did not, another error if the check could not run or was cancelled.
func (c *FullCheck) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the check has finished.
func (c *FullCheck) Done() <-chan struct{} { return c.done }

// Cancel stops the check; Wait then returns context.Canceled (unless it had already finished).
func (c *FullCheck) Cancel() { c.cancel() }

// Took is how long the finished check ran.
func (c *FullCheck) Took() time.Duration {
	<-c.done
	return c.took
}

// BackgroundCheck is the full verification started when the vault opened. It is already done (nil) for a
// vault without a checkpoint, which the opening verified whole.
func (v *Vault) BackgroundCheck() *FullCheck { return v.check }

// Refused returns the discrepancy a background verification found, nil if none: once set, every write
// of the vault fails with it.
func (v *Vault) Refused() error {
	if e := v.refused.Load(); e != nil {
		return e
	}
	return nil
}

// StartFullCheck starts a full verification in the background (on demand from the Reports and Sync
// screens, and at open). Close cancels it and waits for it.
func (v *Vault) StartFullCheck() *FullCheck {
	ctx, cancel := context.WithCancel(v.bgCtx)
	c := &FullCheck{done: make(chan struct{}), cancel: cancel}
	v.bg.Add(1)
	go func() {
		defer v.bg.Done()
		defer cancel()
		defer close(c.done)
		start := time.Now()
		c.err = v.runFullCheck(ctx)
		c.took = time.Since(start)
		var ve *VerifyError
		switch {
		case ctx.Err() != nil:
			// Cancelled (Close): whatever the check saw last may be a half-read snapshot, never a finding.
			c.err = errors.Join(context.Canceled, c.err)
		case errors.As(c.err, &ve):
			v.refused.CompareAndSwap(nil, ve)
			slog.Error("vault: the full verification found a discrepancy; the meter refuses to print", "check", ve.Check, "detail", ve.Detail)
		case c.err != nil:
			slog.Error("vault: the full verification could not run", "err", c.err)
		case c.err == nil:
			slog.Info("vault: full verification passed", "took", c.took)
		}
	}()
	return c
}

// runFullCheck verifies the whole vault in one read transaction on a read-only connection of its own,
// on a thread at the lowest priority, so the meter's own work always comes first.
func (v *Vault) runFullCheck(ctx context.Context) error {
	// Never unlocked: the thread keeps its low priority, and a goroutine that ends locked takes its
	// thread with it, so no other goroutine ever runs at that priority.
	runtime.LockOSThread()
	lowerThreadPriority()
	db, err := sql.Open("sqlite", readOnlyDSN(v.path))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = v.verifyFull(ctx, tx, -1)
	return err
}

// readOnlyDSN opens the vault file read-only: a verification can never change it.
func readOnlyDSN(path string) string {
	u := url.URL{Scheme: "file", Opaque: path}
	return u.String() + "?mode=ro&_pragma=busy_timeout(5000)"
}
