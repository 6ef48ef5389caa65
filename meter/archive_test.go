package meter

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// printPieces debits and prints n pieces on the rig's vault at its clock.
func (r *rig) printPieces(n int) {
	r.t.Helper()
	for range n {
		p, err := r.vault.Debit(r.ctx, 730, funds.PieceInfo{MailClass: "letter", MailingDate: r.clock.Now().Format(time.DateOnly), Actor: "Oscar"})
		require.NoError(r.t, err)
		require.NoError(r.t, r.vault.MarkPrinted(r.ctx, p.Seq))
	}
}

// TestArchiveOldIsASupervisorsAndEndBatchArchivesWhatIsDue: an operator cannot archive; a supervisor
// archives every month older than the keep period; the registers and the reports stay; after End batch
// the meter archives a month that became due on its own.
func TestArchiveOldIsASupervisorsAndEndBatchArchivesWhatIsDue(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	r.printPieces(30) // November 2026
	_, err := r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.NoError(t, err)
	r.later(10 * 24 * time.Hour)
	r.printPieces(20) // December

	res, err := r.m.ArchiveOld(r.ctx, r.super)
	require.NoError(t, err)
	assert.Empty(t, res.Files, "November ended less than a month ago")
	assert.Equal(t, 31, res.KeepDays)

	r.later(40 * 24 * time.Hour) // mid-January 2027: November is due, December not yet
	before := r.registers()
	_, err = r.m.ArchiveOld(r.ctx, r.oper)
	var noRights *NoRightsError
	require.True(t, errors.As(err, &noRights), "an operator may not archive: %v", err)
	assert.Equal(t, RightArchive, noRights.Right)
	assert.Contains(t, Explain(err).Text, "cannot archive old records")

	res, err = r.m.ArchiveOld(r.ctx, r.super)
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	assert.Equal(t, "2026-11", res.Files[0].Period)
	assert.GreaterOrEqual(t, res.Pieces, int64(30))
	_, err = funds.VerifyArchiveFile(res.Files[0].Path, r.vault.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, before, r.registers(), "the registers never change")
	r.consistent()

	r.later(40 * 24 * time.Hour) // late February: December is due, once its batch ends
	_, err = r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.NoError(t, err)
	list, err := r.vault.Archives(r.ctx)
	require.NoError(t, err)
	require.Len(t, list, 2, "End batch archived December on its own")
	assert.Equal(t, "2026-12", list[1].Period)
	r.consistent()
}
