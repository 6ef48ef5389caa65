package meter

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

func TestEndBatchSummarizesByAccountAndResetsOnlyTheBatch(t *testing.T) {
	r, research := accountRig(t) // two days of pieces, one spoiled each day
	before := r.registers()
	require.Positive(t, before.BatchCount)

	sum, err := r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.NoError(t, err)
	assert.Equal(t, before.BatchCount, sum.Count)
	assert.Equal(t, before.BatchValue, sum.Value)
	var n int64
	var v funds.Amount
	for _, t := range sum.ByAccount {
		n += t.Pieces
		v, err = v.Add(t.Postage)
		require.NoError(nil, err)
	}
	assert.Equal(t, sum.Count, n, "the codes' pieces add up to the batch")
	assert.Equal(t, sum.Value, v)

	after := r.registers()
	assert.Zero(t, after.BatchCount)
	assert.Zero(t, after.BatchValue)
	assert.Equal(t, before.Pieces, after.Pieces, "the other registers never reset")
	assert.Equal(t, before.Used, after.Used)

	imps := r.engine.Impressions()
	doc := imps[len(imps)-1].Document
	require.NotNil(t, doc)
	assert.Equal(t, "Batch Summary", doc.Title)
	got, ok := doc.Value("Research")
	require.True(t, ok, "each code by its name")
	for _, t2 := range sum.ByAccount {
		if t2.AccountCode == research {
			assert.Equal(t, fmt.Sprintf("%d pieces, %s", t2.Pieces, t2.Postage.MillsString()), got)
		}
	}

	// The next batch holds only what is printed after the end.
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(research), MediumTape)
	require.NoError(t, err)
	sum, err = r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.NoError(t, err)
	assert.Equal(t, int64(1), sum.Count)
	require.Len(t, sum.ByAccount, 1)
	assert.Equal(t, research, sum.ByAccount[0].AccountCode)
	r.consistent()
}

func TestEndBatchWaitsForAReadyEngine(t *testing.T) {
	r, _ := accountRig(t)
	before := r.registers()
	r.engine.Update(func(s *EngineStatus) { s.TapeLoaded = false })
	_, err := r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.ErrorIs(t, err, ErrTapeOut)
	assert.Equal(t, before, r.registers(), "nothing ends while the summary cannot print")
}

// A model without tape: End batch on tape is refused before the batch ends, not after.
func TestEndBatchOnAModelWithoutTapeEndsNothing(t *testing.T) {
	r, _ := accountRig(t)
	before := r.registers()
	r.m.cfg.Model.Tape = false
	_, err := r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.ErrorIs(t, err, ErrNotOnModel)
	assert.Equal(t, before, r.registers(), "the batch goes on")
}

// The batch counters per code count as pieces are printed, agree with the meter's batch counters, and
// start again at End batch.
func TestBatchCountersPerAccountCode(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	sales, err := r.m.AddAccount(r.ctx, r.super, "Sales")
	require.NoError(t, err)
	for range 3 {
		_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(sales), MediumTape)
		require.NoError(t, err)
	}
	_, err = r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumTape)
	require.NoError(t, err)

	b, err := r.m.Batch(r.ctx, r.oper)
	require.NoError(t, err)
	n, v := b.Of(sales)
	assert.Equal(t, int64(3), n)
	regs := r.registers()
	one, _ := b.Of("")
	assert.Equal(t, regs.BatchCount, n+one, "the codes' counters add up to the meter's")
	all, err := v.Add(func() funds.Amount { _, x := b.Of(""); return x }())
	require.NoError(t, err)
	assert.Equal(t, regs.BatchValue, all)
	assert.Equal(t, "Sales", b.Names[sales])

	_, err = r.m.EndBatch(r.ctx, r.oper, OnTape)
	require.NoError(t, err)
	b, err = r.m.Batch(r.ctx, r.oper)
	require.NoError(t, err)
	n, _ = b.Of(sales)
	assert.Zero(t, n, "a new batch counts from zero")
}
