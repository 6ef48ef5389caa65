package ui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/meter/simulator"
)

// A scale that stops answering shows on the status bar and in the clerk's message when weighing, and
// on Settings → Devices; plugged in again, it weighs, and the bar shows the date again, without a
// restart.
func TestDeviceThatDisappearsShowsAndComesBack(t *testing.T) {
	a, sim := play(t, Scene{User: supervisor(), Sim: simulator.Options{Printer: true}})
	a.PollConnection() // the first poll asks the devices
	a.Settle()
	assert.Empty(t, a.DeviceAlert())
	sim.Scale.Set(13, true)

	sim.Scale.SetUnplugged(true)
	a.act(a.Refresh) // the trainer's panel refreshes the screens after a fault
	a.Settle()
	assert.Equal(t, "Scale: no answer", a.DeviceAlert())
	assert.Equal(t, "Scale: no answer", a.status.date.Text, "where the date was")

	tap(t, a, IDRunMail)
	if a.modal != nil {
		tap(t, a, IDContinue)
	}
	tap(t, a, IDWeigh)
	s := look(t, a, "weigh with the scale unplugged")
	assert.Contains(t, strings.Join(s.words, " "), "The scale does not answer.", s)
	tap(t, a, IDOK)

	tap(t, a, IDHome)
	tap(t, a, IDSettings)
	tap(t, a, IDDevices)
	s = look(t, a, "devices")
	words := strings.Join(s.words, " | ")
	assert.Contains(t, words, "State: No answer")
	assert.Contains(t, words, "State: Ready")
	assert.Contains(t, words, "Check that it is switched on and its cable is plugged in")

	sim.Scale.SetUnplugged(false)
	tap(t, a, IDDevicesCheck)
	assert.Empty(t, a.DeviceAlert(), "back without a restart")
	s = look(t, a, "devices again")
	assert.NotContains(t, strings.Join(s.words, " | "), "No answer")
	w, err := sim.Meter.Weigh(a.ctx)
	require.NoError(t, err)
	assert.Equal(t, meter.Weight(13), w)
}
