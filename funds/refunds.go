package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// The refund ledger's rows (docs/refunds.md): the clerk's marks of printed pieces that came out
// misprinted, and the refund claims that group spoiled pieces for PS Form 3533. A mark never changes the
// piece row: a printed piece stays printed (it must never pass for one the engine did not print), and
// the mark is a row of its own beside it. Claims move open → submitted → refunded | refused; a piece is
// in one claim at a time, and back on the list when its claim is refused. Every change is one
// transaction with its audit entry; none moves money (the refund comes from the post office, not the
// meter). The tables are append-only or move forward only, enforced by triggers as the pieces are.

// refundSchema is run with vaultSchema: CREATE … IF NOT EXISTS, so a vault of format 3 made before it
// gains the tables when it is opened.
const refundSchema = `
CREATE TABLE IF NOT EXISTS piece_misprints(
	seq    INTEGER PRIMARY KEY REFERENCES pieces(seq),
	reason TEXT NOT NULL CHECK(length(reason) > 0),
	actor  TEXT NOT NULL,
	at     TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS piece_misprints_keep BEFORE DELETE ON piece_misprints
	BEGIN SELECT RAISE(ABORT, 'misprint marks are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS piece_misprints_fixed BEFORE UPDATE ON piece_misprints
	BEGIN SELECT RAISE(ABORT, 'a misprint mark is never changed'); END;
CREATE TABLE IF NOT EXISTS refund_claims(
	id         INTEGER PRIMARY KEY,
	state      TEXT NOT NULL CHECK(state IN ('open', 'submitted', 'refunded', 'refused')),
	reason     TEXT NOT NULL CHECK(length(reason) > 0),
	total      INTEGER NOT NULL CHECK(total > 0),
	created    TEXT NOT NULL,
	created_by TEXT NOT NULL,
	updated    TEXT NOT NULL,
	updated_by TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS refund_claims_keep BEFORE DELETE ON refund_claims
	BEGIN SELECT RAISE(ABORT, 'refund claims are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS refund_claims_forward BEFORE UPDATE ON refund_claims
	WHEN NOT ((OLD.state = 'open' AND NEW.state = 'submitted')
		OR (OLD.state = 'submitted' AND NEW.state IN ('refunded', 'refused')))
		OR NEW.id != OLD.id OR NEW.total != OLD.total OR NEW.reason != OLD.reason OR NEW.created != OLD.created
	BEGIN SELECT RAISE(ABORT, 'a refund claim only moves forward'); END;
CREATE TABLE IF NOT EXISTS refund_claim_pieces(
	claim INTEGER NOT NULL REFERENCES refund_claims(id),
	seq   INTEGER NOT NULL REFERENCES pieces(seq),
	PRIMARY KEY(claim, seq));
CREATE INDEX IF NOT EXISTS refund_claim_pieces_seq ON refund_claim_pieces(seq);
CREATE INDEX IF NOT EXISTS pieces_spoiled ON pieces(seq) WHERE state = 'spoiled';
CREATE TRIGGER IF NOT EXISTS refund_claim_pieces_keep BEFORE DELETE ON refund_claim_pieces
	BEGIN SELECT RAISE(ABORT, 'claimed pieces are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS refund_claim_pieces_fixed BEFORE UPDATE ON refund_claim_pieces
	BEGIN SELECT RAISE(ABORT, 'a claimed piece is never changed'); END;
CREATE TRIGGER IF NOT EXISTS refund_claim_pieces_once BEFORE INSERT ON refund_claim_pieces
	WHEN EXISTS(SELECT 1 FROM refund_claim_pieces cp JOIN refund_claims c ON c.id = cp.claim
		WHERE cp.seq = NEW.seq AND c.state != 'refused')
	BEGIN SELECT RAISE(ABORT, 'a piece is in one refund claim at a time'); END;
`

// Claim states.
const (
	ClaimOpen      = "open"      // made, the form printed, not yet handed in
	ClaimSubmitted = "submitted" // handed in at the post office with the pieces
	ClaimRefunded  = "refunded"  // the post office paid
	ClaimRefused   = "refused"   // the post office refused; its pieces may be claimed again
)

// Refund ledger errors; the meter turns them into the clerk's words.
var (
	ErrNoSuchPiece       = errors.New("no such piece")
	ErrPieceNotPrinted   = errors.New("only a printed piece can be marked misprinted")
	ErrPieceNotSpoiled   = errors.New("the piece is not spoiled")
	ErrPieceClaimed      = errors.New("the piece is in another refund claim")
	ErrNoSuchClaim       = errors.New("no such refund claim")
	ErrClaimState        = errors.New("a refund claim moves open → submitted → refunded or refused")
	ErrClaimEmpty        = errors.New("a refund claim needs at least one piece")
	ErrClaimNeedsAReason = errors.New("a refund claim needs a reason")
)

// SpoiledPiece is one line of the refund ledger: a piece debited and not usable as postage, why, and the
// claim it is in now.
type SpoiledPiece struct {
	Piece
	Misprinted bool   // a printed piece the clerk marked misprinted (Piece.State stays "printed")
	Reason     string // the spoil note, or the clerk's reason for a misprint
	MarkedBy   string // who marked it misprinted ("" for a spoiled piece)
	MarkedAt   string
	Claim      int64  // the claim it is in now, 0 when unclaimed (never claimed, or its claim was refused)
	ClaimState string // that claim's state
}

// Claim is a refund claim and its pieces.
type Claim struct {
	ID        int64
	State     string
	Reason    string
	Total     Amount
	Created   string
	CreatedBy string
	Updated   string
	UpdatedBy string
	Pieces    []Piece // by seq
}

// ledgerCTE is the ledger's pieces: the spoiled ones (found by a partial index, so the ledger is read
// without a scan of every piece the meter printed) and those marked misprinted.
const ledgerCTE = `WITH ledger(seq, misprinted, reason, actor, at) AS (
	SELECT seq, 0, '', '', '' FROM pieces WHERE state = 'spoiled'
	UNION ALL SELECT seq, 1, reason, actor, at FROM piece_misprints) `

// spoiledSelect lists the ledger with the claim each piece is in now (the newest claim that was not
// refused).
const spoiledSelect = ledgerCTE + `SELECT p.seq, p.amount, p.state, p.mail_class, p.account_code, p.mailing_date,
	p.actor, p.created, p.note, l.misprinted, l.reason, l.actor, l.at, COALESCE(c.id, 0), COALESCE(c.state, '')
	FROM ledger l JOIN pieces p ON p.seq = l.seq
	LEFT JOIN refund_claims c ON c.id = (SELECT MAX(cp.claim) FROM refund_claim_pieces cp
		JOIN refund_claims cc ON cc.id = cp.claim WHERE cp.seq = p.seq AND cc.state != 'refused')
	WHERE 1 = 1`

func scanSpoiled(rows interface{ Scan(...any) error }) (SpoiledPiece, error) {
	var s SpoiledPiece
	err := rows.Scan(&s.Seq, &s.Amount, &s.State, &s.Info.MailClass, &s.Info.AccountCode, &s.Info.MailingDate,
		&s.Info.Actor, &s.Created, &s.Note, &s.Misprinted, &s.Reason, &s.MarkedBy, &s.MarkedAt, &s.Claim, &s.ClaimState)
	if !s.Misprinted {
		s.Reason = s.Note
	}
	return s, err
}

// SpoiledPieces lists the refund ledger newest first from offset, at most limit (-1: all), and how
// many lines it has in all.
func (v *Vault) SpoiledPieces(ctx context.Context, offset, limit int) ([]SpoiledPiece, int, error) {
	var total int
	if err := v.db.QueryRowContext(ctx, ledgerCTE+`SELECT COUNT(*) FROM ledger`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count spoiled pieces: %w", err)
	}
	rows, err := v.db.QueryContext(ctx, spoiledSelect+` ORDER BY p.seq DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list spoiled pieces: %w", err)
	}
	defer rows.Close()
	var out []SpoiledPiece
	for rows.Next() {
		s, err := scanSpoiled(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list spoiled pieces: %w", err)
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// UnclaimedSpoiled lists every ledger line in no live claim, oldest first: what the Home warning and a
// new claim look at. The list stays short (a refused or refunded claim takes its pieces off it, and
// pieces past their deadline are the meter's to skip).
func (v *Vault) UnclaimedSpoiled(ctx context.Context) ([]SpoiledPiece, error) {
	rows, err := v.db.QueryContext(ctx, spoiledSelect+` ORDER BY p.seq`)
	if err != nil {
		return nil, fmt.Errorf("list unclaimed spoiled pieces: %w", err)
	}
	defer rows.Close()
	var out []SpoiledPiece
	for rows.Next() {
		s, err := scanSpoiled(rows)
		if err != nil {
			return nil, fmt.Errorf("list unclaimed spoiled pieces: %w", err)
		}
		if s.Claim == 0 {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// SpoiledPiece reads one ledger line; ok is false when seq is not on the ledger (no such piece, or a
// printed piece never marked).
func (v *Vault) SpoiledPiece(ctx context.Context, seq int64) (SpoiledPiece, bool, error) {
	return spoiledPieceTx(ctx, v.db, seq)
}

func spoiledPieceTx(ctx context.Context, q queryer, seq int64) (SpoiledPiece, bool, error) {
	s, err := scanSpoiled(q.QueryRowContext(ctx, spoiledSelect+` AND p.seq = ?`, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return SpoiledPiece{}, false, nil
	}
	if err != nil {
		return SpoiledPiece{}, false, fmt.Errorf("read spoiled piece %d: %w", seq, err)
	}
	return s, true, nil
}

// PieceBySeq reads one piece row.
func (v *Vault) PieceBySeq(ctx context.Context, seq int64) (Piece, error) {
	var p Piece
	err := scanPiece(v.db.QueryRowContext(ctx, selectPieceSQL+` WHERE seq = ?`, seq), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return Piece{}, fmt.Errorf("piece %d: %w", seq, ErrNoSuchPiece)
	}
	if err != nil {
		return Piece{}, fmt.Errorf("read piece %d: %w", seq, err)
	}
	return p, nil
}

// MarkMisprinted records the clerk's mark that printed piece seq came out unusable (smudged, wrong
// date, postage on the wrong side): a row of its own and its audit entry in one transaction. The piece
// row stays printed. Marking the same piece again is refused, as is a piece not printed: a spoiled
// piece is on the ledger already, a committed one is still being printed.
func (v *Vault) MarkMisprinted(ctx context.Context, seq int64, reason, actor string) error {
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("mark piece %d misprinted: %w", seq, ErrClaimNeedsAReason)
	}
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		var state string
		var marked bool
		err := tx.QueryRowContext(ctx, `SELECT state, EXISTS(SELECT 1 FROM piece_misprints WHERE seq = ?)
			FROM pieces WHERE seq = ?`, seq, seq).Scan(&state, &marked)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoSuchPiece
		}
		if err != nil {
			return err
		}
		if state != PiecePrinted || marked {
			return fmt.Errorf("%w (it is %s)", ErrPieceNotPrinted, map[bool]string{true: "marked already", false: state}[marked])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO piece_misprints(seq, reason, actor, at) VALUES(?, ?, ?, ?)`,
			seq, reason, actor, v.stamp()); err != nil {
			return err
		}
		return v.auditLedger(ctx, tx, actor, "misprint", fmt.Sprintf("piece %d: %s", seq, reason))
	})
	if err != nil {
		return fmt.Errorf("mark piece %d misprinted: %w", seq, err)
	}
	return nil
}

// auditLedger appends the audit entry of a ledger change. It touches no register, piece, refill or
// setting row, so the entry lists none: what changed is in its body, under the chain's MAC.
func (v *Vault) auditLedger(ctx context.Context, tx *sql.Tx, actor, kind, body string) error {
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return err
	}
	return v.appendAudit(ctx, tx, actor, kind, body, regs, nil)
}

// PrintedUnmarked lists printed pieces dated from (YYYY-MM-DD) or later and not marked misprinted,
// newest first from offset, at most limit, and how many there are: the pieces a clerk may still mark.
func (v *Vault) PrintedUnmarked(ctx context.Context, from string, offset, limit int) ([]Piece, int, error) {
	const where = ` FROM pieces p WHERE p.state = 'printed' AND p.mailing_date >= ?
		AND NOT EXISTS(SELECT 1 FROM piece_misprints m WHERE m.seq = p.seq)`
	var total int
	if err := v.db.QueryRowContext(ctx, `SELECT COUNT(*)`+where, from).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count printed pieces: %w", err)
	}
	rows, err := v.db.QueryContext(ctx, `SELECT p.seq, p.amount, p.state, p.mail_class, p.account_code, p.mailing_date,
		p.actor, p.created, p.note`+where+` ORDER BY p.seq DESC LIMIT ? OFFSET ?`, from, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list printed pieces: %w", err)
	}
	defer rows.Close()
	var out []Piece
	for rows.Next() {
		var p Piece
		if err := rows.Scan(&p.Seq, &p.Amount, &p.State, &p.Info.MailClass, &p.Info.AccountCode, &p.Info.MailingDate,
			&p.Info.Actor, &p.Created, &p.Note); err != nil {
			return nil, 0, fmt.Errorf("list printed pieces: %w", err)
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}
