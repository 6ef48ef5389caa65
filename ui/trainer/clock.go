package trainer

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"postmeter/meter"
	"postmeter/printer/when"
)

// clockRows are the panel's clock controls: the meter's clock, its contact profile (postmeter
// -contact-profile) and the time since the last Data Center contact; a day on, and straight to the
// profile's warning and lock.
func (t *Trainer) clockRows(insp meter.InspectionStatus) fyne.CanvasObject {
	sim := t.sim
	p := sim.Meter.ContactProfile()
	warn, lock := clockCaptions(p)
	return panelVBox(
		panelParagraph(fmt.Sprintf("Meter clock %s (%s): last contact %s ago", when.Date(sim.Clock.Now()), p.ID,
			sinceContact(p, sim.Clock.Now().Sub(insp.LastContact))), SizeNamePanelCaption, false),
		row("Clock",
			toggle(PanelNextDay, "+1 day", false, t.control(t.advance(24*time.Hour))),
			toggle(PanelClockWarning, warn, insp.State == meter.InspectionDue, t.control(t.toAfter(p.WarnAfter))),
			toggle(PanelClockLock, lock, insp.State == meter.InspectionRequired, t.control(t.toAfter(p.LockAfter)))))
}

// clockCaptions name the warning and lock buttons in the profile's own terms: the day for schedules
// counted in weeks (Canada's "Day 21" and "Day 28"), the hour for IMI's daily contact ("Hour 24" and
// "Hour 72"). They stay short: three buttons share the panel's row.
func clockCaptions(p meter.InspectionProfile) (warn, lock string) {
	const day = 24 * time.Hour
	if p.WarnAfter >= 7*day && p.WarnAfter%day == 0 && p.LockAfter%day == 0 {
		return fmt.Sprintf("Day %d", p.WarnAfter/day), fmt.Sprintf("Day %d", p.LockAfter/day)
	}
	return fmt.Sprintf("Hour %d", int(p.WarnAfter.Hours())), fmt.Sprintf("Hour %d", int(p.LockAfter.Hours()))
}

// sinceContact says how long ago the last contact was, in hours where the profile counts in hours.
func sinceContact(p meter.InspectionProfile, d time.Duration) string {
	if p.WarnAfter < 7*24*time.Hour {
		if h := int(d.Hours()); h != 1 {
			return fmt.Sprintf("%d hours", h)
		}
		return "1 hour"
	}
	if days := int(d.Hours() / 24); days != 1 {
		return fmt.Sprintf("%d days", days)
	}
	return "1 day"
}

// advance moves the clock on as a meter left switched on lives the time: it contacts the Data Center
// whenever its profile says a contact is due (simulator.PassTime), so with the Data Center reachable it
// never warns, and with the link or the Data Center down it reaches the warning and the lock.
func (t *Trainer) advance(d time.Duration) func(context.Context) error {
	sim := t.sim // read on the UI goroutine, where Reset replaces it; the control runs on another
	return func(ctx context.Context) error { sim.PassTime(ctx, d); return nil }
}

// toAfter moves the clock to d after the last Data Center contact (the meter was off or out of reach
// meanwhile), where the profile warns or locks.
func (t *Trainer) toAfter(d time.Duration) func(context.Context) error {
	sim := t.sim // read on the UI goroutine (see advance)
	return func(ctx context.Context) error {
		st, err := sim.Meter.Inspection(ctx)
		if err != nil {
			return err
		}
		if gap := st.LastContact.Add(d).Sub(sim.Clock.Now()); gap > 0 {
			sim.Clock.Advance(gap)
		}
		return nil
	}
}
