package when

import (
	"testing"
	"time"
)

func TestOneStyle(t *testing.T) {
	at := time.Date(2026, 12, 1, 17, 48, 59, 0, time.UTC)
	for got, want := range map[string]string{
		Date(at):     "Dec 1, 2026",
		Time(at):     "5:48 PM",
		DateTime(at): "Dec 1, 2026, 5:48 PM",
		Time(time.Date(2026, 12, 1, 0, 5, 0, 0, time.UTC)): "12:05 AM",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
