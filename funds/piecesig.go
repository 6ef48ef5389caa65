package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Each piece's indicium signature is kept with the piece (docs/indicia.md): the signed body and the
// meter's signature, so a reprint of the record or an audit can show what was printed and anyone with
// the meter's public key can check it. The vault signs only a piece it has debited and not yet printed
// or spoiled, so no signature exists for postage that was not paid for; one piece has one signature.

// pieceSignatureSchema is run with vaultSchema: CREATE … IF NOT EXISTS, so a vault of the same format
// made before it gains the table when it is opened.
const pieceSignatureSchema = `
CREATE TABLE IF NOT EXISTS piece_signatures(
	seq       INTEGER PRIMARY KEY REFERENCES pieces(seq),
	body      BLOB NOT NULL CHECK(length(body) > 0),
	signature BLOB NOT NULL CHECK(length(signature) = 64));
CREATE TRIGGER IF NOT EXISTS piece_signatures_keep BEFORE DELETE ON piece_signatures
	BEGIN SELECT RAISE(ABORT, 'piece signatures are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS piece_signatures_fixed BEFORE UPDATE ON piece_signatures
	BEGIN SELECT RAISE(ABORT, 'a piece signature is never changed'); END;
`

// ErrPieceNotDebited is returned when asked to sign a piece the vault has not debited and left open
// (no such piece, or already printed or spoiled), or one signed before.
var ErrPieceNotDebited = errors.New("the piece is not a debited piece awaiting its print")

// SignPiece signs the indicium body of piece seq with the meter's key and keeps body and signature with
// the piece, in one transaction; it refuses a piece that is not committed (debited, not yet printed or
// spoiled) or is already signed.
func (v *Vault) SignPiece(ctx context.Context, seq int64, body []byte) ([]byte, error) {
	sig := v.SignIndicium(body)
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM pieces WHERE seq = ?`, seq).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) || err == nil && state != PieceCommitted {
			return fmt.Errorf("%w: piece %d (%s)", ErrPieceNotDebited, seq, state)
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO piece_signatures(seq, body, signature) VALUES(?, ?, ?)
			ON CONFLICT(seq) DO NOTHING`, seq, body, sig)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(fmt.Errorf("%w: piece %d is signed already", ErrPieceNotDebited, seq), err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sign piece %d: %w", seq, err)
	}
	return sig, nil
}

// PieceSignature is the indicium body and signature kept for piece seq; ok is false for a piece without
// one (a refill receipt is no piece; pieces of a vault made before signatures were kept have none).
func (v *Vault) PieceSignature(ctx context.Context, seq int64) (body, sig []byte, ok bool, err error) {
	err = v.db.QueryRowContext(ctx, `SELECT body, signature FROM piece_signatures WHERE seq = ?`, seq).Scan(&body, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("read signature of piece %d: %w", seq, err)
	}
	return body, sig, true, nil
}

// CheckPieceSignatures checks every kept signature with the meter's public key: a body or signature
// changed in the file, or one signed by another key, is reported with its piece.
func (v *Vault) CheckPieceSignatures(ctx context.Context) error {
	pub := v.keys.Public()
	rows, err := v.db.QueryContext(ctx, `SELECT seq, body, signature FROM piece_signatures ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("check piece signatures: %w", err)
	}
	defer rows.Close()
	var bad []error
	for rows.Next() {
		var seq int64
		var body, sig []byte
		if err := rows.Scan(&seq, &body, &sig); err != nil {
			return fmt.Errorf("check piece signatures: %w", err)
		}
		if !VerifyIndicium(pub, body, sig) {
			bad = append(bad, fmt.Errorf("piece %d: its indicium signature does not check with the meter's key", seq))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check piece signatures: %w", err)
	}
	return errors.Join(bad...)
}
