package parts

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/devices"
	"postmeter/funds"
	"postmeter/meter"
)

// A parts list without its keys or print engine, or naming a model that does not exist, is refused
// before the vault file is made.
func TestAssembleRefusesAnIncompleteList(t *testing.T) {
	dir := t.TempDir()
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	engine := devices.NewTrayEngine(filepath.Join(dir, "tray"), meter.SystemClock{})
	id := meter.Identity{Serial: "PM1", AccountNumber: "12345678"}
	for _, l := range []List{
		{Dir: dir, Identity: id, Devices: Devices{Engine: engine}},
		{Dir: dir, Identity: id, Keys: keys},
		{Dir: dir, Identity: id, Keys: keys, Devices: Devices{Engine: engine}, Model: "SendPro P9999"},
	} {
		_, err := Assemble(context.Background(), l)
		assert.Error(t, err)
		_, statErr := os.Stat(filepath.Join(dir, "meter.db"))
		assert.ErrorIs(t, statErr, os.ErrNotExist)
	}
}
