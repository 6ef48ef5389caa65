package funds

import (
	"context"
	"fmt"
	"strings"
)

// The auto-refill records (auto_refills) decide how many auto-refills a day may still have, so an edit of
// one behind the vault's back (a record deleted, moved to another day, its amount lowered, or written for a
// refill the clerk made) would let a day pass the supervisor's limits. The full verification replays
// them as it replays the refund ledger (refunds_verify.go): the entry that stores an auto-refill's intent
// (kind "refill-requested", body "ID AMOUNT auto DAY", written by CreateAutoRefill in the transaction
// that writes the record) says, under the chain's MAC, what the record holds. Every record must be what
// its entry says, every such entry must have its record, and no record may exist without one. The body
// has said this since auto-refill began, so no vault needs migrating.
//
// Like the ledger, the quick verification at open leaves them to the full one (checkpoints do not seal
// them), which runs in the background at every start and stops every write if it fails. An archive
// deletes the entries, so it carries the records' digests in archive_rows (table "auto-refill") as it
// carries the refills' and settings': the full verification after it starts with them.

// autoRefillTable names the auto-refill records among an archive's saved rows.
const autoRefillTable = "auto-refill"

// autoRefillBody is the body of the entry that stores an auto-refill's intent; noteAutoRefill reads it back.
func autoRefillBody(id string, amount Amount, day string) string {
	return id + " " + amount.MillsString() + autoRefillMark + day
}

// autoRefillMark sets an auto-refill's body apart from a manual refill's ("ID AMOUNT").
const autoRefillMark = " auto "

// noteAutoRefill records the auto-refill record an entry wrote, if it wrote one: the refill it touched
// is the record's id, and a manual refill's body is "ID AMOUNT" only.
func (h *history) noteAutoRefill(e *AuditEntry, touches []touch) error {
	if e.Kind != "refill-requested" {
		return nil
	}
	var id string
	for _, t := range touches {
		if t.table == "refill" {
			id = t.key
		}
	}
	tail, ok := strings.CutPrefix(e.Body, id+" ")
	amountText, day, auto := strings.Cut(tail, autoRefillMark)
	if !ok || !auto {
		return nil
	}
	amount, err := ParseAmount(amountText)
	if err != nil { // only the vault's own code can have written it, under the MAC: a bug
		return &VerifyError{"audit chain", fmt.Sprintf("entry %d: an unreadable auto-refill amount %q", e.Seq, amountText)}
	}
	h.autos[id] = lastTouch{autoRefillDigest(id, day, amount).short(), e.Seq}
	return nil
}

// archivedRows is sealedRows with the auto-refill records: what an archive carries past the entries
// it deletes.
func (h *history) archivedRows() ([]checkpointRow, string) {
	rows, _ := h.sealedRows()
	for k, t := range h.autos {
		rows = append(rows, checkpointRow{autoRefillTable, k, t})
	}
	sortRows(rows)
	return rows, rowsDigest(rows)
}

// verifyAutoRefills compares the auto-refill records with their history.
func verifyAutoRefills(ctx context.Context, r dbReader, h *history) error {
	rows, err := r.QueryContext(ctx, `SELECT refill_id, day, amount FROM auto_refills ORDER BY refill_id`)
	if err != nil {
		return fmt.Errorf("verify: read auto-refills: %w", err)
	}
	defer rows.Close()
	seen := make(map[string]bool, len(h.autos))
	for rows.Next() {
		var id, day string
		var amount Amount
		if err := rows.Scan(&id, &day, &amount); err != nil {
			return fmt.Errorf("verify: read auto-refills: %w", err)
		}
		lt, ok := h.autos[id]
		if !ok {
			return &VerifyError{"row unaudited", fmt.Sprintf("the auto-refill record of refill %s (%s, %s) was never written by the vault", id, day, amount.MillsString())}
		}
		if autoRefillDigest(id, day, amount).short() != lt.digest {
			return &VerifyError{"row history", fmt.Sprintf("the auto-refill record of refill %s (%s, %s) differs from audit entry %d", id, day, amount.MillsString(), lt.seq)}
		}
		seen[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read auto-refills: %w", err)
	}
	for id, lt := range h.autos {
		if !seen[id] {
			return &VerifyError{"row missing", fmt.Sprintf("the auto-refill record of refill %s (audit entry %d) is not in the vault", id, lt.seq)}
		}
	}
	return nil
}
