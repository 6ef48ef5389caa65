package funds

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Planted bugs exist only so the crash harness can prove it catches real mistakes. They live in this
// test file: a program cannot install them, and the money path has nothing but two nil hooks.
const (
	BugNewIDRetry = "new-id-on-retry" // the refill client makes a new id after a failed send
	BugSplitApply = "split-apply"     // credit and state change committed in two transactions
)

// PlantBug installs one of the Bug* mistakes in r (none for "").
func PlantBug(r *Refiller, bug string) {
	switch bug {
	case BugNewIDRetry:
		r.afterFailedReserve = plantedNewID
	case BugSplitApply:
		r.apply = plantedSplitApply
	}
}

// plantedSplitApply is ApplyRefill with the bug the protocol exists to prevent: a crash between the two
// commits leaves a credited refill still requested, and it is credited again.
func plantedSplitApply(ctx context.Context, v *Vault, id string, grant SignedAnswer) (bool, error) {
	r, err := v.Refill(ctx, id)
	if err != nil || r.State != RefillRequested {
		return false, err
	}
	if err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.credit(ctx, tx, r) }); err != nil {
		return false, fmt.Errorf("apply refill %s: %w", id, err)
	}
	time.Sleep(5 * time.Millisecond) // widens the window between the commits, so random kills hit it
	if err := v.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE refills SET state = 'applied', updated = ? WHERE id = ?`, v.stamp(), id)
		return err
	}); err != nil {
		return false, fmt.Errorf("apply refill %s: %w", id, err)
	}
	return true, nil
}

// plantedNewID is BugNewIDRetry: after a failed send it gives up the old id locally (without voiding it)
// and carries on under a new one, so a reservation whose answer was lost is orphaned.
func plantedNewID(ctx context.Context, r *Refiller, ref Refill) Refill {
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
