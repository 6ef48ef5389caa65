package datacenter

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The verifier's memory (docs/indicia.md): every indicium whose signature checked is kept by meter
// serial and piece number with the digest of what was signed, so a copy of a piece is caught in a later
// run of verify-indicium as well as in the same one.

// piecesSchema (version 5) adds the pieces verify-indicium has seen. A row is never changed or deleted:
// what was first seen for a piece number is the evidence a later copy is measured against.
const piecesSchema = `
CREATE TABLE verified_piece(
  serial     TEXT NOT NULL REFERENCES meter(serial),
  piece      INTEGER NOT NULL CHECK(piece >= 1),
  digest     BLOB NOT NULL CHECK(length(digest) = 32),
  first_seen TEXT NOT NULL,
  PRIMARY KEY(serial, piece)
) STRICT;
CREATE TRIGGER verified_piece_kept BEFORE UPDATE ON verified_piece
BEGIN SELECT RAISE(ABORT, 'a verified piece is kept as first seen'); END;
CREATE TRIGGER verified_piece_not_deleted BEFORE DELETE ON verified_piece
BEGIN SELECT RAISE(ABORT, 'a verified piece is kept as first seen'); END;
`

// PieceSeen is what the memory knew of a piece before.
type PieceSeen struct {
	Before bool      // the piece number of this meter was seen before
	Same   bool      // with the same signed bytes and signature (a copy), else other data under the number
	At     time.Time // when it was first seen
}

// PieceMemory keeps the pieces verified, across runs; the SQLite store is one.
type PieceMemory interface {
	RememberPiece(ctx context.Context, serial string, piece int64, digest [sha256.Size]byte) (PieceSeen, error)
}

// PieceDigest is what the memory keeps of an indicium: the SHA-256 of its signed bytes and signature.
func PieceDigest(body, signature []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(body)
	h.Write(signature)
	var d [sha256.Size]byte
	copy(d[:], h.Sum(nil))
	return d
}

// RememberPiece keeps piece of meter serial with its digest, in one transaction, unless the piece was
// seen before: then it says when, and whether with the same digest, and keeps the first.
func (s *SQLiteStore) RememberPiece(ctx context.Context, serial string, piece int64, digest [sha256.Size]byte) (PieceSeen, error) {
	var seen PieceSeen
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var first []byte
		var at sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT digest, first_seen FROM verified_piece WHERE serial = ? AND piece = ?`,
			serial, piece).Scan(&first, &at)
		switch {
		case err == nil:
			seen.Before, seen.Same = true, string(first) == string(digest[:])
			seen.At, err = parseTime("verified_piece.first_seen", at)
			return err
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO verified_piece(serial, piece, digest, first_seen) VALUES(?, ?, ?, ?)`,
				serial, piece, digest[:], fmtTime(now))
			return err
		}
		return err
	})
	if err != nil {
		return PieceSeen{}, fmt.Errorf("remember piece %d of meter %s: %w", piece, serial, err)
	}
	return seen, nil
}

// VerifiedPieces counts the pieces kept for meter serial.
func (s *SQLiteStore) VerifiedPieces(ctx context.Context, serial string) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM verified_piece WHERE serial = ?`, serial).Scan(&n); err != nil {
		return 0, fmt.Errorf("count verified pieces: %w", err)
	}
	return n, nil
}
