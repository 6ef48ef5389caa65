package ui

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/meter/simulator"
)

// lastPiece is the newest piece the vault debited.
func lastPiece(t *testing.T, sim *simulator.Simulator) (int64, int64) {
	t.Helper()
	regs, err := sim.Meter.Registers(context.Background())
	require.NoError(t, err)
	return regs.Pieces, int64(regs.Used)
}

// Run Mail offers the model's weighing methods: the default SendPro P1000 has differential weighing
// (the stack on the scale, each piece priced at what left it), a Connect+ 500W neither W-O-W nor
// differential, so no Method button; the P3000 both.
func TestRunMailOffersTheModelsWeighingMethods(t *testing.T) {
	for model, want := range map[string][]meter.WeighingMethod{
		"Connect+ 500W": nil,
		"SendPro P1000": {meter.WeighKeyed, meter.WeighScale, meter.WeighDifferential},
		"SendPro P3000": {meter.WeighKeyed, meter.WeighScale, meter.WeighOnTheWay, meter.WeighDifferential},
	} {
		t.Run(model, func(t *testing.T) {
			a, _ := play(t, Scene{Name: "weighing", User: supervisor(), Sim: simulator.Options{Model: model}})
			tap(t, a, IDRunMail)
			if want == nil {
				assert.Nil(t, a.FindButton(IDWeighingMethod), "no Method button")
				return
			}
			tap(t, a, IDWeighingMethod)
			require.Equal(t, DialogWeighing, a.Modal())
			for _, m := range []meter.WeighingMethod{meter.WeighKeyed, meter.WeighScale, meter.WeighOnTheWay, meter.WeighDifferential} {
				offered := false
				for _, w := range want {
					offered = offered || w == m
				}
				assert.Equal(t, offered, a.FindButton(WeighingMethod(m)) != nil, "%s offered", m)
			}
		})
	}
}

// Differential weighing from Run Mail: a 10 oz stack on the scale, 2.5 oz taken off, Start prints the
// piece at 2.5 oz; nothing taken off, the meter says so and debits nothing.
func TestRunMailDifferentialWeighing(t *testing.T) {
	a, sim := play(t, Scene{Name: "differential", User: supervisor()})
	sim.Scale.Set(100, true)
	tap(t, a, IDRunMail)
	tap(t, a, IDWeighingMethod)
	tap(t, a, WeighingMethod(meter.WeighDifferential))
	require.Empty(t, a.Modal())
	assert.Contains(t, a.Texts(), txt("ui.run-mail.weight-differential"))
	assert.Contains(t, a.Texts(), txt("ui.run-mail.per-piece"))

	_, usedBefore := lastPiece(t, sim)
	sim.Scale.Set(75, true)
	tap(t, a, IDStart)
	pieces, used := lastPiece(t, sim)
	table, err := meter.RateTableFor(sim.Meter.RateTables(), testClock)
	require.NoError(t, err)
	want, err := table.Postage(meter.ClassLetter, 25)
	require.NoError(t, err)
	assert.Equal(t, int64(want), used-usedBefore, "priced at the 2.5 oz that left the stack")

	tap(t, a, IDStart) // nothing more taken off
	assert.Equal(t, MessageDialog(meter.MsgTakeOnePiece), a.Modal())
	after, _ := lastPiece(t, sim)
	assert.Equal(t, pieces, after, "nothing debited")
}
