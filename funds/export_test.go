package funds

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// BugSplitApply is the planted bug the refill protocol exists to prevent: the credit and the state change
// committed in two transactions. It exists only in the test binary (PlantedSplitApply).
const BugSplitApply = "split-apply"

// SetPlantedBug plants one of the production Bug* mistakes (BugNewIDRetry) for the crash harness to find.
// BugSplitApply is no longer planted here: install PlantedSplitApply through the Refiller's hook instead;
// pause is kept for the harness's call and ignored.
func SetPlantedBug(bug string, pause func()) {
	if bug == BugSplitApply {
		bug = BugNone
	}
	plantedBug = bug
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
