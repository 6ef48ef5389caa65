package funds

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// archivePlan is one period chosen for archiving: the entries firstSeq..lastSeq and the pieces
// firstPiece..lastPiece, after the active archive base.
type archivePlan struct {
	base                  *archiveBase
	period                string
	firstSeq, lastSeq     int64
	firstPiece, lastPiece int64
	batchStart            int64 // the pieces after it are the open batch's
}

// archiveWritten is what writing the file found: the file's hash and counts, and the state at its end.
type archiveWritten struct {
	path, sha256 string
	end          ArchiveEnd
	totals       []ArchiveTotal
	registers    uint64
	rows         []checkpointRow
	rowsDigest   string
	lastHash     []byte
	used         Amount
}

// archiveOne archives the oldest period if it is due; ok is false if none is.
func (v *Vault) archiveOne(ctx context.Context, opts ArchiveOptions) (ArchiveInfo, bool, error) {
	var info ArchiveInfo
	db, err := sql.Open("sqlite", readOnlyDSN(v.path))
	if err != nil {
		return info, false, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	snap, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return info, false, err
	}
	defer snap.Rollback()
	plan, ok, err := v.planArchive(ctx, snap, opts)
	if err != nil || !ok {
		return info, false, err
	}
	w, err := v.writeArchive(ctx, snap, plan, opts.Dir)
	if err != nil {
		return info, false, err
	}
	if err := snap.Rollback(); err != nil {
		return info, false, err
	}
	// Read back what is on disk and verify it as an auditor would before anything is deleted.
	sum, err := VerifyArchiveFile(w.path, v.keys.Public())
	if err != nil {
		return info, false, fmt.Errorf("the archive file %s did not verify after writing: %w", w.path, err)
	}
	if sum.SHA256 != w.sha256 || sum.End != w.end || sum.Header.FirstSeq != plan.firstSeq || sum.Header.LastSeq != plan.lastSeq {
		return info, false, fmt.Errorf("the archive file %s read back differs from what was written", w.path)
	}
	if err := v.commitArchive(ctx, plan, w, opts.Actor); err != nil {
		return info, false, err
	}
	return ArchiveInfo{Period: plan.period, File: filepath.Base(w.path), Path: w.path, SHA256: w.sha256, FirstSeq: plan.firstSeq, LastSeq: plan.lastSeq,
		FirstPiece: plan.firstPiece, LastPiece: plan.lastPiece, PieceSum: Amount(w.end.PieceSumMills)}, true, nil
}

// planArchive chooses the segment: the month of the oldest live entry, if that month ended more than
// opts.Keep ago, cut back before the debit of any piece that is still committed or that a later entry
// touches (so every row left live was last written after the segment).
func (v *Vault) planArchive(ctx context.Context, r dbReader, opts ArchiveOptions) (archivePlan, bool, error) {
	base, err := v.activeArchive(ctx, r)
	if err != nil {
		return archivePlan{}, false, err
	}
	p := archivePlan{base: base, firstPiece: base.lastPiece() + 1}
	if base != nil {
		p.firstSeq = base.rec.LastSeq + 1
	} else {
		p.firstSeq = 1
	}
	var at string
	err = r.QueryRowContext(ctx, `SELECT at FROM audit WHERE seq = ?`, p.firstSeq).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("plan archive: %w", err)
	}
	start, err := time.Parse("2006-01", at[:min(len(at), 7)])
	if err != nil {
		return p, false, fmt.Errorf("plan archive: entry %d has time %q", p.firstSeq, at)
	}
	end := start.AddDate(0, 1, 0)
	if end.Add(opts.Keep).After(v.now()) {
		return p, false, nil
	}
	p.period = start.Format("2006-01")
	if opts.Auto {
		var restored int
		if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM archives WHERE period = ? AND restored_seq <> 0`, p.period).Scan(&restored); err != nil {
			return p, false, fmt.Errorf("plan archive: %w", err)
		}
		if restored > 0 {
			return p, false, nil
		}
	}
	err = r.QueryRowContext(ctx, `SELECT seq - 1 FROM audit WHERE seq > ? AND at >= ? ORDER BY seq LIMIT 1`,
		p.firstSeq, end.Format(time.DateOnly)).Scan(&p.lastSeq)
	if errors.Is(err, sql.ErrNoRows) {
		err = r.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit`).Scan(&p.lastSeq)
	}
	if err != nil {
		return p, false, fmt.Errorf("plan archive: %w", err)
	}
	if err := r.QueryRowContext(ctx, `SELECT pieces FROM audit WHERE seq = ?`, p.lastSeq).Scan(&p.lastPiece); err != nil {
		return p, false, fmt.Errorf("plan archive: %w", err)
	}
	// The refund ledger (refunds.go) is not archived yet: its rows refer to pieces and its entries are
	// replayed by the full verification, so the segment ends before the first ledger entry and before the
	// debit of any piece the ledger holds. Those months stay live until the archive carries the ledger.
	if ok, err := beforeLedger(ctx, r, &p); err != nil || !ok {
		return p, false, err
	}
	// The pieces of the open batch stay live: End batch sums them (batch.go).
	regs, err := readRegisters(ctx, r)
	if err != nil {
		return p, false, fmt.Errorf("plan archive: %w", err)
	}
	p.batchStart = regs.Pieces - regs.BatchCount
	if p.lastPiece > p.batchStart {
		if ok, err := settleBack(ctx, r, &p, map[int64]bool{p.batchStart + 1: true}); err != nil || !ok {
			return p, false, err
		}
	}
	// A piece debited at the month's end and printed in the next month goes with its month: the end moves
	// on to its print. Only if that cannot be had (a piece still committed) does the end move back.
	pending, err := unsettledIn(ctx, r, p)
	if err != nil || len(pending) == 0 {
		return p, err == nil, err
	}
	back := p
	ok, err := settleForward(ctx, r, &p, pending, end.Add(opts.Keep))
	if err != nil || ok {
		return p, ok, err
	}
	p = back
	ok, err = settleBack(ctx, r, &p, pending)
	if err == nil && !ok {
		slog.Warn("vault: a period cannot be archived yet: a piece in it is not settled", "period", p.period)
	}
	return p, ok, err
}

// A piece is settled once an entry after its debit marked it printed or spoiled: its row never changes
// again (markPieceTx changes only a committed piece), so it can leave the live vault. unsettledIn lists
// the pieces of p's segment that are not settled inside it, reading only the segment's entries.
func unsettledIn(ctx context.Context, r dbReader, p archivePlan) (map[int64]bool, error) {
	n := p.lastPiece - p.firstPiece + 1
	touched := make([]uint8, max(n, 0))
	err := eachPieceTouch(ctx, r, `seq BETWEEN ? AND ?`, []any{p.firstSeq, p.lastSeq}, func(_, piece int64) bool {
		if i := piece - p.firstPiece; i >= 0 && i < n && touched[i] < 2 {
			touched[i]++
		}
		return true
	})
	pending := map[int64]bool{}
	for i, c := range touched {
		if c < 2 {
			pending[p.firstPiece+int64(i)] = true
		}
	}
	return pending, err
}

// eachPieceTouch calls fn with every entry (in order) matching where that touches a piece, and the piece;
// fn returns false to stop.
func eachPieceTouch(ctx context.Context, r dbReader, where string, args []any, fn func(seq, piece int64) bool) error {
	rows, err := r.QueryContext(ctx, `SELECT seq, touched FROM audit WHERE `+where+` AND instr(touched, 'piece:') > 0 ORDER BY seq`, args...)
	if err != nil {
		return fmt.Errorf("plan archive: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var s string
		if err := rows.Scan(&seq, &s); err != nil {
			return fmt.Errorf("plan archive: %w", err)
		}
		touches, err := parseTouched(s)
		if err != nil {
			return &VerifyError{"audit chain", err.Error()}
		}
		for _, t := range touches {
			if t.table == "piece" && !fn(seq, t.seq) {
				return nil
			}
		}
	}
	return rows.Err()
}

// settleReach is how many entries past the keep period the end of a segment may move on to settle it.
const settleReach = 10_000

// settleForward moves the end of p on through the entries after it until every piece debited up to the
// end is settled; ok is false if a piece is still committed or the end would reach past before and
// settleReach entries.
func settleForward(ctx context.Context, r dbReader, p *archivePlan, pending map[int64]bool, before time.Time) (bool, error) {
	var committed sql.NullInt64
	if err := r.QueryRowContext(ctx, `SELECT MIN(seq) FROM pieces WHERE seq BETWEEN ? AND ? AND state = 'committed'`,
		p.firstPiece, p.lastPiece).Scan(&committed); err != nil || committed.Valid {
		return false, err
	}
	var stop int64
	// The end may move on through what is older than the keep period, or through a few entries more: a
	// piece left committed when the meter stopped is spoiled when it starts again, maybe months later,
	// and must not hold its month back for ever.
	err := eachPieceTouch(ctx, r, `seq > ? AND (at < ? OR seq <= ?)`, []any{p.lastSeq, before.Format(time.DateOnly),
		p.lastSeq + settleReach}, func(seq, piece int64) bool {
		if piece > p.batchStart {
			stop = -1 // the open batch's
			return false
		}
		if piece > p.lastPiece {
			pending[piece] = true // debited after the month's end: now inside the segment
			p.lastPiece = piece
		} else if pending[piece] {
			delete(pending, piece)
		}
		if len(pending) == 0 {
			stop = seq
			return false
		}
		return true
	})
	if err != nil || stop <= 0 {
		return false, err
	}
	p.lastSeq = stop
	var pieces int64
	if err := r.QueryRowContext(ctx, `SELECT pieces FROM audit WHERE seq = ?`, stop).Scan(&pieces); err != nil {
		return false, fmt.Errorf("plan archive: %w", err)
	}
	return pieces == p.lastPiece, nil
}

// beforeLedger moves the end of p back before the first refund-ledger entry in it and before the debit
// of the first piece the ledger holds; ok is false if nothing is left.
func beforeLedger(ctx context.Context, r dbReader, p *archivePlan) (bool, error) {
	var entry sql.NullInt64
	if err := r.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit WHERE seq BETWEEN ? AND ? AND kind IN ('misprint', 'claim')`,
		p.firstSeq, p.lastSeq).Scan(&entry); err != nil {
		return false, fmt.Errorf("plan archive: ledger entries: %w", err)
	}
	if entry.Valid {
		p.lastSeq = entry.Int64 - 1
		if p.lastSeq < p.firstSeq {
			return false, nil
		}
		if err := r.QueryRowContext(ctx, `SELECT pieces FROM audit WHERE seq = ?`, p.lastSeq).Scan(&p.lastPiece); err != nil {
			return false, fmt.Errorf("plan archive: %w", err)
		}
	}
	var piece sql.NullInt64
	if err := r.QueryRowContext(ctx, `SELECT MIN(seq) FROM (SELECT seq FROM piece_misprints UNION SELECT seq FROM refund_claim_pieces)
		WHERE seq BETWEEN ? AND ?`, p.firstPiece, p.lastPiece).Scan(&piece); err != nil {
		return false, fmt.Errorf("plan archive: ledger pieces: %w", err)
	}
	if !piece.Valid {
		return true, nil
	}
	return settleBack(ctx, r, p, map[int64]bool{piece.Int64: true})
}

// settleBack moves the end of p back before the debit of its lowest unsettled piece, until every piece
// left is settled inside; ok is false if nothing is left.
func settleBack(ctx context.Context, r dbReader, p *archivePlan, pending map[int64]bool) (bool, error) {
	for len(pending) > 0 { // each round moves the end back, so the loop ends
		low := int64(0)
		for s := range pending {
			if low == 0 || s < low {
				low = s
			}
		}
		var debit int64
		if err := r.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit WHERE seq >= ? AND pieces >= ?`, p.firstSeq, low).Scan(&debit); err != nil {
			return false, fmt.Errorf("plan archive: the entry of piece %d: %w", low, err)
		}
		p.lastSeq, p.lastPiece = debit-1, low-1
		if p.lastSeq < p.firstSeq {
			return false, nil
		}
		var err error
		if pending, err = unsettledIn(ctx, r, *p); err != nil {
			return false, err
		}
	}
	return true, nil
}

// writeArchive writes the file of plan from the snapshot r: into a temporary file, fsynced, renamed into
// place, the folder fsynced. The segment's entries are checked against this vault's keyed hash on the
// way, and the refills', settings' and auto-refill records' digests at its end collected.
func (v *Vault) writeArchive(ctx context.Context, r dbReader, p archivePlan, dir string) (archiveWritten, error) {
	var w archiveWritten
	lastEntry, err := readEntry(ctx, r, p.lastSeq)
	if err != nil || lastEntry == nil {
		return w, errors.Join(fmt.Errorf("write archive: no entry %d", p.lastSeq), err)
	}
	after, prev, h := p.base.startState()
	w.path = filepath.Join(dir, fmt.Sprintf("%s-%s-%d-%d.pmarchive", v.serial, p.period, p.firstSeq, p.lastSeq))
	tmp := w.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	defer f.Close()
	whole := newHashWriter(f)
	aw := newArchiveWriter(whole)
	err = aw.line(archiveLine{Header: &ArchiveHeader{Format: archiveFormat, Serial: v.serial, Period: p.period,
		PublicKey: hex.EncodeToString(v.keys.Public()), Created: v.stamp(), FirstSeq: p.firstSeq, LastSeq: p.lastSeq,
		PrevHash: hex.EncodeToString(prev), LastHash: hex.EncodeToString(lastEntry.Hash),
		FirstPiece: p.firstPiece, LastPiece: p.lastPiece, UsedBeforeMills: p.base.used().Mills()}})
	if err == nil {
		err = v.writeArchiveRows(ctx, r, p, aw, &w)
	}
	if err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	last, err := v.walkChainTo(ctx, r, after, p.lastSeq, prev, func(e *AuditEntry, touches []touch) error {
		for _, t := range touches {
			switch t.table {
			case "registers":
				h.registers = t.digest
			case "refill":
				h.refills[t.key] = lastTouch{t.digest, e.Seq}
			case "setting":
				h.settings[t.key] = lastTouch{t.digest, e.Seq}
			}
		}
		if err := h.noteAutoRefill(e, touches); err != nil {
			return err
		}
		w.end.AuditEntries++
		return aw.line(archiveLine{Audit: ptr(archiveEntry(*e))})
	})
	if err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	if last.Seq != p.lastSeq {
		return w, fmt.Errorf("write archive: the chain ends at %d, the segment at %d", last.Seq, p.lastSeq)
	}
	w.registers, w.lastHash, w.used = h.registers, last.Hash, last.Registers.Used
	w.rows, w.rowsDigest = h.archivedRows()
	if err := v.writeArchiveTotals(ctx, r, p, aw, &w); err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	if err := aw.line(archiveLine{End: &w.end}); err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	if _, err := aw.seal(v.serial, v.keys.Sign); err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	w.sha256 = whole.sum()
	if err := f.Sync(); err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	if err := f.Close(); err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		return w, fmt.Errorf("write archive: %w", err)
	}
	return w, syncDir(dir)
}

func ptr[T any](x T) *T { return &x }

// writeArchiveRows writes the pieces and their signatures.
func (v *Vault) writeArchiveRows(ctx context.Context, r dbReader, p archivePlan, aw *archiveWriter, w *archiveWritten) error {
	rows, err := r.QueryContext(ctx, selectPieceSQL+` WHERE seq BETWEEN ? AND ? ORDER BY seq`, p.firstPiece, p.lastPiece)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pc Piece
		if err := scanPiece(rows, &pc); err != nil {
			return err
		}
		w.end.Pieces++
		w.end.PieceSumMills += pc.Amount.Mills()
		if err := aw.line(archiveLine{Piece: ptr(archivePiece(pc))}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sigs, err := r.QueryContext(ctx, `SELECT seq, body, signature FROM piece_signatures WHERE seq BETWEEN ? AND ? ORDER BY seq`,
		p.firstPiece, p.lastPiece)
	if err != nil {
		return err
	}
	defer sigs.Close()
	for sigs.Next() {
		var s ArchiveSignature
		if err := sigs.Scan(&s.Seq, &s.Body, &s.Signature); err != nil {
			return err
		}
		w.end.Signatures++
		if err := aw.line(archiveLine{Signature: &s}); err != nil {
			return err
		}
	}
	return sigs.Err()
}

// writeArchiveTotals writes the day summaries of the archived pieces.
func (v *Vault) writeArchiveTotals(ctx context.Context, r dbReader, p archivePlan, aw *archiveWriter, w *archiveWritten) error {
	rows, err := r.QueryContext(ctx, `SELECT mailing_date, account_code, mail_class, COUNT(*), SUM(amount), SUM(state = 'spoiled'),
		SUM(CASE WHEN state = 'spoiled' THEN amount ELSE 0 END) FROM pieces WHERE seq BETWEEN ? AND ?
		GROUP BY mailing_date, account_code, mail_class ORDER BY mailing_date, account_code, mail_class`, p.firstPiece, p.lastPiece)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t ArchiveTotal
		if err := rows.Scan(&t.Day, &t.AccountCode, &t.MailClass, &t.Pieces, &t.ValueMills, &t.SpoiledPieces, &t.SpoiledValueMills); err != nil {
			return err
		}
		w.totals = append(w.totals, t)
		w.end.Totals++
		if err := aw.line(archiveLine{Total: &t}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// commitArchive deletes the archived rows and records the archive, in one transaction with a fresh
// checkpoint; the deletes must remove exactly what the file holds.
func (v *Vault) commitArchive(ctx context.Context, p archivePlan, w archiveWritten, actor string) error {
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		cur, err := v.activeArchive(ctx, tx)
		if err != nil {
			return err
		}
		if cur.lastPiece() != p.base.lastPiece() || (cur == nil) != (p.base == nil) || (cur != nil && cur.recordSeq != p.base.recordSeq) {
			return errors.New("another archive was recorded meanwhile")
		}
		if regs, err := readRegisters(ctx, tx); err != nil || regs.Pieces-regs.BatchCount < p.lastPiece {
			return errors.Join(errors.New("the batch holds pieces of the archive: End batch first"), err)
		}
		if err := v.writeCheckpoint(ctx, tx, actor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_gate(id) VALUES(1)`); err != nil {
			return err
		}
		for _, d := range []struct {
			sql      string
			from, to int64
			want     int64
		}{
			{`DELETE FROM piece_signatures WHERE seq BETWEEN ? AND ?`, p.firstPiece, p.lastPiece, w.end.Signatures},
			{`DELETE FROM pieces WHERE seq BETWEEN ? AND ?`, p.firstPiece, p.lastPiece, w.end.Pieces},
			{`DELETE FROM audit WHERE seq BETWEEN ? AND ?`, p.firstSeq, p.lastSeq, w.end.AuditEntries},
		} {
			res, err := tx.ExecContext(ctx, d.sql, d.from, d.to)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != d.want {
				return errors.Join(fmt.Errorf("%s removed %d rows, the archive holds %d", d.sql, n, d.want), err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM archive_gate`); err != nil {
			return err
		}
		rec := ArchiveRecord{Period: p.period, File: filepath.Base(w.path), SHA256: w.sha256, FirstSeq: p.firstSeq,
			LastSeq: p.lastSeq, LastHash: hex.EncodeToString(w.lastHash), FirstPiece: p.firstPiece, LastPiece: p.lastPiece,
			UsedMills: w.used.Mills(), ArchivedMills: w.end.PieceSumMills, Registers: registersHex(w.registers),
			Rows: w.rowsDigest, RowCount: len(w.rows)}
		body, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		regs, err := readRegisters(ctx, tx)
		if err != nil {
			return err
		}
		if err := v.appendAudit(ctx, tx, actor, archiveKind, string(body), regs, nil); err != nil {
			return err
		}
		return insertArchiveRecord(ctx, tx, v.lastSeq, rec, w)
	})
	if err != nil {
		return fmt.Errorf("record the archive of %s: %w", p.period, err)
	}
	return nil
}

func insertArchiveRecord(ctx context.Context, tx *sql.Tx, recordSeq int64, rec ArchiveRecord, w archiveWritten) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO archives(record_seq, last_seq, period, first_seq, first_piece, last_piece,
		file, sha256) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, recordSeq, rec.LastSeq, rec.Period, rec.FirstSeq, rec.FirstPiece,
		rec.LastPiece, rec.File, rec.SHA256); err != nil {
		return err
	}
	for _, row := range w.rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_rows(archive, tbl, key, digest, seq) VALUES(?, ?, ?, ?, ?)`,
			recordSeq, row.table, row.key, int64(row.touch.digest), row.touch.seq); err != nil {
			return err
		}
	}
	for _, t := range w.totals {
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_totals(archive, day, account_code, mail_class, pieces, value,
			spoiled_pieces, spoiled_value) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, recordSeq, t.Day, t.AccountCode, t.MailClass,
			t.Pieces, t.ValueMills, t.SpoiledPieces, t.SpoiledValueMills); err != nil {
			return err
		}
	}
	return nil
}

// VerifyArchiveFile is VerifyArchive on the file at path.
func VerifyArchiveFile(path string, pub ed25519.PublicKey) (ArchiveSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return ArchiveSummary{}, fmt.Errorf("verify archive: %w", err)
	}
	defer f.Close()
	return VerifyArchive(f, pub)
}

// syncDir fsyncs a folder, so a file renamed into it survives a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// hashWriter is an io.Writer that keeps the SHA-256 of what passed through it.
type hashWriter struct {
	w io.Writer
	h hash.Hash
}

func newHashWriter(w io.Writer) *hashWriter { return &hashWriter{w: w, h: sha256.New()} }

func (h *hashWriter) Write(b []byte) (int, error) {
	n, err := h.w.Write(b)
	h.h.Write(b[:n])
	return n, err
}

func (h *hashWriter) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }
