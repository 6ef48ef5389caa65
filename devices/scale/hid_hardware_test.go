//go:build hardware

package scale

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAttachedHIDScale reads a real HID scale (a /dev/hidraw node whose device reports a HID POS
// scale's vendor, such as DYMO's 0922). It is built only with -tags hardware, on a machine with a scale
// plugged in: `go test -tags hardware -run TestAttachedHIDScale ./devices/scale`. There a missing scale
// is a failure; the test machines have none, so the usual test run does not build it.
func TestAttachedHIDScale(t *testing.T) {
	nodes, _ := filepath.Glob("/dev/hidraw*")
	for _, node := range nodes {
		uevent, err := os.ReadFile(filepath.Join("/sys/class/hidraw", filepath.Base(node), "device/uevent"))
		if err != nil || !strings.Contains(strings.ToUpper(string(uevent)), "00000922") {
			continue
		}
		s := NewHID(node)
		t.Cleanup(func() { s.Close() })
		r, err := s.Read(context.Background())
		require.NoError(t, err, node)
		t.Logf("%s: %s, %s %s", node, r.State, r.Value, r.Unit)
		return
	}
	t.Fatalf("no HID scale attached: %d hidraw nodes, none a HID POS scale", len(nodes))
}
