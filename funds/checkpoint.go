package funds

// Sealed checkpoints keep the start of a vault with a long history as fast as a new one's
// (docs/history.md).
//
// A checkpoint is an audit entry of kind "checkpoint" in the keyed chain. It is written in the same
// transaction as a debit (every CheckpointEvery pieces) and when the vault closes, and only after the
// vault has verified everything written since the previous checkpoint, inside that transaction: so it
// seals a verified state. Its body records the piece count and sum up to its highest piece, the refill
// sum, the registers' digest, and a digest of the refills' and settings' newest row digests, which are
// kept beside it in checkpoint_rows (they are few; the pieces are not listed, their sum is sealed).
//
// Verification at open (verifyQuick) then starts from the newest checkpoint: it checks the checkpoint's
// keyed hash and its saved rows, sums only the pieces after it, replays only the entries after it and
// checks every row touched since. A change to a row older than the checkpoint is found by the full
// verification, which the vault runs in the background after opening (fullcheck.go) and which checks every
// checkpoint against the history before it; once it finds a discrepancy the vault refuses every write.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

const checkpointKind = "checkpoint"

// checkpointBody is the JSON body of a checkpoint entry; the audit MAC covers it.
type checkpointBody struct {
	Pieces         int64  `json:"pieces"`
	PieceSumMills  int64  `json:"piece_sum_mills"`
	MaxSeq         int64  `json:"max_piece_seq"`
	RefillSumMills int64  `json:"refill_sum_mills"`
	Registers      string `json:"registers"` // rowDigest.short of the registers row, hex
	Rows           string `json:"rows"`      // SHA-256 of the refills' and settings' newest digests, hex
	RowCount       int    `json:"row_count"`
}

// checkpointRow is one row of checkpoint_rows: the newest digest of a refill or setting when sealed.
type checkpointRow struct {
	table, key string
	touch      lastTouch
}

// sealedRows lists the refills and settings of h in a fixed order, with their digest.
func (h *history) sealedRows() ([]checkpointRow, string) {
	rows := make([]checkpointRow, 0, len(h.refills)+len(h.settings))
	for k, t := range h.refills {
		rows = append(rows, checkpointRow{"refill", k, t})
	}
	for k, t := range h.settings {
		rows = append(rows, checkpointRow{"setting", k, t})
	}
	sortRows(rows)
	return rows, rowsDigest(rows)
}

// sortRows puts sealed rows in the order their digest and the tables read them back (by table, key).
func sortRows(rows []checkpointRow) {
	slices.SortFunc(rows, func(a, b checkpointRow) int {
		if a.table != b.table {
			return compareStrings(a.table, b.table)
		}
		return compareStrings(a.key, b.key)
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func rowsDigest(rows []checkpointRow) string {
	c := newCanon("checkpoint_rows")
	for _, r := range rows {
		c = c.str(r.table).str(r.key).int(int64(r.touch.digest)).int(r.touch.seq)
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:])
}

func registersHex(d uint64) string { return strconv.FormatUint(d, 16) }

// checkSeal compares a checkpoint met in a full replay with the history before it, and keeps its piece
// sum for verifyPieces.
func (h *history) checkSeal(e *AuditEntry) error {
	var b checkpointBody
	if err := json.Unmarshal([]byte(e.Body), &b); err != nil {
		return &VerifyError{"checkpoint", fmt.Sprintf("entry %d: unreadable: %v", e.Seq, err)}
	}
	_, rows := h.sealedRows()
	r := e.Registers
	switch {
	case b.Registers != registersHex(h.registers):
		return &VerifyError{"checkpoint", fmt.Sprintf("entry %d sealed registers the history before it does not have", e.Seq)}
	case b.Rows != rows:
		return &VerifyError{"checkpoint", fmt.Sprintf("entry %d sealed refills or settings the history before it does not have", e.Seq)}
	case b.Pieces != r.Pieces || b.MaxSeq != r.Pieces || b.PieceSumMills != r.Used.Mills() || b.RefillSumMills != r.Control.Mills():
		return &VerifyError{"checkpoint", fmt.Sprintf("entry %d sealed sums other than its registers", e.Seq)}
	case b.MaxSeq == 0 && b.PieceSumMills != 0:
		return &VerifyError{"checkpoint", fmt.Sprintf("entry %d sealed a sum without pieces", e.Seq)}
	}
	h.sealed = append(h.sealed, b)
	return nil
}

// checkpoint is the newest checkpoint, checked: its entry, body and saved rows.
type checkpoint struct {
	entry    AuditEntry
	body     checkpointBody
	refills  map[string]lastTouch
	settings map[string]lastTouch
}

// loadCheckpoint reads the newest checkpoint (nil if there is none), checks its keyed hash and requires
// checkpoint_rows to be exactly the rows it sealed. The newest checkpoint is found by walking the log
// back from its end, which a checkpoint every few thousand entries keeps short.
func (v *Vault) loadCheckpoint(ctx context.Context, r dbReader) (*checkpoint, error) {
	rows, err := r.QueryContext(ctx, selectAuditSQL+` WHERE kind = ? ORDER BY seq DESC LIMIT 1`, checkpointKind)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var cp checkpoint
	found := rows.Next()
	if found {
		err = scanAudit(rows, &cp.entry)
	}
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	if !found {
		var n int
		if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkpoint_rows`).Scan(&n); err != nil {
			return nil, fmt.Errorf("read checkpoint: %w", err)
		}
		if n != 0 {
			return nil, &VerifyError{"checkpoint", fmt.Sprintf("%d checkpoint rows but no checkpoint", n)}
		}
		return nil, nil
	}
	e := &cp.entry
	if !hmac.Equal(auditHash(v.keys, e.PrevHash, e), e.Hash) {
		return nil, &VerifyError{"audit chain", fmt.Sprintf("entry %d (%s) was not written by this meter's vault, or was altered", e.Seq, e.Kind)}
	}
	if err := json.Unmarshal([]byte(e.Body), &cp.body); err != nil {
		return nil, &VerifyError{"checkpoint", fmt.Sprintf("entry %d: unreadable: %v", e.Seq, err)}
	}
	saved, err := readCheckpointRows(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(saved) != cp.body.RowCount || rowsDigest(saved) != cp.body.Rows {
		return nil, &VerifyError{"checkpoint", fmt.Sprintf("the rows saved with checkpoint %d were changed", e.Seq)}
	}
	cp.refills, cp.settings = map[string]lastTouch{}, map[string]lastTouch{}
	for _, row := range saved {
		switch row.table {
		case "refill":
			cp.refills[row.key] = row.touch
		case "setting":
			cp.settings[row.key] = row.touch
		default:
			return nil, &VerifyError{"checkpoint", fmt.Sprintf("checkpoint %d: a saved row of table %q", e.Seq, row.table)}
		}
	}
	return &cp, nil
}

func readCheckpointRows(ctx context.Context, r dbReader) ([]checkpointRow, error) {
	rows, err := r.QueryContext(ctx, `SELECT tbl, key, digest, seq FROM checkpoint_rows ORDER BY tbl, key`)
	out, err := scanSealedRows(rows, err)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint rows: %w", err)
	}
	return out, nil
}

// scanSealedRows reads rows of (tbl, key, digest, seq): the rows a checkpoint or an archive sealed.
func scanSealedRows(rows *sql.Rows, err error) ([]checkpointRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []checkpointRow
	for rows.Next() {
		var row checkpointRow
		var d int64
		if err := rows.Scan(&row.table, &row.key, &d, &row.touch.seq); err != nil {
			return nil, err
		}
		row.touch.digest = uint64(d)
		out = append(out, row)
	}
	return out, rows.Err()
}

// writeCheckpoint verifies everything written since the previous checkpoint, inside tx, and seals the
// result in a checkpoint entry. A vault that does not verify gets no checkpoint, and the transaction
// (a debit's) fails with the *VerifyError, so nothing is printed. The caller holds v.mu (writeTx).
func (v *Vault) writeCheckpoint(ctx context.Context, tx *sql.Tx, actor string) error {
	h, err := v.verifyQuick(ctx, tx, v.lastSeq)
	if err != nil {
		return err
	}
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	rows, digest := h.sealedRows()
	body, err := json.Marshal(checkpointBody{Pieces: regs.Pieces, PieceSumMills: regs.Used.Mills(), MaxSeq: regs.Pieces,
		RefillSumMills: regs.Control.Mills(), Registers: registersHex(h.registers), Rows: digest, RowCount: len(rows)})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM checkpoint_rows`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	for _, row := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoint_rows(tbl, key, digest, seq) VALUES(?, ?, ?, ?)`,
			row.table, row.key, int64(row.touch.digest), row.touch.seq); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	if err := v.appendAudit(ctx, tx, actor, checkpointKind, string(body), regs, nil); err != nil {
		return err
	}
	v.lastCheckpoint = v.lastSeq
	return nil
}

// Checkpoint seals the vault's state now (the supervisor's "verify and seal", and Close).
func (v *Vault) Checkpoint(ctx context.Context, actor string) error {
	err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.writeCheckpoint(ctx, tx, actor) })
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
