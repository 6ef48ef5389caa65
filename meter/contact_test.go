package meter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContactProfilesFromData(t *testing.T) {
	all, err := LoadContactProfiles()
	require.NoError(t, err)
	got := map[string][3]time.Duration{}
	for _, p := range all {
		got[p.ID] = [3]time.Duration{p.ContactEvery, p.WarnAfter, p.LockAfter}
		assert.NotEmpty(t, p.Source, p.ID)
	}
	assert.Equal(t, map[string][3]time.Duration{
		ProfileUSIMI:       {12 * time.Hour, 24 * time.Hour, 72 * time.Hour},
		ProfileCanada:      {7 * day, 21 * day, 28 * day},
		ProfileUSIBILegacy: {30 * day, 90 * day, 120 * day},
	}, got)
	ca, err := ContactProfile(ProfileCanada)
	require.NoError(t, err)
	assert.Equal(t, SendProP.WarnAfter, ca.WarnAfter)
	assert.Equal(t, SendProP.LockAfter, ca.LockAfter)
	_, err = ContactProfile("xx")
	assert.Error(t, err)
}

// Each profile warns and locks at its own times, with the Data Center down all along: the meter tries
// to contact it when due, fails, and the clock runs on. Printing is refused once locked.
func TestContactProfilesWarnAndLockWithTheDataCenterDown(t *testing.T) {
	for _, id := range []string{ProfileUSIMI, ProfileCanada, ProfileUSIBILegacy} {
		t.Run(id, func(t *testing.T) {
			r := newRig(t)
			r.fund(dollars(20))
			p, err := ContactProfile(id)
			require.NoError(t, err)
			r.m.cfg.Inspection = p
			_, err = r.m.GetBalance(r.ctx, r.super) // a contact now: the clock starts here
			require.NoError(t, err)
			r.link.SetUp(false)
			start := r.clock.Now()
			step := p.ContactEvery / 4
			for r.clock.Now().Sub(start) < p.LockAfter+step {
				r.clock.Advance(step)
				contacted, err := r.m.ContactIfDue(r.ctx)
				assert.False(t, contacted)
				elapsed := r.clock.Now().Sub(start)
				if elapsed >= p.ContactEvery {
					require.Error(t, err, "due at %s: it tried, and the link is down", elapsed)
				}
				st, err := r.m.Inspection(r.ctx)
				require.NoError(t, err)
				switch {
				case elapsed >= p.LockAfter:
					assert.Equal(t, InspectionRequired, st.State, "%s after the contact", elapsed)
				case elapsed >= p.WarnAfter:
					assert.Equal(t, InspectionDue, st.State, "%s after the contact", elapsed)
				default:
					assert.Equal(t, InspectionOK, st.State, "%s after the contact", elapsed)
				}
			}
			sess := r.signIn("Sue", "246813") // the morning's session timed out long ago
			_, err = r.m.PrintPiece(r.ctx, sess, Job{KeyedPostage: 78 * 10}, MediumEnvelope)
			var lock *InspectionLockError
			require.ErrorAs(t, err, &lock)

			r.link.SetUp(true)
			contacted, err := r.m.ContactIfDue(r.ctx)
			require.NoError(t, err)
			assert.True(t, contacted)
			st, err := r.m.Inspection(r.ctx)
			require.NoError(t, err)
			assert.Equal(t, InspectionOK, st.State, "the contact lifts the lock")
		})
	}
}

// A connected meter on the US IMI profile (warning after 24 h, lock after 72 h) never warns over 30
// simulated days: it contacts the Data Center on its own whenever the profile says it is due.
func TestConnectedMeterNeverWarns(t *testing.T) {
	r := newRig(t)
	p, err := ContactProfile(ProfileUSIMI)
	require.NoError(t, err)
	r.m.cfg.Inspection = p
	contacts := 0
	for range 30 * 24 / 3 {
		r.clock.Advance(3 * time.Hour)
		did, err := r.m.ContactIfDue(r.ctx)
		require.NoError(t, err)
		if did {
			contacts++
		}
		st, err := r.m.Inspection(r.ctx)
		require.NoError(t, err)
		require.Equal(t, InspectionOK, st.State, "at %s", r.clock.Now())
		require.False(t, st.ShowWarning)
	}
	assert.Equal(t, 60, contacts, "every 12 hours for 30 days")
}

// The screens' connection poll (Probe) is what makes the meter contact the Data Center on its own.
func TestProbeContactsWhenDue(t *testing.T) {
	r := newRig(t)
	p, err := ContactProfile(ProfileUSIMI)
	require.NoError(t, err)
	r.m.cfg.Inspection = p
	r.clock.Advance(13 * time.Hour)
	before, err := r.m.Inspection(r.ctx)
	require.NoError(t, err)
	r.m.Probe(r.ctx)
	after, err := r.m.Inspection(r.ctx)
	require.NoError(t, err)
	assert.True(t, after.LastContact.After(before.LastContact), "contacted: last contact %s, before %s", after.LastContact, before.LastContact)
	assert.WithinDuration(t, r.clock.Now(), after.LastContact, time.Minute)
}
