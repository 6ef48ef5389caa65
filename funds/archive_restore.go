package funds

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// RestoreArchive puts the rows of the newest archive not yet restored back into the live vault: its
// pieces, their signatures and its audit entries, exactly as they were (the entries keep their keyed
// hashes, so the full verification replays them as before). The file in dir ("archive" beside the vault
// if empty) must verify and have the hash the vault recorded; the rows go back in one transaction with an
// "archive-restored" entry, and the archive stays listed as restored. Archives are restored newest first.
func (v *Vault) RestoreArchive(ctx context.Context, dir, actor string) (ArchiveInfo, error) {
	opts := ArchiveOptions{Dir: dir, Actor: actor}.withDefaults(v)
	v.archiving.Lock()
	defer v.archiving.Unlock()
	base, err := v.activeArchive(ctx, v.db)
	if err != nil {
		return ArchiveInfo{}, fmt.Errorf("restore archive: %w", err)
	}
	if base == nil {
		return ArchiveInfo{}, errors.New("restore archive: the vault has no archive to restore")
	}
	rec := base.rec
	path := filepath.Join(opts.Dir, rec.File)
	sum, err := VerifyArchiveFile(path, v.keys.Public())
	if err != nil {
		return ArchiveInfo{}, fmt.Errorf("restore archive %s: %w", path, err)
	}
	if sum.SHA256 != rec.SHA256 {
		return ArchiveInfo{}, fmt.Errorf("restore archive %s: the file is not the one the vault recorded (hash %s, recorded %s)", path, sum.SHA256, rec.SHA256)
	}
	err = v.writeTx(ctx, func(tx *sql.Tx) error {
		cur, err := v.activeArchive(ctx, tx)
		if err != nil {
			return err
		}
		if cur == nil || cur.recordSeq != base.recordSeq {
			return errors.New("another archive was recorded or restored meanwhile")
		}
		// The file is read again inside the transaction and its hash compared at the end: what goes in
		// is what was verified.
		if err := insertArchiveRows(ctx, tx, path, rec.SHA256, sum.End); err != nil {
			return err
		}
		regs, err := readRegisters(ctx, tx)
		if err != nil {
			return err
		}
		body, err := json.Marshal(ArchiveRecord{Period: rec.Period, File: rec.File, SHA256: rec.SHA256,
			FirstSeq: rec.FirstSeq, LastSeq: rec.LastSeq})
		if err != nil {
			return err
		}
		if err := v.appendAudit(ctx, tx, opts.Actor, archiveRestoredKind, string(body), regs, nil); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE archives SET restored_seq = ? WHERE record_seq = ?`, v.lastSeq, base.recordSeq)
		return err
	})
	if err != nil {
		return ArchiveInfo{}, fmt.Errorf("restore archive %s: %w", path, err)
	}
	return ArchiveInfo{Period: rec.Period, File: rec.File, Path: path, SHA256: rec.SHA256, FirstSeq: rec.FirstSeq, LastSeq: rec.LastSeq,
		FirstPiece: rec.FirstPiece, LastPiece: rec.LastPiece, PieceSum: Amount(rec.ArchivedMills), Restored: true}, nil
}

// insertArchiveRows inserts the rows of the archive file at path, which must hash to sha and hold the
// counts of end.
func insertArchiveRows(ctx context.Context, tx *sql.Tx, path, sha string, end ArchiveEnd) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	whole := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, whole), 1<<16)
	var got ArchiveEnd
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) > 0 {
			if err := insertArchiveLine(ctx, tx, raw, &got); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if hex.EncodeToString(whole.Sum(nil)) != sha {
		return errors.New("the archive file changed while it was being restored")
	}
	if got.Pieces != end.Pieces || got.Signatures != end.Signatures || got.AuditEntries != end.AuditEntries {
		return errors.New("the archive file holds other rows than it verified with")
	}
	return nil
}

func insertArchiveLine(ctx context.Context, tx *sql.Tx, raw []byte, got *ArchiveEnd) error {
	var l archiveLine
	if err := json.Unmarshal(raw, &l); err != nil {
		return fmt.Errorf("an unreadable line: %w", err)
	}
	switch {
	case l.Piece != nil:
		p := l.Piece
		got.Pieces++
		_, err := tx.ExecContext(ctx, `INSERT INTO pieces(seq, amount, state, mail_class, account_code, mailing_date, actor,
			created, note) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Seq, p.AmountMills, p.State, p.MailClass, p.AccountCode,
			p.MailingDate, p.Actor, p.Created, p.Note)
		return err
	case l.Signature != nil:
		got.Signatures++
		_, err := tx.ExecContext(ctx, `INSERT INTO piece_signatures(seq, body, signature) VALUES(?, ?, ?)`,
			l.Signature.Seq, l.Signature.Body, l.Signature.Signature)
		return err
	case l.Audit != nil:
		e, err := l.Audit.entry()
		if err != nil {
			return err
		}
		got.AuditEntries++
		r := e.Registers
		_, err = tx.ExecContext(ctx, insertAuditSQL, e.Seq, e.At, e.Actor, e.Kind, e.Body, r.Available, r.Used, r.Control,
			r.Pieces, e.Touched, e.PrevHash, e.Hash)
		return err
	}
	return nil
}
