// Package when writes dates and times the one way a clerk reads them on every screen, receipt and
// report: "Dec 1, 2026", "5:48 PM", "Dec 1, 2026, 5:48 PM". The screens and the meter core both use
// it; printer lays out the strings it makes and never imports it, meter or Fyne. It is a leaf.
package when

import "time"

// The layouts, in Go's reference time.
const (
	DateLayout     = "Jan 2, 2006"
	TimeLayout     = "3:04 PM"
	DateTimeLayout = DateLayout + ", " + TimeLayout
)

// Date is the calendar date: "Dec 1, 2026".
func Date(t time.Time) string { return t.Format(DateLayout) }

// Time is the time of day on a 12-hour clock: "5:48 PM".
func Time(t time.Time) string { return t.Format(TimeLayout) }

// DateTime is both: "Dec 1, 2026, 5:48 PM".
func DateTime(t time.Time) string { return t.Format(DateTimeLayout) }
