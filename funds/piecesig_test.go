package funds

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vault signs a debited piece once and keeps body and signature with it; it refuses to sign a piece
// it has not debited, one already printed or spoiled, or one signed before. The signature checks with
// the meter's public key, a body changed in the file does not, and the kept rows survive a reopen.
func TestSignPieceKeepsTheSignature(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	fill(t, v, 100*Dollar)
	p, err := v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)

	_, err = v.SignPiece(ctx, 99, []byte("no such piece"))
	assert.ErrorIs(t, err, ErrPieceNotDebited)
	sig, err := v.SignPiece(ctx, p.Seq, []byte("piece 1 body"))
	require.NoError(t, err)
	assert.True(t, VerifyIndicium(v.keys.Public(), []byte("piece 1 body"), sig))
	_, err = v.SignPiece(ctx, p.Seq, []byte("piece 1 again"))
	assert.ErrorIs(t, err, ErrPieceNotDebited, "one piece, one signature")
	require.NoError(t, v.MarkPrinted(ctx, p.Seq))

	p2, err := v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.MarkSpoiled(ctx, p2.Seq, "jam", "ann"))
	_, err = v.SignPiece(ctx, p2.Seq, []byte("spoiled"))
	assert.ErrorIs(t, err, ErrPieceNotDebited, "a spoiled piece is never signed")

	body, got, ok, err := v.PieceSignature(ctx, p.Seq)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []byte("piece 1 body"), body)
	assert.Equal(t, sig, got)
	_, _, ok, err = v.PieceSignature(ctx, p2.Seq)
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, v.CheckPieceSignatures(ctx))
	require.NoError(t, v.Verify(ctx))

	// The rows cannot be changed or deleted through SQL; one that a writer changes after dropping the
	// guard no longer checks.
	raw, err := sql.Open("sqlite", DurableDSN(path))
	require.NoError(t, err)
	defer raw.Close()
	_, err = raw.ExecContext(ctx, `UPDATE piece_signatures SET body = x'00' WHERE seq = 1`)
	assert.Error(t, err)
	_, err = raw.ExecContext(ctx, `DELETE FROM piece_signatures WHERE seq = 1`)
	assert.Error(t, err)
	_, err = raw.ExecContext(ctx, `DROP TRIGGER piece_signatures_fixed; UPDATE piece_signatures SET body = x'00' WHERE seq = 1`)
	require.NoError(t, err)
	assert.ErrorContains(t, v.CheckPieceSignatures(ctx), "piece 1")

	// Reopened, the vault puts the guard back and keeps the rows.
	require.NoError(t, v.Close())
	v2, err := OpenVault(ctx, path, testVaultOptions(t, path))
	require.NoError(t, err)
	defer v2.Close()
	_, _, ok, err = v2.PieceSignature(ctx, p.Seq)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = raw.ExecContext(ctx, `UPDATE piece_signatures SET body = x'01' WHERE seq = 1`)
	assert.Error(t, err, "the trigger is back")
}

// A vault of this format made before signatures were kept has no piece_signatures table: opening it
// adds the table, and its pieces simply have none.
func TestVaultWithoutSignatureTableGainsIt(t *testing.T) {
	ctx := context.Background()
	v, path := openTestVault(t)
	fill(t, v, 10*Dollar)
	p, err := v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.Close())
	raw, err := sql.Open("sqlite", DurableDSN(path))
	require.NoError(t, err)
	_, err = raw.ExecContext(ctx, `DROP TRIGGER piece_signatures_keep; DROP TRIGGER piece_signatures_fixed; DROP TABLE piece_signatures`)
	require.NoError(t, err)
	require.NoError(t, raw.Close())

	v2, err := OpenVault(ctx, path, testVaultOptions(t, path))
	require.NoError(t, err)
	defer v2.Close()
	_, _, ok, err := v2.PieceSignature(ctx, p.Seq)
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = v2.SignPiece(ctx, p.Seq, []byte("body"))
	require.NoError(t, err, "its open piece can be signed now")
}
