package meter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkingEngine is an engine read over a connection: Status is its last report, Check asks now.
type checkingEngine struct {
	*fakeEngine
	now    EngineStatus
	checks int
}

func (e *checkingEngine) Check(context.Context) EngineStatus {
	e.checks++
	e.Update(func(s *EngineStatus) { *s = e.now })
	return e.now
}

// Before a piece is debited the core asks such an engine how it is now, not what it said last: a
// printer that ran out of envelopes since is refused at no cost, one that was refilled prints.
func TestCoreChecksAConnectedEngineBeforeTheDebit(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	e := &checkingEngine{fakeEngine: newFakeEngine(), now: EngineStatus{TapeLoaded: true, Ink: InkOK}}
	r.m.cfg.Engine = e
	before := r.registers()
	_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.ErrorIs(t, err, ErrNoEnvelope)
	assert.Equal(t, before, r.registers(), "nothing debited")
	assert.Equal(t, 1, e.checks)

	e.now = EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Ink: InkOK}
	e.fakeEngine.Update(func(s *EngineStatus) { s.EnvelopeOnFeedDeck = false }) // its last report is stale
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.NoError(t, err)
	assert.Len(t, e.Impressions(), 1)

	e.now = EngineStatus{EnvelopeOnFeedDeck: true, TapeLoaded: true, Offline: true}
	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.ErrorIs(t, err, ErrEngineOffline)
	assert.Contains(t, Explain(err).Text, "does not answer")
	hs := r.m.Devices(r.ctx)
	require.Len(t, hs, 2, "engine and attached printer; the rig has no scale")
	assert.Equal(t, "print engine", hs[0].Device)
	assert.Equal(t, DeviceMissing, hs[0].State)
	assert.Equal(t, "Print engine: no answer", hs[0].BarText())
	assert.Equal(t, DeviceReady, hs[1].State)
}
