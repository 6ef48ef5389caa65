package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// seen is what the clerk saw at one step: the screen and dialog IDs, the words, the buttons to tap, and
// (from the core, not shown) whether a refill was waiting for the clerk then.
type seen struct {
	step    string
	screen  ScreenID
	modal   DialogID
	words   []string
	actions []ID
	pending bool
}

func (s seen) String() string {
	return fmt.Sprintf("%s: %s/%s %q %q pending=%v", s.step, s.screen, s.modal, s.words, s.actions, s.pending)
}

// look records what is on top of the meter's screen: the dialog if one is open, else the screen.
func look(t *testing.T, a *App, step string) seen {
	t.Helper()
	s := seen{step: step, screen: a.Screen(), modal: a.Modal()}
	root := fyne.CanvasObject(a.body)
	if a.modal != nil {
		root = a.modal
	}
	for _, o := range visibleUnder(root) {
		switch x := o.(type) {
		case *widget.Label:
			s.words = append(s.words, x.Text)
		case *Button:
			s.words = append(s.words, x.Text)
			if !x.Disabled() {
				s.actions = append(s.actions, x.ID)
			}
		}
	}
	p, err := a.m.PendingRefill(context.Background())
	require.NoError(t, err)
	s.pending = p != nil
	return s
}

func (s seen) has(action ID) bool {
	for _, a := range s.actions {
		if a == action {
			return true
		}
	}
	return false
}

func (s seen) says(words string) bool {
	for _, w := range s.words {
		if strings.Contains(strings.ToLower(w), strings.ToLower(words)) {
			return true
		}
	}
	return false
}

// noContradiction fails on a step that is a dead end or contradicts the core or an earlier step.
func noContradiction(t *testing.T, journal []seen) {
	t.Helper()
	completed := false
	for _, s := range journal {
		assert.NotEqual(t, ScreenRefillProgress, s.screen, "%s: a settled screen that only waits", s)
		assert.NotEmpty(t, s.actions, "%s: nothing to tap but waiting", s)
		assert.NotEqual(t, MessageDialog(meter.MsgUnexpected), s.modal, "%s", s)
		assert.False(t, s.says("no refill is pending") || s.says("no refill is waiting"), "%s: told there is no refill after being offered one", s)
		offered := s.has(IDTryAgain) && (s.modal == "" || s.modal == MessageDialog(meter.MsgPending) ||
			s.modal == MessageDialog(meter.MsgNoConnectionPending) && strings.HasPrefix(s.step, "refill"))
		if offered {
			assert.True(t, s.pending, "%s: Try again offered for a refill the core does not have waiting", s)
		}
		if s.pending && s.screen == ScreenFundsMeterFunds && s.modal == "" {
			assert.True(t, s.has(IDTryAgain) && s.has(IDCancelRefill), "%s: a waiting refill without Try again / Cancel", s)
		}
		if s.screen == ScreenRefillComplete {
			completed = true
		}
		if completed && s.modal == MessageDialog(meter.MsgPending) {
			assert.True(t, s.pending, "%s: 'complete' then 'pending' for the same refill", s)
		}
		for _, w := range s.words {
			assert.NotContains(t, w, "context canceled", "%s: a Go error string", s)
			assert.NotContains(t, w, "no connection to the Data Center:", "%s: a Go error string", s)
		}
	}
}

// TestRefillStatesHaveAWayForward drives every refill state × link up/down × Data Center mode through
// the screens by taps and checks each step against the core and the steps before.
func TestRefillStatesHaveAWayForward(t *testing.T) {
	isPost := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/post") }
	isVoid := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/void") }
	states := []struct {
		name  string
		setup func(t *testing.T, a *App, sim *simulator.Simulator) []seen
	}{
		{"requested", func(t *testing.T, a *App, sim *simulator.Simulator) []seen {
			sim.Link.SetUp(false)
			defer sim.Link.SetUp(true)
			j := refillDefault(t, a, "setup")
			require.Equal(t, MessageDialog(meter.MsgNoConnectionPending), a.Modal())
			return append(j, closeFailure(t, a))
		}},
		{"applied-not-posted", func(t *testing.T, a *App, sim *simulator.Simulator) []seen {
			sim.Link.DropWhen(isPost)
			defer sim.Link.DropWhen(nil)
			j := refillDefault(t, a, "setup")
			require.Equal(t, ScreenRefillComplete, a.Screen())
			tap(t, a, IDDone)
			return j
		}},
		{"abandoned-void-owed", func(t *testing.T, a *App, sim *simulator.Simulator) []seen {
			sim.Link.DropWhen(func(r *http.Request) bool { return r.Method == http.MethodPut || isVoid(r) })
			defer sim.Link.DropWhen(nil)
			j := refillDefault(t, a, "setup")
			require.Equal(t, MessageDialog(meter.MsgNoConnectionPending), a.Modal())
			tap(t, a, IDCancel)
			j = append(j, look(t, a, "setup cancelled"))
			require.Equal(t, DialogRefillCancelled, a.Modal())
			tap(t, a, IDOK)
			open, err := sim.Vault.OpenRefills(context.Background())
			require.NoError(t, err)
			require.Len(t, open, 1)
			require.Equal(t, funds.RefillAbandoned, open[0].State)
			return j
		}},
		{"declined", func(t *testing.T, a *App, sim *simulator.Simulator) []seen {
			openFunds(t, a)
			tap(t, a, IDAddPostage)
			tap(t, a, IDRefillOther)
			tapDigits(t, a, "200000")
			tap(t, a, IDKeypadOK)
			tap(t, a, IDConfirm)
			j := []seen{look(t, a, "setup")}
			require.Equal(t, MessageDialog(meter.MsgShortOfFundsUpTo), a.Modal())
			tap(t, a, IDOK)
			return j
		}},
	}
	modes := []struct {
		name string
		mode simulator.DCMode
	}{{"normal", simulator.DCNormal}, {"slow", simulator.DCSlow}, {"down", simulator.DCDown}, {"lose-answer", simulator.DCDropResponse}}
	for _, st := range states {
		for _, up := range []bool{true, false} {
			for _, md := range modes {
				link := map[bool]string{true: "link-up", false: "link-down"}[up]
				t.Run(st.name+"/"+link+"/"+md.name, func(t *testing.T) {
					a, sim := play(t, Scene{Name: "flow", User: supervisor(),
						Sim: simulator.Options{Retry: funds.RetryPolicy{Attempts: 1}}})
					journal := st.setup(t, a, sim)
					sim.Link.SetUp(up)
					sim.Faults.Set(md.mode, 20*time.Millisecond)

					openFunds(t, a)
					journal = append(journal, look(t, a, "funds"))
					if journal[len(journal)-1].pending {
						tap(t, a, IDTryAgain)
						journal = append(journal, look(t, a, "refill try again"))
					} else {
						journal = append(journal, refillDefault(t, a, "refill")...)
					}
					journal = append(journal, closeFailure(t, a))
					if a.Screen() == ScreenRefillComplete {
						tap(t, a, IDDone)
						openFunds(t, a)
					}
					require.Equal(t, ScreenFundsMeterFunds, a.Screen(), "%v", journal)
					tap(t, a, IDGetBalance)
					journal = append(journal, look(t, a, "get balance"))
					if a.Modal() != "" {
						tap(t, a, IDCancel)
						assert.Empty(t, a.Modal(), "Cancel closes the dialog")
						journal = append(journal, look(t, a, "get balance cancelled"))
					}
					noContradiction(t, journal)
					if t.Failed() {
						for _, s := range journal {
							t.Log(s)
						}
					}

					// Whatever happened, the next connection settles everything: nothing lost or made.
					sim.Link.SetUp(true)
					sim.Faults.Set(simulator.DCNormal, 0)
					require.NoError(t, sim.Meter.Reconcile(context.Background()))
					open, err := sim.Vault.OpenRefills(context.Background())
					require.NoError(t, err)
					assert.Empty(t, open)
					require.NoError(t, sim.Vault.Verify(context.Background()))
					require.NoError(t, sim.Store.CheckInvariants(context.Background()))
				})
			}
		}
	}
}

// openFunds goes to Meter Funds from Home.
func openFunds(t *testing.T, a *App) {
	t.Helper()
	if a.Screen() != ScreenHome {
		a.act(a.showHome)
		a.Settle() // Home reads its warnings and figures off the UI goroutine, then draws them
	}
	tap(t, a, IDFunds)
	require.Equal(t, ScreenFundsMeterFunds, a.Screen())
}

// refillDefault refills the default amount from Meter Funds and records what follows.
func refillDefault(t *testing.T, a *App, step string) []seen {
	t.Helper()
	if a.Screen() != ScreenFundsMeterFunds {
		openFunds(t, a)
	}
	tap(t, a, IDAddPostage)
	j := []seen{look(t, a, step+" options")}
	tap(t, a, IDRefillDefault)
	tap(t, a, IDConfirm)
	return append(j, look(t, a, step))
}

// closeFailure answers a failure dialog the way out that changes nothing: Cancel (then OK), or OK.
func closeFailure(t *testing.T, a *App) seen {
	t.Helper()
	switch s := look(t, a, "close"); {
	case a.Modal() == "":
		return s
	case s.has(IDCancel):
		tap(t, a, IDCancel)
	case s.has(IDOK):
		tap(t, a, IDOK)
	}
	s := look(t, a, "after close")
	if a.Modal() != "" && s.has(IDOK) {
		tap(t, a, IDOK)
	}
	if a.Screen() != ScreenRefillComplete && a.Screen() != ScreenFundsMeterFunds {
		openFunds(t, a)
	}
	return s
}
