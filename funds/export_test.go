package funds

import (
	"context"
	"database/sql"
	"encoding/json"
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
		r.apply = PlantedSplitApply(func() { time.Sleep(20 * time.Millisecond) })
	}
}

// PlantedSplitApply returns ApplyRefill with the split-apply bug: the grant is checked and the registers
// credited in one commit, the refill moved to applied in a second, with pause (if set) between them so
// random kills hit the window. A crash there leaves a credited refill still requested, credited again later.
func PlantedSplitApply(pause func()) func(ctx context.Context, v *Vault, id string, grant SignedAnswer) (bool, error) {
	return func(ctx context.Context, v *Vault, id string, grant SignedAnswer) (bool, error) {
		r, err := v.Refill(ctx, id)
		if err != nil || r.State != RefillRequested {
			return false, err
		}
		if err := v.checkGrant(grant, id, r.Amount); err != nil {
			return false, fmt.Errorf("apply refill %s: %w", id, err)
		}
		if err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.credit(ctx, tx, r, nil) }); err != nil {
			return false, fmt.Errorf("apply refill %s: %w", id, err)
		}
		if pause != nil {
			pause()
		}
		if err := v.writeTx(ctx, func(tx *sql.Tx) error {
			g, err := json.Marshal(grant)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE refills SET state = 'applied', updated = ?, grant = ? WHERE id = ?`,
				v.stamp(), string(g), id); err != nil {
				return err
			}
			return v.auditRefill(ctx, tx, id, r.Actor, "refill-state", id)
		}); err != nil {
			return false, fmt.Errorf("apply refill %s: %w", id, err)
		}
		return true, nil
	}
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
