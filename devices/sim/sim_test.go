package sim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
)

// Each simulated device can be unplugged by the trainer, and then fails and reports as its real driver
// does; plugged in again, it works.
func TestTrainerUnplugsEachDevice(t *testing.T) {
	ctx := context.Background()
	e := NewEngine(nil)
	assert.Equal(t, meter.DeviceReady, e.Health(ctx).State)
	e.Update(func(s *meter.EngineStatus) { s.Offline = true })
	assert.ErrorIs(t, meter.EngineReady(e.Status(), meter.MediumEnvelope), meter.ErrEngineOffline)
	assert.ErrorIs(t, e.PrintDocument(ctx, meter.Document{Title: "Funds Report"}, meter.MediumTape), meter.ErrEngineOffline)
	h := e.Health(ctx)
	assert.Equal(t, meter.DeviceMissing, h.State)
	assert.ErrorIs(t, h.LastError, meter.ErrEngineOffline)
	e.Update(func(s *meter.EngineStatus) { s.Offline = false })
	require.NoError(t, e.PrintDocument(ctx, meter.Document{Title: "Funds Report"}, meter.MediumTape))
	assert.Equal(t, meter.DeviceReady, e.Health(ctx).State)

	p := NewPrinter("Office printer")
	p.SetUnplugged(true)
	assert.ErrorIs(t, p.PrintDocument(ctx, meter.Document{Title: "Funds Report"}), meter.ErrPrinterUnreachable)
	assert.Equal(t, meter.DeviceMissing, p.Health(ctx).State)
	p.SetUnplugged(false)
	require.NoError(t, p.PrintDocument(ctx, meter.Document{Title: "Funds Report"}))
	assert.Len(t, p.Impressions(), 1)

	s := NewScale()
	s.Set(13, true)
	s.SetUnplugged(true)
	_, err := s.Weight(ctx)
	assert.ErrorIs(t, err, meter.ErrScaleNoAnswer)
	assert.Equal(t, "Scale: no answer", s.Health(ctx).BarText())
	s.SetUnplugged(false)
	w, err := s.Weight(ctx)
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(13), w)
	assert.Empty(t, s.Health(ctx).BarText())
}

// The engine prints postage at its PieceTime (the model's rated speed), in real time, and stops waiting
// when the print is cancelled.
func TestEnginePrintsAtItsSpeed(t *testing.T) {
	ctx := context.Background()
	e := NewEngine(nil)
	e.PieceTime = 25 * time.Millisecond
	start := time.Now()
	for range 4 {
		require.NoError(t, e.PrintIndicium(ctx, meter.Indicium{}, meter.MediumEnvelope))
	}
	assert.GreaterOrEqual(t, time.Since(start), 4*e.PieceTime, "four pieces take four piece times")
	assert.Len(t, e.Impressions(), 4)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, e.PrintIndicium(cancelled, meter.Indicium{}, meter.MediumEnvelope), context.Canceled)
	assert.Len(t, e.Impressions(), 4, "a cancelled piece is not printed")
}
