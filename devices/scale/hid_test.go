package scale

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
)

// Reports as a DYMO M10/M25 sends them (report ID 3, status, unit, exponent, weight LSB, MSB).
var recordedHID = []struct {
	name   string
	report []byte
	state  State
	weight meter.Weight
	unit   Unit
}{
	{"empty, ounces", []byte{3, 2, 11, 255, 0, 0}, AtZero, 0, Ounce},
	{"1.3 oz letter", []byte{3, 4, 11, 255, 13, 0}, Stable, 13, Ounce},
	{"25 lb parcel in ounces", []byte{3, 4, 11, 255, 0xa0, 0x0f}, Stable, 4000, Ounce},
	{"250 g in grams", []byte{3, 4, 2, 0, 250, 0}, Stable, 89, Gram},
	{"1.5 kg", []byte{3, 4, 3, 255, 15, 0}, Stable, 530, Kilogram},
	{"2 lb", []byte{3, 4, 12, 0, 2, 0}, Stable, 320, Pound},
	{"settling", []byte{3, 3, 11, 255, 40, 0}, Motion, 40, Ounce},
	{"taken off after zeroing", []byte{3, 5, 11, 255, 0, 0}, UnderZero, 0, Ounce},
	{"over the limit", []byte{3, 6, 11, 255, 0, 0}, OverCapacity, 0, Ounce},
	{"fault", []byte{3, 1, 11, 255, 0, 0}, Fault, 0, Ounce},
	{"calibrate", []byte{3, 7, 11, 255, 0, 0}, NeedsZero, 0, Ounce},
	{"re-zero", []byte{3, 8, 11, 255, 0, 0}, NeedsZero, 0, Ounce},
}

func TestHIDScaleParsesRecordedReports(t *testing.T) {
	for _, tt := range recordedHID {
		r, err := ParseHIDReport(tt.report)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.state, r.State, tt.name)
		assert.Equal(t, tt.weight, r.Weight, tt.name)
		assert.Equal(t, tt.unit, r.Unit, tt.name)
	}
	for _, bad := range [][]byte{{3, 9, 11, 255, 0, 0}, {3, 4, 9, 255, 1, 0}, {3, 4, 11, 100, 1, 0}} {
		_, err := ParseHIDReport(bad)
		assert.ErrorIs(t, err, errGarbled, "% x", bad)
	}
	for _, other := range [][]byte{{4, 1, 0, 0, 0, 0}, {3, 4, 11}} {
		_, err := ParseHIDReport(other)
		assert.ErrorIs(t, err, errNotScaleData, "% x", other)
	}
}

// fakeHidraw is a named pipe standing in for /dev/hidrawN: each write is one report.
type fakeHidraw struct {
	path string
	w    *os.File
}

func newFakeHidraw(t *testing.T) *fakeHidraw {
	t.Helper()
	f := &fakeHidraw{path: filepath.Join(t.TempDir(), "hidraw0")}
	require.NoError(t, syscall.Mkfifo(f.path, 0o600))
	t.Cleanup(f.unplug)
	return f
}

// send writes one report, opening the pipe first (it blocks until the driver has opened it).
func (f *fakeHidraw) send(t *testing.T, rep []byte) {
	t.Helper()
	if f.w == nil {
		w, err := os.OpenFile(f.path, os.O_WRONLY, 0)
		require.NoError(t, err)
		f.w = w
	}
	_, err := f.w.Write(rep)
	require.NoError(t, err)
}

func (f *fakeHidraw) unplug() {
	if f.w != nil {
		f.w.Close()
		f.w = nil
	}
	os.Remove(f.path)
}

// reports reads like a hidraw node: one whole report per read.
type reports [][]byte

func (r *reports) Read(p []byte) (int, error) {
	if len(*r) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*r)[0])
	*r = (*r)[1:]
	return n, nil
}

// Reports that are not scale data (other report IDs some scales send) are skipped.
func TestHIDScaleSkipsOtherReports(t *testing.T) {
	in := reports{{4, 0, 0, 0, 0, 0}, {3, 4, 11}, {3, 4, 11, 255, 13, 0}}
	r, err := ReadHIDReports(context.Background(), &in, func(err error) error { return err })
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(13), r.Weight)
	in = reports{{4, 0, 0, 0, 0, 0}}
	_, err = ReadHIDReports(context.Background(), &in, func(err error) error { return err })
	assert.ErrorIs(t, err, io.EOF)
}

// The driver reads reports through its device node and turns each state into the clerk's words.
func TestHIDScaleReadsItsDeviceNode(t *testing.T) {
	dev := newFakeHidraw(t)
	s := NewHID(dev.path)
	s.Timeout = 500 * time.Millisecond
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for _, tt := range recordedHID {
		done := make(chan struct{})
		var w meter.Weight
		var err error
		go func() { w, err = s.Weight(ctx); close(done) }()
		dev.send(t, tt.report)
		<-done
		if tt.state == Stable {
			require.NoError(t, err, tt.name)
			assert.Equal(t, tt.weight, w, tt.name)
			continue
		}
		require.Error(t, err, tt.name)
		msg := meter.Explain(err)
		assert.Equal(t, "Check the scale", msg.Title, tt.name)
		assert.NotContains(t, msg.Text, "did not work", tt.name)
	}
	assert.Equal(t, meter.DeviceAttention, s.health.Report().State, "the last report asked for re-zeroing")
}

func TestHIDScaleUnpluggedComesBack(t *testing.T) {
	dev := newFakeHidraw(t)
	s := NewHID(dev.path)
	s.Timeout = 300 * time.Millisecond
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	weigh := func(rep []byte) (meter.Weight, error) {
		done := make(chan struct{})
		var w meter.Weight
		var err error
		go func() { w, err = s.Weight(ctx); close(done) }()
		if rep != nil {
			dev.send(t, rep)
		}
		<-done
		return w, err
	}
	w, err := weigh([]byte{3, 4, 11, 255, 13, 0})
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(13), w)

	dev.unplug() // the writer closes: the driver reads end of file, and the node is gone
	_, err = weigh(nil)
	require.ErrorIs(t, err, meter.ErrScaleNoAnswer)
	_, err = weigh(nil)
	require.ErrorIs(t, err, meter.ErrScaleNoAnswer, "no node, no scale")
	assert.Equal(t, meter.DeviceMissing, s.health.Report().State)

	require.NoError(t, syscall.Mkfifo(dev.path, 0o600))
	w, err = weigh([]byte{3, 4, 11, 255, 20, 0})
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(20), w)
	assert.Equal(t, meter.DeviceReady, s.health.Report().State)
}
