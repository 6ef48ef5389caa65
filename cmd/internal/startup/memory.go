package startup

import (
	"os"
	"runtime/debug"
	"time"
)

// TuneMemoryForStartup holds the garbage collector off while the first screens are built and drawn,
// then, 2 s after start, turns it on again with a soft limit on the heap. Start-up parses fonts into
// about 30 MB of short-lived garbage; collecting it while it grows cost about 25 ms before the first
// frame on 2 cores (cmd/benchtable). Afterwards the limit matters more: a meter has little memory, and
// PIN hashing and rendering impressions at print resolution need large buffers only briefly; under the
// limit the runtime hands them back to the system soon after. GOGC and GOMEMLIMIT override each part.
func TuneMemoryForStartup() {
	const settle = 2 * time.Second
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(-1)
		time.AfterFunc(settle, func() { debug.SetGCPercent(100) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		time.AfterFunc(settle, func() { debug.SetMemoryLimit(40 << 20) })
	}
}
