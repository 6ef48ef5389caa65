package funds

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ledgerVault has three pieces: 1 spoiled by a jam, 2 printed, 3 printed.
func ledgerVault(t *testing.T) *Vault {
	t.Helper()
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 100*Dollar)
	for i, amount := range []Amount{730, 1_460, 2_190} {
		p, err := v.Debit(ctx, amount, PieceInfo{MailClass: "First-Class letter", MailingDate: "2026-11-25", Actor: "ann"})
		require.NoError(t, err)
		if i == 0 {
			require.NoError(t, v.MarkSpoiled(ctx, p.Seq, "jam", "ann"))
		} else {
			require.NoError(t, v.MarkPrinted(ctx, p.Seq))
		}
	}
	return v
}

func TestMarkMisprintedKeepsThePiecePrinted(t *testing.T) {
	ctx := context.Background()
	v := ledgerVault(t)
	before, err := v.Registers(ctx)
	require.NoError(t, err)

	require.NoError(t, v.MarkMisprinted(ctx, 2, "Smudged indicium", "ann"))

	p, err := v.PieceBySeq(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, PiecePrinted, p.State, "the piece row keeps its history: it was printed")
	s, ok, err := v.SpoiledPiece(ctx, 2)
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, s.Misprinted)
	assert.Equal(t, "Smudged indicium", s.Reason)
	assert.Equal(t, "ann", s.MarkedBy)
	after, err := v.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a mark moves no money")

	// Once only, printed pieces only.
	require.ErrorIs(t, v.MarkMisprinted(ctx, 2, "again", "ann"), ErrPieceNotPrinted)
	require.ErrorIs(t, v.MarkMisprinted(ctx, 1, "a spoiled piece", "ann"), ErrPieceNotPrinted)
	require.ErrorIs(t, v.MarkMisprinted(ctx, 99, "no such piece", "ann"), ErrNoSuchPiece)
	require.ErrorIs(t, v.MarkMisprinted(ctx, 3, " ", "ann"), ErrClaimNeedsAReason)

	list, total, err := v.SpoiledPieces(ctx, 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	require.Len(t, list, 2)
	assert.Equal(t, []int64{2, 1}, []int64{list[0].Seq, list[1].Seq}, "newest first")
	assert.Equal(t, "jam", list[1].Reason)

	entry := lastAudit(t, v)
	assert.Equal(t, "misprint", entry.Kind)
	assert.Equal(t, "piece 2: Smudged indicium", entry.Body)
	require.NoError(t, v.Verify(ctx))
}

func lastAudit(t *testing.T, v *Vault) AuditEntry {
	t.Helper()
	seq, _, err := v.AuditHead(context.Background())
	require.NoError(t, err)
	entries, err := v.AuditLog(context.Background(), seq, 1)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	return entries[0]
}

func TestClaimOneAtATimeAndStateMachine(t *testing.T) {
	ctx := context.Background()
	v := ledgerVault(t)
	require.NoError(t, v.MarkMisprinted(ctx, 2, "Smudged", "ann"))

	_, err := v.CreateClaim(ctx, []int64{3}, "Misprint", "ann")
	require.ErrorIs(t, err, ErrPieceNotSpoiled, "a printed piece never marked is good postage")
	_, err = v.CreateClaim(ctx, nil, "Misprint", "ann")
	require.ErrorIs(t, err, ErrClaimEmpty)

	c, err := v.CreateClaim(ctx, []int64{2, 1, 2}, "Jammed and smudged", "ann")
	require.NoError(t, err)
	assert.Equal(t, ClaimOpen, c.State)
	assert.Equal(t, Amount(730+1_460), c.Total)
	require.Len(t, c.Pieces, 2)
	assert.Equal(t, "claim 1 open: pieces 1,2, $2.190: Jammed and smudged", lastAudit(t, v).Body)

	_, err = v.CreateClaim(ctx, []int64{1}, "Again", "ann")
	require.ErrorIs(t, err, ErrPieceClaimed, "a piece is in one claim")
	unclaimed, err := v.UnclaimedSpoiled(ctx)
	require.NoError(t, err)
	assert.Empty(t, unclaimed)

	// Only forward, one step at a time.
	for _, bad := range []string{ClaimRefunded, ClaimRefused, ClaimOpen, "lost"} {
		require.ErrorIs(t, v.SetClaimState(ctx, c.ID, bad, "sue"), ErrClaimState, bad)
	}
	require.NoError(t, v.SetClaimState(ctx, c.ID, ClaimSubmitted, "sue"))
	require.ErrorIs(t, v.SetClaimState(ctx, c.ID, ClaimSubmitted, "sue"), ErrClaimState)
	require.NoError(t, v.SetClaimState(ctx, c.ID, ClaimRefused, "sue"))
	require.ErrorIs(t, v.SetClaimState(ctx, c.ID, ClaimRefunded, "sue"), ErrClaimState, "refused is final")
	require.ErrorIs(t, v.SetClaimState(ctx, 42, ClaimSubmitted, "sue"), ErrNoSuchClaim)
	assert.Equal(t, "claim 1 refused", lastAudit(t, v).Body)

	// A refused claim's pieces go back on the list and may be claimed again.
	unclaimed, err = v.UnclaimedSpoiled(ctx)
	require.NoError(t, err)
	assert.Len(t, unclaimed, 2)
	c2, err := v.CreateClaim(ctx, []int64{1}, "Jammed", "ann")
	require.NoError(t, err)
	s, _, err := v.SpoiledPiece(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, c2.ID, s.Claim)
	assert.Equal(t, ClaimOpen, s.ClaimState)
	old, err := v.Claim(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, ClaimRefused, old.State, "the refused claim stays as it was")
	assert.Equal(t, "sue", old.UpdatedBy)

	claims, total, err := v.Claims(ctx, 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	assert.Equal(t, c2.ID, claims[0].ID, "newest first")
	require.NoError(t, v.Verify(ctx))
}

// The triggers refuse what the code never does: a second live claim of a piece, a claim moved back, a
// mark or claimed piece deleted.
func TestLedgerTriggersGuardTheRows(t *testing.T) {
	ctx := context.Background()
	v := ledgerVault(t)
	c, err := v.CreateClaim(ctx, []int64{1}, "Jammed", "ann")
	require.NoError(t, err)
	require.NoError(t, v.MarkMisprinted(ctx, 2, "Smudged", "ann"))
	for _, stmt := range []string{
		`INSERT INTO refund_claim_pieces(claim, seq) VALUES(1, 1)`,
		`INSERT INTO refund_claims(id, state, reason, total, created, created_by, updated, updated_by)
			VALUES(7, 'open', 'x', 1, '', '', '', ''); INSERT INTO refund_claim_pieces(claim, seq) VALUES(7, 1)`,
		`UPDATE refund_claims SET state = 'refunded' WHERE id = 1`,
		`UPDATE refund_claims SET total = 1 WHERE id = 1`,
		`DELETE FROM refund_claim_pieces`,
		`DELETE FROM refund_claims`,
		`DELETE FROM piece_misprints`,
		`UPDATE piece_misprints SET reason = 'other'`,
	} {
		_, err := v.db.ExecContext(ctx, stmt)
		require.Error(t, err, stmt)
	}
	got, err := v.Claim(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, ClaimOpen, got.State)
	assert.Len(t, got.Pieces, 1)
	assert.False(t, errors.Is(err, ErrNoSuchClaim))
}

// The full verification replays the ledger's entries: a mark or claim changed, added or removed behind
// the vault's back (its triggers dropped first) is found.
func TestVerifyFindsLedgerRowsChangedOutsideTheVault(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, sql string }{
		{"reason changed", `UPDATE piece_misprints SET reason = 'Other'`},
		{"mark removed", `DELETE FROM piece_misprints`},
		{"mark added", `INSERT INTO piece_misprints(seq, reason, actor, at) VALUES(3, 'x', 'ann', '')`},
		{"claim moved", `UPDATE refund_claims SET state = 'refunded'`},
		{"claim total", `UPDATE refund_claims SET total = total + 1000`},
		{"piece added to a claim", `INSERT INTO refund_claim_pieces(claim, seq) VALUES(1, 3)`},
		{"claim removed", `DELETE FROM refund_claim_pieces; DELETE FROM refund_claims`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := ledgerVault(t)
			require.NoError(t, v.MarkMisprinted(ctx, 2, "Smudged", "ann"))
			_, err := v.CreateClaim(ctx, []int64{1, 2}, "Jammed", "ann")
			require.NoError(t, err)
			require.NoError(t, v.Verify(ctx))
			_, err = v.db.ExecContext(ctx, `DROP TRIGGER piece_misprints_keep; DROP TRIGGER piece_misprints_fixed;
				DROP TRIGGER refund_claims_keep; DROP TRIGGER refund_claims_forward; DROP TRIGGER refund_claim_pieces_keep;
				DROP TRIGGER refund_claim_pieces_once;`+tc.sql)
			require.NoError(t, err)
			var verr *VerifyError
			require.ErrorAs(t, v.Verify(ctx), &verr)
			assert.Contains(t, verr.Error(), "refund ledger")
		})
	}
}
