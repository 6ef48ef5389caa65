package funds

import (
	"context"

	"github.com/google/uuid"
)

// Planted bugs exist only so the crash harness can prove it catches real mistakes. plantedBug is
// unexported and set only from this package's tests (export_test.go); production code never sets it.
// (The split-apply bug lives only in the tests: export_test.go, PlantedSplitApply.)
const (
	BugNone       = ""
	BugNewIDRetry = "new-id-on-retry" // the refill client makes a new id after a failed send
)

var plantedBug = BugNone

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
