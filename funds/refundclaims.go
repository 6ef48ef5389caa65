package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Refund claims: made of ledger pieces in one transaction, moved forward one state at a time, each
// change audited (refunds.go has the tables and the ledger).

// CreateClaim makes an open claim of the pieces seqs, each on the ledger and in no live claim, with
// the reason asked on the form; the claim, its pieces and the audit entry in one transaction.
func (v *Vault) CreateClaim(ctx context.Context, seqs []int64, reason, actor string) (Claim, error) {
	if len(seqs) == 0 {
		return Claim{}, fmt.Errorf("create refund claim: %w", ErrClaimEmpty)
	}
	if strings.TrimSpace(reason) == "" {
		return Claim{}, fmt.Errorf("create refund claim: %w", ErrClaimNeedsAReason)
	}
	seqs = slices.Clone(seqs)
	slices.Sort(seqs)
	seqs = slices.Compact(seqs)
	var id int64
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		var total Amount
		for _, seq := range seqs {
			s, ok, err := spoiledPieceTx(ctx, tx, seq)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("piece %d: %w", seq, ErrPieceNotSpoiled)
			}
			if s.Claim != 0 {
				return fmt.Errorf("piece %d is in claim %d: %w", seq, s.Claim, ErrPieceClaimed)
			}
			if total, err = total.Add(s.Amount); err != nil {
				return err
			}
		}
		now := v.stamp()
		if err := tx.QueryRowContext(ctx, `INSERT INTO refund_claims(state, reason, total, created, created_by, updated,
			updated_by) VALUES('open', ?, ?, ?, ?, ?, ?) RETURNING id`, reason, total, now, actor, now, actor).Scan(&id); err != nil {
			return err
		}
		list := make([]string, len(seqs))
		for i, seq := range seqs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO refund_claim_pieces(claim, seq) VALUES(?, ?)`, id, seq); err != nil {
				return err
			}
			list[i] = strconv.FormatInt(seq, 10)
		}
		return v.auditLedger(ctx, tx, actor, "claim", fmt.Sprintf("claim %d open: pieces %s, %s: %s", id,
			strings.Join(list, ","), total.MillsString(), reason))
	})
	if err != nil {
		return Claim{}, fmt.Errorf("create refund claim: %w", err)
	}
	return v.Claim(ctx, id)
}

// SetClaimState moves claim id to state: open → submitted, submitted → refunded or refused; anything
// else is ErrClaimState. The change and its audit entry are one transaction.
func (v *Vault) SetClaimState(ctx context.Context, id int64, state, actor string) error {
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT state FROM refund_claims WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoSuchClaim
		}
		if err != nil {
			return err
		}
		if !ClaimMayMove(cur, state) {
			return fmt.Errorf("%w: it is %s, not to %s", ErrClaimState, cur, state)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refund_claims SET state = ?, updated = ?, updated_by = ? WHERE id = ?`,
			state, v.stamp(), actor, id); err != nil {
			return err
		}
		return v.auditLedger(ctx, tx, actor, "claim", fmt.Sprintf("claim %d %s", id, state))
	})
	if err != nil {
		return fmt.Errorf("refund claim %d: %w", id, err)
	}
	return nil
}

// ClaimMayMove tells whether a claim in state from may move to state to.
func ClaimMayMove(from, to string) bool {
	return from == ClaimOpen && to == ClaimSubmitted ||
		from == ClaimSubmitted && (to == ClaimRefunded || to == ClaimRefused)
}

// Claim reads claim id with its pieces.
func (v *Vault) Claim(ctx context.Context, id int64) (Claim, error) {
	var c Claim
	err := v.db.QueryRowContext(ctx, `SELECT id, state, reason, total, created, created_by, updated, updated_by
		FROM refund_claims WHERE id = ?`, id).Scan(&c.ID, &c.State, &c.Reason, &c.Total, &c.Created, &c.CreatedBy,
		&c.Updated, &c.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return Claim{}, fmt.Errorf("refund claim %d: %w", id, ErrNoSuchClaim)
	}
	if err != nil {
		return Claim{}, fmt.Errorf("read refund claim %d: %w", id, err)
	}
	rows, err := v.db.QueryContext(ctx, `SELECT p.seq, p.amount, p.state, p.mail_class, p.account_code, p.mailing_date,
		p.actor, p.created, p.note FROM refund_claim_pieces cp JOIN pieces p ON p.seq = cp.seq WHERE cp.claim = ?
		ORDER BY p.seq`, id)
	if err != nil {
		return Claim{}, fmt.Errorf("read refund claim %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Piece
		if err := rows.Scan(&p.Seq, &p.Amount, &p.State, &p.Info.MailClass, &p.Info.AccountCode, &p.Info.MailingDate,
			&p.Info.Actor, &p.Created, &p.Note); err != nil {
			return Claim{}, fmt.Errorf("read refund claim %d: %w", id, err)
		}
		c.Pieces = append(c.Pieces, p)
	}
	return c, rows.Err()
}

// Claims lists the claims newest first from offset, at most limit (-1: all), without their pieces, and
// how many there are in all.
func (v *Vault) Claims(ctx context.Context, offset, limit int) ([]Claim, int, error) {
	var total int
	if err := v.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM refund_claims`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count refund claims: %w", err)
	}
	rows, err := v.db.QueryContext(ctx, `SELECT id, state, reason, total, created, created_by, updated, updated_by
		FROM refund_claims ORDER BY id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list refund claims: %w", err)
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		var c Claim
		if err := rows.Scan(&c.ID, &c.State, &c.Reason, &c.Total, &c.Created, &c.CreatedBy, &c.Updated, &c.UpdatedBy); err != nil {
			return nil, 0, fmt.Errorf("list refund claims: %w", err)
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}
