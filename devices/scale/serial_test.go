package scale

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/devices/scale/scaletest"
	"postmeter/meter"
)

// emulated plugs an emulated NCI scale in and returns it with a polled driver on its line.
func emulated(t *testing.T) (*scaletest.Emulator, *Serial) {
	t.Helper()
	emu, err := scaletest.Start(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(emu.Close)
	s := NewSerial(emu.Path)
	s.Timeout = 500 * time.Millisecond
	t.Cleanup(func() { s.Close() })
	return emu, s
}

func TestSerialScaleWeighsInEveryUnit(t *testing.T) {
	emu, s := emulated(t)
	ctx := context.Background()
	for _, tt := range []struct {
		display string
		want    meter.Weight
	}{
		{"0001.25lb", 200}, {"0012.3oz", 123}, {"0000.50kg", 177}, {"0250g", 89}, {"02lb 03.5oz", 355}, {"  -0.00lb", 0},
	} {
		emu.Set(tt.display, scaletest.Status{})
		w, err := s.Weight(ctx)
		if tt.want == 0 {
			assert.ErrorIs(t, err, meter.ErrScaleEmpty, tt.display)
			continue
		}
		require.NoError(t, err, tt.display)
		assert.Equal(t, tt.want, w, tt.display)
	}
	assert.Equal(t, []string{"W", "W", "W", "W", "W", "W"}, emu.Commands())
	h := s.Health(ctx)
	assert.Equal(t, meter.DeviceReady, h.State)
	assert.Equal(t, "serial:"+emu.Path, h.Name)
	assert.Equal(t, "S", emu.Commands()[6], "health asks for the status only")
}

// Every state the scale reports reaches the clerk as the scale's error, in catalogue words.
func TestSerialScaleStatesBecomeTheClerksWords(t *testing.T) {
	emu, s := emulated(t)
	for _, tt := range []struct {
		st   scaletest.Status
		want error
		says string
	}{
		{scaletest.Status{Motion: true}, meter.ErrScaleUnreadable, "Let the piece settle"},
		{scaletest.Status{AtZero: true}, meter.ErrScaleEmpty, "Place the piece on the scale"},
		{scaletest.Status{UnderCapacity: true}, meter.ErrScaleUnderZero, "less than zero"},
		{scaletest.Status{OverCapacity: true}, meter.ErrScaleOverCapacity, "heavier than this scale"},
		{scaletest.Status{BadCalibration: true}, meter.ErrScaleNeedsZero, "needs zeroing"},
		{scaletest.Status{RAMError: true}, meter.ErrScaleFault, "reports a fault"},
	} {
		emu.Set("0001.00lb", tt.st)
		_, err := s.Weight(context.Background())
		require.ErrorIs(t, err, tt.want)
		msg := meter.Explain(err)
		assert.Equal(t, "Check the scale", msg.Title)
		assert.Contains(t, msg.Text, tt.says)
	}
}

func TestSerialScaleZero(t *testing.T) {
	emu, s := emulated(t)
	emu.Set("0000.20lb", scaletest.Status{})
	r, err := s.Zero(context.Background())
	require.NoError(t, err)
	assert.Equal(t, AtZero, r.State)
	_, err = s.Weight(context.Background())
	assert.ErrorIs(t, err, meter.ErrScaleEmpty, "zeroed")
	assert.Equal(t, []string{"Z", "W"}, emu.Commands())
}

// A scale in continuous mode is never asked: the driver reads the lines it sends.
func TestSerialScaleContinuous(t *testing.T) {
	emu, err := scaletest.Start(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(emu.Close)
	emu.Unplug()
	emu.Stream(20 * time.Millisecond)
	emu.Set("0002.00lb", scaletest.Status{})
	require.NoError(t, emu.Plug())
	s := NewSerial(emu.Path)
	s.Continuous = true
	t.Cleanup(func() { s.Close() })
	w, err := s.Weight(context.Background())
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(320), w)
	emu.Set("0000.10kg", scaletest.Status{Motion: true})
	_, err = s.Weight(context.Background())
	assert.ErrorIs(t, err, meter.ErrScaleUnreadable)
	assert.Empty(t, emu.Commands(), "nothing is sent to a streaming scale")
}

// Unplugged, the scale does not answer, and the status says so; plugged in again, it weighs without a
// restart of anything.
func TestSerialScaleUnpluggedComesBack(t *testing.T) {
	emu, s := emulated(t)
	ctx := context.Background()
	emu.Set("0001.00lb", scaletest.Status{})
	_, err := s.Weight(ctx)
	require.NoError(t, err)

	emu.Unplug()
	_, err = s.Weight(ctx)
	require.ErrorIs(t, err, meter.ErrScaleNoAnswer)
	assert.Contains(t, meter.Explain(err).Text, "does not answer")
	h := s.Health(ctx)
	assert.Equal(t, meter.DeviceMissing, h.State)
	assert.ErrorIs(t, h.Problem, meter.ErrScaleNoAnswer)

	require.NoError(t, emu.Plug())
	emu.Set("0003.00lb", scaletest.Status{})
	w, err := s.Weight(ctx)
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(480), w)
	h = s.Health(ctx)
	assert.Equal(t, meter.DeviceReady, h.State)
	assert.NoError(t, h.Problem)
	assert.ErrorIs(t, h.LastError, meter.ErrScaleNoAnswer, "the last error stays to be read")
}

// Noise on the line (a wrong baud rate or line format) is garbled, not a weight; a scale that answers
// nothing does not answer; both recover when the line does.
func TestSerialScaleGarbledLine(t *testing.T) {
	emu, s := emulated(t)
	ctx := context.Background()
	emu.Set("0001.00lb", scaletest.Status{})
	emu.Garble(true)
	_, err := s.Weight(ctx)
	require.ErrorIs(t, err, meter.ErrScaleGarbled)
	assert.Contains(t, meter.Explain(err).Text, "could not be read")
	assert.Equal(t, meter.DeviceAttention, s.Health(ctx).State)

	emu.Garble(false)
	emu.Silence(true)
	_, err = s.Weight(ctx)
	require.ErrorIs(t, err, meter.ErrScaleNoAnswer)

	emu.Silence(false)
	w, err := s.Weight(ctx)
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(160), w)
}

func TestSerialScaleRefusesWhatIsNotASerialLine(t *testing.T) {
	s := NewSerial("/dev/null")
	_, err := s.Weight(context.Background())
	require.ErrorIs(t, err, meter.ErrScaleNoAnswer)
	assert.Contains(t, err.Error(), "not a serial line")
}
