package funds

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// liveArchiveBase is activeArchive for a full verification: it also requires that nothing archived is
// still in the live tables (the archive's transaction deletes it all or nothing).
func (v *Vault) liveArchiveBase(ctx context.Context, r dbReader) (*archiveBase, error) {
	base, err := v.activeArchive(ctx, r)
	if err != nil || base == nil {
		return base, err
	}
	var entries, pieces int64
	if err := r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM audit WHERE seq <= ?), (SELECT COUNT(*) FROM pieces WHERE seq <= ?)`,
		base.rec.LastSeq, base.rec.LastPiece).Scan(&entries, &pieces); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if entries != 0 || pieces != 0 {
		return nil, &VerifyError{"archive", fmt.Sprintf("%d audit entries and %d pieces archived in %s are still live", entries, pieces, base.rec.File)}
	}
	return base, nil
}

// archiveRecords follows the archive and restore entries a full replay passes: every archive recorded
// after the one the replay started from must have been restored since, and that one must not have been.
// So the archives table can neither hide an archive nor bring a restored one back.
type archiveRecords struct {
	base *archiveBase
	open map[int64]int64 // the archives recorded after base, by last entry: the record's entry
}

func newArchiveRecords(base *archiveBase) *archiveRecords {
	return &archiveRecords{base: base, open: map[int64]int64{}}
}

func (a *archiveRecords) take(e *AuditEntry) error {
	var rec ArchiveRecord
	if err := json.Unmarshal([]byte(e.Body), &rec); err != nil {
		return &VerifyError{"archive", fmt.Sprintf("entry %d: an unreadable archive record", e.Seq)}
	}
	switch {
	case e.Kind == archiveKind && rec.LastSeq > a.base.lastSeqOrZero():
		a.open[rec.LastSeq] = e.Seq
	case e.Kind == archiveRestoredKind:
		delete(a.open, rec.LastSeq)
		if a.base != nil && rec.LastSeq == a.base.rec.LastSeq && e.Seq > a.base.recordSeq {
			return &VerifyError{"archive", fmt.Sprintf("entry %d restored the archive the vault's history starts from (%s)", e.Seq, a.base.rec.File)}
		}
	}
	return nil
}

func (a *archiveRecords) finish() error {
	for last, seq := range a.open {
		return &VerifyError{"archive", fmt.Sprintf("entry %d records an archive up to entry %d, but the vault's history starts from entry %d",
			seq, last, a.base.lastSeqOrZero())}
	}
	return nil
}

func (b *archiveBase) lastSeqOrZero() int64 {
	if b == nil {
		return 0
	}
	return b.rec.LastSeq
}

// ArchiveJoin is what VerifyArchiveJoins found.
type ArchiveJoin struct {
	Recorded bool // the vault records the file (by hash) in its keyed chain
	Active   bool // the file is where the vault's live history starts
	Restored bool // its rows were put back into the vault since
}

// VerifyArchiveJoins ties a verified archive file to the vault at vaultPath, read-only, with the meter's
// keys: the vault's record of the archive (an entry of the keyed chain) must name the file's hash and
// the same entries, pieces and last hash; and if the live history starts after it, the first live entry
// must link to the file's last entry.
func VerifyArchiveJoins(ctx context.Context, vaultPath string, keys Keys, sum ArchiveSummary) (ArchiveJoin, error) {
	var j ArchiveJoin
	db, err := sql.Open("sqlite", readOnlyDSN(vaultPath))
	if err != nil {
		return j, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return j, err
	}
	defer tx.Rollback()
	v := &Vault{keys: keys}
	h := sum.Header
	var recordSeq, restored int64
	err = tx.QueryRowContext(ctx, `SELECT record_seq, restored_seq FROM archives WHERE sha256 = ? ORDER BY record_seq DESC LIMIT 1`,
		sum.SHA256).Scan(&recordSeq, &restored)
	if errors.Is(err, sql.ErrNoRows) {
		return j, &VerifyError{"archive join", fmt.Sprintf("the vault records no archive with this file's hash (%s)", sum.SHA256)}
	}
	if err != nil {
		return j, err
	}
	e, err := readEntry(ctx, tx, recordSeq)
	if err != nil {
		return j, err
	}
	if e == nil {
		// The record itself went into a later archive file, which vouches for this one (VerifyArchive's Records).
		return j, &VerifyError{"archive join", fmt.Sprintf("the record of this archive (entry %d) is itself archived: verify the next archive file with this one", recordSeq)}
	}
	if e.Kind != archiveKind || !hmac.Equal(auditHash(keys, e.PrevHash, e), e.Hash) {
		return j, &VerifyError{"archive join", fmt.Sprintf("entry %d is not an archive record written by this meter's vault", recordSeq)}
	}
	var rec ArchiveRecord
	if err := json.Unmarshal([]byte(e.Body), &rec); err != nil {
		return j, &VerifyError{"archive join", fmt.Sprintf("entry %d: an unreadable archive record", recordSeq)}
	}
	if rec.SHA256 != sum.SHA256 || rec.FirstSeq != h.FirstSeq || rec.LastSeq != h.LastSeq || rec.LastHash != h.LastHash ||
		rec.FirstPiece != h.FirstPiece || rec.LastPiece != h.LastPiece || rec.ArchivedMills != sum.End.PieceSumMills ||
		rec.UsedMills != sum.UsedAfter.Mills() {
		return j, &VerifyError{"archive join", fmt.Sprintf("the vault's record (entry %d) describes another archive than this file", recordSeq)}
	}
	j.Recorded, j.Restored = true, restored != 0
	base, err := v.activeArchive(ctx, tx)
	if err != nil {
		return j, err
	}
	if base != nil && base.recordSeq == recordSeq {
		j.Active = true
		next, err := readEntry(ctx, tx, h.LastSeq+1)
		if err != nil {
			return j, err
		}
		if next == nil || hex.EncodeToString(next.PrevHash) != h.LastHash {
			return j, &VerifyError{"archive join", fmt.Sprintf("the vault's entry %d does not link to the archive's last entry", h.LastSeq+1)}
		}
	}
	return j, nil
}

// ArchivesJoin checks that archive files verified in order of their entries follow one another: the
// entries, pieces, hashes and used register continue, and a later file that holds the record of an
// earlier one names that file's hash.
func ArchivesJoin(files []ArchiveSummary) error {
	for i := 1; i < len(files); i++ {
		a, b := files[i-1], files[i]
		if b.Header.FirstSeq != a.Header.LastSeq+1 || b.Header.PrevHash != a.Header.LastHash ||
			b.Header.FirstPiece != a.Header.LastPiece+1 || b.Header.UsedBeforeMills != a.UsedAfter.Mills() {
			return &VerifyError{"archive join", fmt.Sprintf("archive %s (entries %d..%d) does not continue archive %s (entries %d..%d)",
				b.Header.Period, b.Header.FirstSeq, b.Header.LastSeq, a.Header.Period, a.Header.FirstSeq, a.Header.LastSeq)}
		}
		// The newest record of a's entries names the file that holds them (an older one may name a file
		// that was restored and archived again).
		newest := ""
		for _, later := range files[i:] {
			for _, rec := range later.Records {
				if rec.LastSeq == a.Header.LastSeq && rec.FirstSeq == a.Header.FirstSeq {
					newest = rec.SHA256
				}
			}
		}
		if newest != "" && newest != a.SHA256 {
			return &VerifyError{"archive join", fmt.Sprintf("a later archive records archive %s with another file hash", a.Header.Period)}
		}
	}
	return nil
}
