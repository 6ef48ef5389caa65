package sim

import (
	"context"
	"testing"

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
