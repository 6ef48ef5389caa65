package funds

import (
	"context"
	"fmt"
)

// firstMigratableFormat is the oldest vault format this postmeter can bring up to date: format 1 had
// no keyed audit chain, so nothing in it can be trusted enough to carry over.
const firstMigratableFormat = 2

// migrations[n] brings a vault of format n to format n+1. Each runs in one transaction with the format
// change, so a crash leaves the old format or the new one, never a mix.
var migrations = map[int]string{
	// 2 → 3: checkpoint_rows (empty: the first checkpoint is sealed after the next full verification)
	// and the report summaries, filled from the pieces. No audited row changes.
	2: rebuildTotalsSQL,
	// 3 → 4: the archive tables and the delete guards that let the archive, and only it, move rows out.
	3: pieceSignatureSchema + archiveSchema,
}

// migrate brings a vault of format from up to vaultFormat, one step at a time. The schema (with its
// CREATE … IF NOT EXISTS) runs first in each step, so a step only fills what is new.
func (v *Vault) migrate(ctx context.Context, from int) error {
	for f := from; f < vaultFormat; f++ {
		step, ok := migrations[f]
		if !ok {
			return fmt.Errorf("migrate vault: no way from format %d to %d", f, f+1)
		}
		tx, err := v.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate vault: %w", err)
		}
		_, err = tx.ExecContext(ctx, vaultSchema+step+fmt.Sprintf("PRAGMA user_version = %d;", f+1))
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("migrate vault from format %d to %d: %w", f, f+1, err)
		}
	}
	return nil
}
