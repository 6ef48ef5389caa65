package meter

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stackScale is a scale whose reading a test sets: a stack of mail taken off piece by piece.
type stackScale struct {
	mu sync.Mutex
	w  Weight
}

func (s *stackScale) Weight(context.Context) (Weight, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w, nil
}

func (s *stackScale) set(w Weight) { s.mu.Lock(); s.w = w; s.mu.Unlock() }

// rigModel puts the rig's meter on the named model, with a scale attached.
func rigModel(t *testing.T, r *rig, name string) *stackScale {
	t.Helper()
	mo, err := ModelByName(loadModels(t), name)
	require.NoError(t, err)
	sc := &stackScale{}
	r.m.cfg.Model, r.m.cfg.Scale = mo, sc
	return sc
}

// Run Mail's weighing methods are the model's: a Connect+ 500W weighs on the scale or keyed in only;
// a P3000 adds weigh-on-the-way and differential weighing. The core refuses a method the model lacks
// before anything is debited, whatever a screen offered.
func TestWeighingMethodsFollowTheModel(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	rigModel(t, r, "Connect+ 500W")
	assert.Equal(t, []WeighingMethod{WeighKeyed, WeighScale}, r.m.WeighingMethods())
	before := r.registers()
	for _, w := range []WeighingMethod{WeighOnTheWay, WeighDifferential, "teleport"} {
		_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: Ounce, Weighing: w}, MediumEnvelope)
		var notOn *NotOnModelError
		require.ErrorAs(t, err, &notOn, w)
		assert.ErrorIs(t, err, ErrNotOnModel)
		assert.Equal(t, MsgNotOnModelWeigh, Explain(err).ID, w)
	}
	assert.Equal(t, "The Connect+ 500W does not offer differential weighing. Weigh on the scale or key in the weight.",
		Explain(r.m.checkWeighing(WeighDifferential)).Text)
	_, err := r.m.StartDifferential(r.ctx)
	assert.ErrorIs(t, err, ErrNotOnModel)
	assert.Equal(t, before, r.registers(), "nothing debited")

	r.m.cfg.Scale = nil
	assert.Equal(t, []WeighingMethod{WeighKeyed}, r.m.WeighingMethods(), "no scale attached: keyed in only")

	rigModel(t, r, "P3000")
	assert.Equal(t, []WeighingMethod{WeighKeyed, WeighScale, WeighOnTheWay, WeighDifferential}, r.m.WeighingMethods())
}

// Weigh-on-the-way rates each piece at what the scale reads as it passes; differential weighing at what
// the stack lost since the last piece.
func TestWeighOnTheWayAndDifferentialRateEachPiece(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	sc := rigModel(t, r, "P3000")
	table, err := RateTableFor(r.m.RateTables(), r.clock.Now())
	require.NoError(t, err)
	price := func(w Weight) int64 {
		p, err := table.Postage(ClassLetter, w)
		require.NoError(t, err)
		return int64(p)
	}

	sc.set(25) // 2.5 oz in the feeder
	res, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: Ounce, Weighing: WeighOnTheWay}, MediumEnvelope)
	require.NoError(t, err)
	assert.Equal(t, Weight(25), res.Weight, "W-O-W: the job's 1 oz is not used")
	assert.Equal(t, price(25), int64(res.Piece.Amount))

	sc.set(100) // a stack of 10 oz
	stack, err := r.m.StartDifferential(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, Weight(100), stack)
	for _, x := range []struct{ left, piece Weight }{{90, 10}, {60, 30}} {
		sc.set(x.left)
		res, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weighing: WeighDifferential}, MediumEnvelope)
		require.NoError(t, err)
		assert.Equal(t, x.piece, res.Weight)
		assert.Equal(t, price(x.piece), int64(res.Piece.Amount))
	}
	before := r.registers()
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weighing: WeighDifferential}, MediumEnvelope)
	assert.ErrorIs(t, err, ErrTakeOnePiece, "nothing taken off the scale")
	assert.Equal(t, MsgTakeOnePiece, Explain(err).ID)
	assert.Equal(t, before, r.registers(), "nothing debited")
	r.consistent()
}

// A model without tape: the core refuses tape for postage and for documents, and Run Mail is told so
// (HasTape); the number of account codes is the model's.
func TestTapeAndAccountCodesFollowTheModel(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	assert.True(t, r.m.HasTape())
	r.m.cfg.Model.Tape = false
	r.m.cfg.Model.Accounts = 2
	assert.False(t, r.m.HasTape())
	before := r.registers()
	_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: Ounce}, MediumTape)
	require.ErrorIs(t, err, ErrNotOnModel)
	assert.Equal(t, "The SendPro P1000 has no tape. Print on an envelope instead.", Explain(err).Text)
	assert.Equal(t, before, r.registers(), "nothing debited")
	assert.ErrorIs(t, r.m.PrintFundsReport(r.ctx, r.super, OnTape), ErrNotOnModel)
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: Ounce}, MediumEnvelope)
	require.NoError(t, err, "envelopes still print")

	require.NoError(t, r.m.SetAccountCodes(r.ctx, r.super, []string{"Sales", "Legal"}))
	err = r.m.SetAccountCodes(r.ctx, r.super, []string{"Sales", "Legal", "Marketing"})
	require.ErrorIs(t, err, ErrTooManyAccounts)
	assert.Equal(t, "This meter holds at most 2 account codes. Rename a code no one uses any more instead of adding one.", Explain(err).Text)
	codes, err := r.m.AccountCodes(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"Sales", "Legal"}, codes, "the longer list was not kept")
}

// The print engine's time per piece is the model's rated speed.
func TestPieceTimeFromSpeed(t *testing.T) {
	for name, want := range map[string]time.Duration{"Connect+ 500W": 500 * time.Millisecond, "P3000": 200 * time.Millisecond} {
		mo, err := ModelByName(loadModels(t), name)
		require.NoError(t, err)
		assert.Equal(t, want, mo.PieceTime(), name)
	}
}

// The model decides what the meter does, so a meter without a model profile does not open.
func TestOpenNeedsAModel(t *testing.T) {
	r := newRig(t)
	cfg := r.m.cfg
	cfg.Model = Model{}
	_, err := Open(r.ctx, cfg)
	assert.ErrorContains(t, err, "no model profile")
}
