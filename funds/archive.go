package funds

// The archive moves a whole period of old pieces and audit entries out of the live vault into a sealed
// archive file (archive_file.go, docs/archive.md), so that the live database keeps what the meter needs
// day to day. The registers, the control sums and the report summaries never change.
//
// One period is archived in three steps, and a crash at any point loses nothing:
//  1. On a read-only snapshot (the meter prints meanwhile): choose the segment, replay its part of the
//     keyed chain (checking every entry's keyed hash), and write the file beside the vault, fsynced, then
//     renamed into place with its folder fsynced.
//  2. Read the file back and verify it as an auditor would (VerifyArchive), against the database's counts.
//  3. In one write transaction: seal a checkpoint (so the open's quick verification never needs what
//     leaves), delete the rows, and record the archive — period, entries, pieces, sums, the file's hash
//     and the state the full verification starts from — in the archives table and in an audit entry of
//     the keyed chain. A crash before the commit leaves every row live (and perhaps a file no record
//     names, which the next run replaces); after it, every row is in a verified file.
//
// The segment is a prefix of the live chain: the entries of the oldest live period's month, cut back so
// that no piece in it is still committed or touched by a later entry. Then the live history starts at an
// entry boundary with every live row written after it, and the full verification starts there (verify.go).

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"time"
)

const (
	archiveKind         = "archive"
	archiveRestoredKind = "archive-restored"
)

// DefaultArchiveKeep is how long rows stay live: a month whose end is longer ago than this is archived.
const DefaultArchiveKeep = 31 * 24 * time.Hour

// ArchiveRecord is the body of an archive entry in the keyed chain: what left the live vault, where it
// went, and the state the live history continues from.
type ArchiveRecord struct {
	Period     string `json:"period"`
	File       string `json:"file"`   // the file's name in the archive folder
	SHA256     string `json:"sha256"` // of the whole file
	FirstSeq   int64  `json:"first_seq"`
	LastSeq    int64  `json:"last_seq"`
	LastHash   string `json:"last_hash"` // hex
	FirstPiece int64  `json:"first_piece"`
	LastPiece  int64  `json:"last_piece"`
	// UsedMills is the used register at LastSeq: the sum of every piece up to LastPiece.
	UsedMills     int64 `json:"used_mills"`
	ArchivedMills int64 `json:"archived_mills"` // the sum of the file's pieces
	// Registers and Rows are the registers' digest and the refills' and settings' newest digests at
	// LastSeq (archive_rows), as a checkpoint seals them, and the auto-refill records' digests, which
	// a checkpoint leaves in the live entries (autorefill_verify.go).
	Registers string `json:"registers"`
	Rows      string `json:"rows"`
	RowCount  int    `json:"row_count"`
}

// ArchiveOptions say where archive files go and what is old enough.
type ArchiveOptions struct {
	Dir   string        // the archive folder; "archive" beside the vault file if empty
	Keep  time.Duration // DefaultArchiveKeep if zero
	Actor string        // who asked ("system" for the automatic archive)
	Max   int           // at most this many periods in one call; all that are due if 0
	// Auto skips a period that was archived and then restored: a supervisor restored it on purpose.
	Auto bool
}

func (o ArchiveOptions) withDefaults(v *Vault) ArchiveOptions {
	if o.Dir == "" {
		o.Dir = filepath.Join(filepath.Dir(v.path), "archive")
	}
	if o.Keep == 0 {
		o.Keep = DefaultArchiveKeep
	}
	if o.Actor == "" {
		o.Actor = "system"
	}
	return o
}

// ArchiveInfo describes one archive file the vault wrote.
type ArchiveInfo struct {
	Period                string
	File                  string // the file's name in the archive folder
	Path                  string // its path, when known (Archive, RestoreArchive); Archives lists names only
	SHA256                string
	FirstSeq, LastSeq     int64
	FirstPiece, LastPiece int64
	PieceSum              Amount
	Restored              bool
}

// Archive moves every whole period older than opts.Keep (oldest first, at most opts.Max) into an
// archive file each, and returns what it wrote. Nothing due is no error.
func (v *Vault) Archive(ctx context.Context, opts ArchiveOptions) ([]ArchiveInfo, error) {
	opts = opts.withDefaults(v)
	v.archiving.Lock()
	defer v.archiving.Unlock()
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	var done []ArchiveInfo
	for opts.Max == 0 || len(done) < opts.Max {
		info, ok, err := v.archiveOne(ctx, opts)
		if err != nil {
			return done, fmt.Errorf("archive: %w", err)
		}
		if !ok {
			break
		}
		slog.Info("vault: archived a period", "period", info.Period, "entries", info.LastSeq-info.FirstSeq+1,
			"pieces", info.LastPiece-info.FirstPiece+1, "file", info.Path)
		done = append(done, info)
	}
	return done, nil
}

// archiveBase is where the live history starts: the newest archive not restored, checked.
type archiveBase struct {
	rec       ArchiveRecord
	recordSeq int64
	lastHash  []byte
	registers uint64
	refills   map[string]lastTouch
	settings  map[string]lastTouch
	autos     map[string]lastTouch
}

// activeArchive reads the newest archive not restored (nil if none) and checks its record's keyed hash
// and its saved rows.
func (v *Vault) activeArchive(ctx context.Context, r dbReader) (*archiveBase, error) {
	var lastSeq, recordSeq int64
	var sum string
	err := r.QueryRowContext(ctx, `SELECT last_seq, record_seq, sha256 FROM archives WHERE restored_seq = 0
		ORDER BY last_seq DESC, record_seq DESC LIMIT 1`).Scan(&lastSeq, &recordSeq, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read archives: %w", err)
	}
	e, err := readEntry(ctx, r, recordSeq)
	if err != nil {
		return nil, err
	}
	if e == nil || e.Kind != archiveKind || !hmac.Equal(auditHash(v.keys, e.PrevHash, e), e.Hash) {
		return nil, &VerifyError{"archive", fmt.Sprintf("the record of the archive up to entry %d (entry %d) is missing, or was not written by this meter's vault", lastSeq, recordSeq)}
	}
	b := &archiveBase{recordSeq: recordSeq}
	if err := json.Unmarshal([]byte(e.Body), &b.rec); err != nil {
		return nil, &VerifyError{"archive", fmt.Sprintf("entry %d: an unreadable archive record", recordSeq)}
	}
	if b.rec.LastSeq != lastSeq || b.rec.SHA256 != sum {
		return nil, &VerifyError{"archive", fmt.Sprintf("the archives table disagrees with the record in entry %d", recordSeq)}
	}
	if b.lastHash, err = hex.DecodeString(b.rec.LastHash); err != nil {
		return nil, &VerifyError{"archive", fmt.Sprintf("entry %d: an unreadable hash", recordSeq)}
	}
	if _, err := fmt.Sscanf(b.rec.Registers, "%x", &b.registers); err != nil {
		return nil, &VerifyError{"archive", fmt.Sprintf("entry %d: registers digest %q", recordSeq, b.rec.Registers)}
	}
	rows, err := readArchiveRows(ctx, r, recordSeq)
	if err != nil {
		return nil, err
	}
	if len(rows) != b.rec.RowCount || rowsDigest(rows) != b.rec.Rows {
		return nil, &VerifyError{"archive", fmt.Sprintf("the rows saved with the archive up to entry %d were changed", lastSeq)}
	}
	b.refills, b.settings, b.autos = map[string]lastTouch{}, map[string]lastTouch{}, map[string]lastTouch{}
	for _, row := range rows {
		switch row.table {
		case "refill":
			b.refills[row.key] = row.touch
		case "setting":
			b.settings[row.key] = row.touch
		case autoRefillTable:
			b.autos[row.key] = row.touch
		}
	}
	return b, nil
}

func readEntry(ctx context.Context, r dbReader, seq int64) (*AuditEntry, error) {
	rows, err := r.QueryContext(ctx, selectAuditSQL+` WHERE seq = ?`, seq)
	if err != nil {
		return nil, fmt.Errorf("read audit entry %d: %w", seq, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var e AuditEntry
	if err := scanAudit(rows, &e); err != nil {
		return nil, fmt.Errorf("read audit entry %d: %w", seq, err)
	}
	return &e, nil
}

func readArchiveRows(ctx context.Context, r dbReader, archive int64) ([]checkpointRow, error) {
	rows, err := r.QueryContext(ctx, `SELECT tbl, key, digest, seq FROM archive_rows WHERE archive = ? ORDER BY tbl, key`, archive)
	out, err := scanSealedRows(rows, err)
	if err != nil {
		return nil, fmt.Errorf("read archive rows: %w", err)
	}
	return out, nil
}

// startState is where the history starts: after the active archive, or from nothing.
func (b *archiveBase) startState() (after int64, prev []byte, h *history) {
	h = &history{refills: map[string]lastTouch{}, settings: map[string]lastTouch{}, autos: map[string]lastTouch{}}
	if b == nil {
		return 0, []byte{}, h
	}
	h.registers, h.registersSeq = b.registers, b.rec.LastSeq
	maps.Copy(h.refills, b.refills)
	maps.Copy(h.settings, b.settings)
	maps.Copy(h.autos, b.autos)
	return b.rec.LastSeq, b.lastHash, h
}

func (b *archiveBase) lastPiece() int64 {
	if b == nil {
		return 0
	}
	return b.rec.LastPiece
}

func (b *archiveBase) used() Amount {
	if b == nil {
		return 0
	}
	return Amount(b.rec.UsedMills)
}

// Archives lists the archive files the vault recorded, oldest first.
func (v *Vault) Archives(ctx context.Context) ([]ArchiveInfo, error) {
	rows, err := v.db.QueryContext(ctx, `SELECT period, file, sha256, first_seq, last_seq, first_piece, last_piece,
		restored_seq FROM archives ORDER BY last_seq, record_seq`)
	if err != nil {
		return nil, fmt.Errorf("list archives: %w", err)
	}
	defer rows.Close()
	var out []ArchiveInfo
	for rows.Next() {
		var a ArchiveInfo
		var restored int64
		if err := rows.Scan(&a.Period, &a.File, &a.SHA256, &a.FirstSeq, &a.LastSeq, &a.FirstPiece, &a.LastPiece, &restored); err != nil {
			return nil, fmt.Errorf("list archives: %w", err)
		}
		a.Restored = restored != 0
		out = append(out, a)
	}
	return out, rows.Err()
}

// PublicKey is the meter's Ed25519 public key, which signs its archive files and indicia: what an
// auditor verifies them with.
func (v *Vault) PublicKey() []byte { return v.keys.Public() }
