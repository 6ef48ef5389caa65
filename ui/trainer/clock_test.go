package trainer

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/ui"
)

// panelButtonFor is the panel's button id as drawn now.
func panelButtonFor(t *testing.T, tr *Trainer, id ui.ID) *panelButton {
	t.Helper()
	var found []*panelButton
	tr.app.Act(func() {
		for _, o := range visibleUnder(tr.panel) {
			if b, ok := o.(*panelButton); ok && b.ID == id {
				found = append(found, b)
			}
		}
	})
	require.Len(t, found, 1, "panel buttons %s", id)
	return found[0]
}

func inspection(t *testing.T, tr *Trainer) meter.InspectionStatus {
	t.Helper()
	st, err := tr.Sim().Meter.Inspection(context.Background())
	require.NoError(t, err)
	return st
}

// The clock buttons follow the meter's contact profile (postmeter -contact-profile, or a lesson's
// set-up): their captions are the profile's own terms, and with the Data Center down they take the
// meter to the profile's warning and lock (a day on reaches IMI's warning at hour 24).
func TestClockButtonsFollowTheContactProfile(t *testing.T) {
	_, tr := trainer(t)
	assert.Equal(t, meter.ProfileUSIMI, tr.Sim().Meter.ContactProfile().ID, "the default: the rate tables are USPS's")
	for _, x := range []struct {
		id, warn, lock string
		dayWarns       bool // a day without contact reaches the warning
	}{
		{meter.ProfileCanada, "Day 21", "Day 28", false},
		{meter.ProfileUSIBILegacy, "Day 90", "Day 120", false},
		{meter.ProfileUSIMI, "Hour 24", "Hour 72", true},
	} {
		t.Run(x.id, func(t *testing.T) {
			setup, err := LessonSetup{User: supervisor(), ContactProfile: x.id}.options()
			require.NoError(t, err)
			require.NoError(t, tr.Reset(setup, supervisor()))
			tr.app.Settle()
			p := tr.Sim().Meter.ContactProfile()
			require.Equal(t, x.id, p.ID, "the meter runs the profile set up")
			assert.Equal(t, x.warn, panelButtonFor(t, tr, PanelClockWarning).Text)
			assert.Equal(t, x.lock, panelButtonFor(t, tr, PanelClockLock).Text)

			tapPanel(t, tr, PanelDCDown)
			tapPanel(t, tr, PanelNextDay)
			if x.dayWarns {
				assert.Equal(t, meter.InspectionDue, inspection(t, tr).State, "a day without contact")
			} else {
				assert.Equal(t, meter.InspectionOK, inspection(t, tr).State, "a day without contact")
			}
			tapPanel(t, tr, PanelClockWarning)
			st := inspection(t, tr)
			assert.Equal(t, meter.InspectionDue, st.State)
			assert.Equal(t, p.WarnAfter, tr.Sim().Clock.Now().Sub(st.LastContact), "at the profile's warning")
			assert.Equal(t, widget.HighImportance, panelButtonFor(t, tr, PanelClockWarning).Importance, "lit while warned")
			tapPanel(t, tr, PanelClockLock)
			st = inspection(t, tr)
			assert.Equal(t, meter.InspectionRequired, st.State)
			assert.Equal(t, p.LockAfter, tr.Sim().Clock.Now().Sub(st.LastContact))
			assert.Equal(t, widget.HighImportance, panelButtonFor(t, tr, PanelClockLock).Importance, "lit while locked")

			tapPanel(t, tr, PanelDCNormal)
			tapPanel(t, tr, PanelNextDay) // the meter contacts the Data Center on its own when due
			assert.Equal(t, meter.InspectionOK, inspection(t, tr).State, "the contact lifts the lock")
		})
	}
	_, err := LessonSetup{User: supervisor(), ContactProfile: "uk"}.options()
	assert.ErrorContains(t, err, "contact_profile")
}

// With the Data Center reachable, a month of "+1 day" never brings the IMI warning: the meter contacts
// the Data Center on its own whenever it is due, as it does when left switched on.
func TestConnectedTrainerMeterNeverWarns(t *testing.T) {
	a, tr := trainer(t)
	for day := 1; day <= 30; day++ {
		tapPanel(t, tr, PanelNextDay)
		require.Equal(t, meter.InspectionOK, inspection(t, tr).State, "day %d", day)
	}
	assert.Empty(t, a.Modal())
	assert.Equal(t, widget.MediumImportance, panelButtonFor(t, tr, PanelClockWarning).Importance)
}

// The trainer's own profile (postmeter -contact-profile) is the simulator's, and a reset keeps it.
func TestTrainerContactProfileOption(t *testing.T) {
	test.NewTempApp(t)
	test.ApplyTheme(t, ui.KioskTheme{})
	w := fyne.CurrentApp().NewWindow("postmeter")
	w.Resize(Size)
	tr, err := New(w, Options{Dir: t.TempDir(), Clock: meter.FixedClock(testClock), ContactProfile: meter.ProfileCanada})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close(); w.Close() })
	tr.app.Settle()
	assert.Equal(t, meter.ProfileCanada, tr.Sim().Meter.ContactProfile().ID)
	require.NoError(t, tr.Reset(simulator.Options{}, ""))
	assert.Equal(t, meter.ProfileCanada, tr.Sim().Meter.ContactProfile().ID, "after a reset")
}
