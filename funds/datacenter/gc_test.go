package datacenter_test

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"postmeter/funds/datacenter"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTheServersCollectorTargetIsSetAndRestored(t *testing.T) {
	t.Setenv("GOGC", "")
	const before = 100 // Go's default, whatever this process was started with
	defer debug.SetGCPercent(debug.SetGCPercent(before))
	restore := datacenter.TuneGCForServer()
	require.Equal(t, datacenter.ServerGCPercent, gcPercent())
	restore()
	require.Equal(t, before, gcPercent())
}

func TestAnOperatorsGOGCIsLeftAlone(t *testing.T) {
	t.Setenv("GOGC", "150")
	old := debug.SetGCPercent(150) // as the runtime read it from the environment at start
	defer debug.SetGCPercent(old)
	restore := datacenter.TuneGCForServer()
	require.Equal(t, 150, gcPercent())
	restore()
	require.Equal(t, 150, gcPercent())
}
