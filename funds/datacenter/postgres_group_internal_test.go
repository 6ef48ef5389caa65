package datacenter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A request that panics in its group still tells the group it is done (with an error, so the group is
// rolled back), and the panic goes on up to its caller.
func TestAPanickingRequestReleasesItsGroup(t *testing.T) {
	run := &pgGroupRun{msgs: make(chan pgMsg, 1)}
	m := &pgMember{key: "PM000001"}
	st := pgStart{pipe: &pgPipe{grp: run, member: m}, now: time.Now()}
	assert.PanicsWithValue(t, "boom", func() {
		_ = runMember(m, st, func(*pgPipe, time.Time) error { panic("boom") })
	})
	require.Len(t, run.msgs, 1)
	msg := <-run.msgs
	assert.True(t, msg.done)
	assert.ErrorContains(t, msg.err, "request panicked: boom")
}
