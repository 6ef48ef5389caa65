package ui

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/printer"
)

// A supervisor saves Run Mail's job (postcard, on tape) as a preset and makes it the default; after a
// new sign-in Run Mail starts with it, Tape its main button, and the piece prints as it says.
func TestPresetFromRunMailToTheNextSignIn(t *testing.T) {
	a, sim := play(t, Scene{Name: "presets", User: supervisor()})
	ctx := context.Background()
	tap(t, a, IDRunMail)
	tap(t, a, Class(meter.ClassPostcard))
	a.act(func() { a.job.medium = meter.MediumTape })
	tap(t, a, IDRunMailOptions)
	require.Equal(t, DialogRunMailOptions, a.Modal())
	tap(t, a, IDPresets)
	require.Equal(t, ScreenPresets, a.Screen())
	tap(t, a, IDPresetSave)
	typeText(t, a, "Cards")
	tap(t, a, IDKeyboardOK)
	require.Equal(t, ScreenPresets, a.Screen(), "dialog %q", a.Modal())

	list, err := sim.Meter.Presets(ctx)
	require.NoError(t, err)
	require.Len(t, list.List, 1)
	p := list.List[0]
	assert.Equal(t, "Cards", p.Name)
	assert.Equal(t, meter.ClassPostcard, p.Class)
	assert.Equal(t, meter.MediumTape, p.Medium)
	tap(t, a, PresetDefault(p.ID))
	list, err = sim.Meter.Presets(ctx)
	require.NoError(t, err)
	assert.Equal(t, p.ID, list.Default)

	// The next clerk's Run Mail starts with the default preset.
	s, err := sim.SignIn(ctx, operator())
	require.NoError(t, err)
	a.act(func() { a.SignInAs(s) })
	a.Settle()
	tap(t, a, IDRunMail)
	assert.Equal(t, meter.ClassPostcard, a.job.Class)
	assert.Contains(t, strings.Join(a.Texts(), "\n"), txt(CapPresetInUse, "Cards"))
	assert.Equal(t, widget.HighImportance, button(t, a, IDTape).Importance, "a tape preset makes Tape the main button")
	tap(t, a, IDTape)
	imps := sim.Engine.Impressions()
	require.NotEmpty(t, imps)
	last := imps[len(imps)-1]
	require.NotNil(t, last.Indicium)
	assert.Equal(t, meter.MediumTape, last.Medium)
	assert.Equal(t, "postcard", last.Indicium.MailClass)

	// An operator may use a preset but not change one: the core says so.
	tap(t, a, IDRunMailOptions)
	tap(t, a, IDPresets)
	tap(t, a, PresetDelete(p.ID))
	assert.Equal(t, MessageDialog(meter.MsgNoRights), a.Modal())
	consistent(t, sim)
}

// A test print from Run Mail's options costs nothing; a piece from yesterday gets its date corrected
// once, with the piece number keyed in.
func TestTestPrintAndDateCorrectionFromRunMail(t *testing.T) {
	a, sim := play(t, Scene{Name: "zero-value", User: supervisor()})
	ctx := context.Background()
	tap(t, a, IDRunMail)
	tap(t, a, IDStart)
	before, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	seq := before.Pieces

	tap(t, a, IDRunMailOptions)
	tap(t, a, IDTestPrint)
	require.Equal(t, DialogPrintOn, a.Modal())
	tap(t, a, IDPrintOnTape)
	require.Equal(t, DialogZeroValueDone, a.Modal())
	imps := sim.Engine.Impressions()
	assert.Equal(t, printer.KindTest, imps[len(imps)-1].Indicium.Kind)

	sim.Clock.Advance(14 * time.Hour) // after midnight, within the contact rule
	s, err := sim.SignIn(ctx, supervisor())
	require.NoError(t, err)
	a.act(func() { a.SignInAs(s) })
	a.Settle()
	tap(t, a, IDRunMail)
	tap(t, a, IDRunMailOptions)
	tap(t, a, IDDateCorrection)
	require.Equal(t, ScreenDateCorrection, a.Screen())
	tapDigits(t, a, "999")
	tap(t, a, IDKeypadOK)
	assert.Equal(t, ScreenDateCorrection, a.Screen(), "no such piece: the keypad says so")
	assert.Contains(t, strings.Join(a.Texts(), "\n"), meter.Words(meter.MsgPieceNotFound, 999))
	tapDigits(t, a, strconv.FormatInt(seq, 10))
	tap(t, a, IDKeypadOK)
	require.Equal(t, DialogPrintOn, a.Modal())
	tap(t, a, IDPrintOnEnvelope)
	require.Equal(t, DialogZeroValueDone, a.Modal())
	imps = sim.Engine.Impressions()
	corr := imps[len(imps)-1].Indicium
	assert.Equal(t, printer.KindDateCorrection, corr.Kind)
	assert.Equal(t, seq, corr.Piece)

	after, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "neither print moved a register")
	tap(t, a, dialogAction(meter.ActionOK))
	tap(t, a, IDRunMailOptions)
	tap(t, a, IDDateCorrection)
	tapDigits(t, a, strconv.FormatInt(seq, 10))
	tap(t, a, IDKeypadOK)
	assert.Contains(t, strings.Join(a.Texts(), "\n"), "corrected", "once per piece")
	consistent(t, sim)
}

// Run Mail shows the chosen code's own batch counter beside the meter's.
func TestRunMailShowsTheCodesBatchCounter(t *testing.T) {
	a, sim := play(t, Scene{Name: "code-batch", User: supervisor()})
	tap(t, a, IDRunMail)
	tap(t, a, IDAccount)
	tap(t, a, AccountCode("Sales"))
	tap(t, a, IDStart)
	tap(t, a, IDStart)
	tap(t, a, IDAccount)
	tap(t, a, AccountCode("Legal"))
	tap(t, a, IDStart)
	texts := strings.Join(a.Texts(), "\n")
	assert.Contains(t, texts, txt(CapCodeBatch, "Legal", 1))
	tap(t, a, IDAccount)
	tap(t, a, AccountCode("Sales"))
	assert.Contains(t, strings.Join(a.Texts(), "\n"), txt(CapCodeBatch, "Sales", 2))
	consistent(t, sim)
}

// Reports → Funds report and Last refills save CSV files on the USB stick (the simulator's exports/).
func TestFundsReportAndRefillHistoryExported(t *testing.T) {
	a, sim := play(t, Scene{Name: "exports", User: supervisor()})
	tap(t, a, IDReports)
	tap(t, a, IDReportFunds)
	tap(t, a, IDReportExport)
	require.Equal(t, DialogReportExported, a.Modal())
	tap(t, a, dialogAction(meter.ActionOK))
	tap(t, a, IDDone)
	tap(t, a, IDReportLastRefills)
	tap(t, a, IDReportExport)
	require.Equal(t, DialogReportExported, a.Modal())
	names, err := filepath.Glob(filepath.Join(sim.Dir, "exports", "*.csv"))
	require.NoError(t, err)
	require.Len(t, names, 2)
	var kinds []string
	for _, n := range names {
		kinds = append(kinds, strings.SplitN(filepath.Base(n), "-"+simulator.DemoSerial, 2)[0])
	}
	assert.ElementsMatch(t, []string{"funds-report", "refill-history"}, kinds)
}
