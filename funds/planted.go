package funds

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
)

// Planted bugs exist only so the crash harness can prove it catches real mistakes. plantedBug is
// unexported and set only from this package's tests (export_test.go); production code never sets it.
const (
	BugNone       = ""
	BugNewIDRetry = "new-id-on-retry" // the refill client makes a new id after a failed send
	BugSplitApply = "split-apply"     // credit and state change committed in two transactions
)

var plantedBug = BugNone

// applyRefillSplit is ApplyRefill with the bug the protocol exists to prevent: a crash between the two
// commits leaves a credited refill still requested, and it is credited again.
func (v *Vault) applyRefillSplit(ctx context.Context, id string) (bool, error) {
	r, err := v.Refill(ctx, id)
	if err != nil || r.State != RefillRequested {
		return false, err
	}
	if err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.credit(ctx, tx, r) }); err != nil {
		return false, fmt.Errorf("apply refill %s: %w", id, err)
	}
	if splitApplyPause != nil {
		splitApplyPause()
	}
	if err := v.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE refills SET state = 'applied', updated = ? WHERE id = ?`, v.stamp(), id)
		return err
	}); err != nil {
		return false, fmt.Errorf("apply refill %s: %w", id, err)
	}
	return true, nil
}

// splitApplyPause widens the window between the two commits of the planted bug, so random kills hit it.
var splitApplyPause func()

// plantedNewID is the planted bug BugNewIDRetry: after a failed send it gives up the old id locally
// (without voiding it) and carries on under a new one, so a reservation whose answer was lost is orphaned.
func (r *Refiller) plantedNewID(ctx context.Context, ref Refill) Refill {
	if err := r.Vault.AbandonRefill(ctx, ref.ID, "", "planted bug"); err != nil {
		return ref
	}
	if err := r.Vault.CloseRefill(ctx, ref.ID); err != nil {
		return ref
	}
	fresh := ref
	fresh.ID = uuid.Must(uuid.NewV7()).String()
	if err := r.Vault.CreateRefill(ctx, fresh.ID, ref.Amount, ref.Actor); err != nil {
		return ref
	}
	return fresh
}
