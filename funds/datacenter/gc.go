package datacenter

import (
	"os"
	"runtime/debug"
)

// ServerGCPercent is the garbage collector's target for a Data Center process (`datacenter serve`): the
// heap may grow to five times what is live before a collection, instead of twice. A Data Center's live heap is small (a
// thousand meters' connections and their buffers, some tens of MB), while every request allocates its
// HTTP headers, JSON and database rows anew, so at Go's default of 100 it collected many times a second.
// Under the fleet load (cmd/benchtable, issue 15) the collector and allocation were a fifth of the
// process's CPU; at 400 the process spent 0.35–0.42 ms of CPU a refill instead of 0.47–0.49 (three
// interleaved pairs of runs), for a heap a few times larger.
const ServerGCPercent = 400

// TuneGCForServer sets ServerGCPercent unless GOGC is set, which an operator uses to choose otherwise;
// GOMEMLIMIT, if set, still bounds the heap. restore sets back what was there before (the benchmark
// runs a Data Center inside a process that measures other things too).
func TuneGCForServer() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(ServerGCPercent)
	return func() { debug.SetGCPercent(old) }
}
