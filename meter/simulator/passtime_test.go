package simulator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
)

var profiles = []string{meter.ProfileUSIMI, meter.ProfileCanada, meter.ProfileUSIBILegacy}

// startAt starts a simulator on the contact profile id with its clock fixed at a known time.
func startAt(t *testing.T, id string) *Simulator {
	t.Helper()
	sim, err := Start(context.Background(), Options{Dir: t.TempDir(), ContactProfile: id,
		Clock: meter.FixedClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))})
	require.NoError(t, err)
	t.Cleanup(func() { sim.Close() })
	return sim
}

// The simulator runs the contact profile it is given, us-imi when none (the demo meter's rate tables
// are USPS's), and refuses one there is not.
func TestSimulatorContactProfile(t *testing.T) {
	for _, id := range profiles {
		assert.Equal(t, id, startAt(t, id).Meter.ContactProfile().ID)
	}
	assert.Equal(t, meter.ProfileUSIMI, startAt(t, "").Meter.ContactProfile().ID)
	_, err := Start(context.Background(), Options{Dir: t.TempDir(), ContactProfile: "uk"})
	assert.Error(t, err)
}

// With the Data Center down, the time the trainer passes (a day at a time) reaches each profile's
// warning and lock at the profile's hours; once the Data Center answers again, the next contact the
// meter makes on its own lifts them.
func TestPassTimeWithTheDataCenterDownWarnsAndLocks(t *testing.T) {
	ctx := context.Background()
	for _, id := range profiles {
		t.Run(id, func(t *testing.T) {
			sim := startAt(t, id)
			p := sim.Meter.ContactProfile()
			first, err := sim.Meter.Inspection(ctx)
			require.NoError(t, err)
			sim.Faults.Set(DCDown, 0)
			var warnedAt, lockedAt time.Duration
			for elapsed := time.Duration(0); elapsed < p.LockAfter+24*time.Hour; {
				sim.PassTime(ctx, 24*time.Hour)
				elapsed = sim.Clock.Now().Sub(first.LastContact)
				st, err := sim.Meter.Inspection(ctx)
				require.NoError(t, err)
				require.Equal(t, first.LastContact, st.LastContact, "no contact got through")
				if st.State == meter.InspectionDue && warnedAt == 0 {
					warnedAt = elapsed
				}
				if st.State == meter.InspectionRequired && lockedAt == 0 {
					lockedAt = elapsed
				}
			}
			// A day at a time: the first whole day at or after the profile's hours.
			assert.Equal(t, p.WarnAfter.Round(24*time.Hour), warnedAt.Round(24*time.Hour), "warning")
			assert.Equal(t, p.LockAfter.Round(24*time.Hour), lockedAt.Round(24*time.Hour), "lock")

			sim.Faults.Set(DCNormal, 0)
			sim.PassTime(ctx, time.Hour)
			st, err := sim.Meter.Inspection(ctx)
			require.NoError(t, err)
			assert.Equal(t, meter.InspectionOK, st.State, "the meter contacted the Data Center on its own")
		})
	}
}

// A meter whose Data Center answers never warns, whatever its profile, over 30 days passed a day at a
// time or all at once.
func TestPassTimeConnectedNeverWarns(t *testing.T) {
	ctx := context.Background()
	for _, id := range profiles {
		t.Run(id, func(t *testing.T) {
			sim := startAt(t, id)
			for range 30 {
				sim.PassTime(ctx, 24*time.Hour)
				st, err := sim.Meter.Inspection(ctx)
				require.NoError(t, err)
				require.Equal(t, meter.InspectionOK, st.State, "at %s", sim.Clock.Now())
			}
			sim.PassTime(ctx, 30*24*time.Hour)
			st, err := sim.Meter.Inspection(ctx)
			require.NoError(t, err)
			assert.Equal(t, meter.InspectionOK, st.State)
			assert.Less(t, sim.Clock.Now().Sub(st.LastContact), sim.Meter.ContactProfile().ContactEvery+time.Nanosecond)
		})
	}
}
