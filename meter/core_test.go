package meter

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

func dollars(n int64) funds.Amount { return funds.Amount(n) * funds.Dollar }

// fund refills the rig's meter as the supervisor.
func (r *rig) fund(amount funds.Amount) Completion {
	r.t.Helper()
	c, err := r.m.Refill(r.ctx, r.super, amount, nil)
	require.NoError(r.t, err)
	return c
}

// later moves the clock forward; sessions idle that long have signed out, so both users sign in again.
func (r *rig) later(d time.Duration) {
	r.t.Helper()
	r.clock.Advance(d)
	r.super = r.signIn("Sue", "246813")
	r.oper = r.signIn("Oscar", "1357")
}

func TestOperatorWithoutRightsIsRefusedByTheCore(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		name  string
		right Right
		call  func() error
	}{
		{"refill", RightRefill, func() error { _, err := r.m.Refill(r.ctx, r.oper, dollars(50), nil); return err }},
		{"refill options", RightRefill, func() error { _, err := r.m.RefillOptions(r.ctx, r.oper); return err }},
		{"confirm", RightRefill, func() error { _, err := r.m.ConfirmRefill(r.ctx, r.oper, dollars(50)); return err }},
		{"low funds setting", RightRefillSettings, func() error { return r.m.SetLowFundsWarning(r.ctx, r.oper, dollars(5)) }},
		{"default refill setting", RightRefillSettings, func() error { return r.m.SetDefaultRefill(r.ctx, r.oper, dollars(50)) }},
		{"funds report", RightFundsReport, func() error { return r.m.PrintFundsReport(r.ctx, r.oper, OnTape) }},
		{"refill receipt", RightRefillReceipts, func() error { return r.m.PrintRefillReceipt(r.ctx, r.oper, OnTape) }},
		{"account codes", RightManageAccounts, func() error { return r.m.SetAccountCodes(r.ctx, r.oper, []string{"X"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, r.m.Can(r.oper, tt.right))
			err := tt.call()
			var nr *NoRightsError
			require.ErrorAs(t, err, &nr)
			assert.Equal(t, tt.right, nr.Right)
			assert.Equal(t, "Oscar", nr.User)
			assert.Equal(t, "No rights", Explain(err).Title)
		})
	}
	assert.Equal(t, funds.Registers{}, r.registers(), "nothing changed")
	set, err := r.m.Settings(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, Settings{LowFundsWarning: DefaultLowFundsWarning, DefaultRefill: DefaultRefillAmount}, set)
	assert.Empty(t, r.engine.Impressions())

	// The balance inquiry was granted to operators, so it works.
	_, err = r.m.GetBalance(r.ctx, r.oper)
	assert.NoError(t, err)
}

func TestRefillFailuresAreTyped(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(r *rig)
		amount funds.Amount
		check  func(t *testing.T, err error)
		title  string
	}{
		{"short of funds says how much can be added", nil, dollars(1600), func(t *testing.T, err error) {
			var d *funds.DeclinedError
			require.ErrorAs(t, err, &d)
			assert.ErrorIs(t, err, funds.ErrShortOfFunds)
			assert.Equal(t, dollars(1500).Mills(), d.Decline.MaxMills, "prepaid $1,000 + credit $500")
		}, "Account short of funds"},
		{"locked account", func(r *rig) { require.NoError(t, r.store.SetLocked(r.ctx, rigAccount, true)) }, dollars(50),
			func(t *testing.T, err error) { assert.ErrorIs(t, err, funds.ErrAccountLocked) }, "Account locked"},
		{"out of limits at the Data Center", nil, dollars(5), func(t *testing.T, err error) {
			assert.ErrorIs(t, err, funds.ErrOutOfLimits)
		}, "Amount out of limits"},
		{"out of limits known offline", func(r *rig) {
			_, err := r.m.GetBalance(r.ctx, r.super)
			require.NoError(t, err)
			r.link.SetUp(false)
		}, dollars(6000), func(t *testing.T, err error) {
			var oe *OutOfLimitsError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, dollars(5000), oe.Limits.Max)
		}, "Amount out of limits"},
		{"no connection leaves the refill pending", func(r *rig) { r.link.SetUp(false) }, dollars(50), func(t *testing.T, err error) {
			var p *funds.PendingRefillError
			require.ErrorAs(t, err, &p)
			assert.ErrorIs(t, err, funds.ErrNoConnection)
		}, "No connection to the Data Center"},
		{"zero amount", nil, 0, func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrZeroAmount) }, "Amount out of limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			if tt.setup != nil {
				tt.setup(r)
			}
			_, err := r.m.Refill(r.ctx, r.super, tt.amount, nil)
			require.Error(t, err)
			tt.check(t, err)
			assert.Equal(t, tt.title, Explain(err).Title)
			assert.Equal(t, funds.Amount(0), r.registers().Available, "nothing was added")
			r.link.SetUp(true)
			r.consistent()
		})
	}
}

func TestPendingRefillIsCompletedOrAbandonedByChoice(t *testing.T) {
	for _, choice := range []MessageID{ActionTryAgain, ActionCancel} {
		t.Run(string(choice), func(t *testing.T) {
			r := newRig(t)
			r.link.SetUp(false)
			_, err := r.m.Refill(r.ctx, r.super, dollars(200), nil)
			require.ErrorIs(t, err, funds.ErrNoConnection)
			assert.Equal(t, []MessageID{ActionTryAgain, ActionCancel}, Explain(err).Actions)

			pending, err := r.m.PendingRefill(r.ctx)
			require.NoError(t, err)
			require.NotNil(t, pending, "the refill is kept, never lost")
			warns, err := r.m.Warnings(r.ctx)
			require.NoError(t, err)
			assert.Contains(t, kinds(warns), WarnRefillPending)
			r.link.SetUp(true)
			_, err = r.m.Refill(r.ctx, r.super, dollars(20), nil)
			assert.ErrorIs(t, err, funds.ErrRefillPending, "no second refill until the clerk chose for the first")
			assert.Equal(t, "Refill pending", Explain(err).Title)

			if choice == ActionTryAgain {
				c, err := r.m.CompletePending(r.ctx, r.super, nil)
				require.NoError(t, err)
				assert.Equal(t, dollars(200), c.After)
				assert.Equal(t, dollars(200), r.account().Posted)
			} else {
				require.NoError(t, r.m.AbandonPending(r.ctx, r.super))
				assert.Equal(t, funds.Amount(0), r.registers().Available)
				assert.Equal(t, dollars(1000), r.account().Prepaid, "the hold is released")
			}
			pending, err = r.m.PendingRefill(r.ctx)
			require.NoError(t, err)
			assert.Nil(t, pending)
			r.consistent()
		})
	}
}

func kinds(ws []Warning) []WarningKind {
	var out []WarningKind
	for _, w := range ws {
		out = append(out, w.Kind)
	}
	return out
}

func TestInspectionLockAtDay28LiftsAfterBalanceInquiry(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(100))
	letter := Job{Class: ClassLetter, Weight: 10}

	r.later(20 * day)
	st, err := r.m.Inspection(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, InspectionOK, st.State)

	r.later(1 * day) // day 21: warning, printing still allowed
	warns, err := r.m.Warnings(r.ctx)
	require.NoError(t, err)
	assert.Contains(t, kinds(warns), WarnInspection)
	_, err = r.m.PrintPiece(r.ctx, r.super, letter, MediumEnvelope)
	require.NoError(t, err)
	r.m.ClearInspectionWarning() // the 7-day grace
	warns, _ = r.m.Warnings(r.ctx)
	assert.NotContains(t, kinds(warns), WarnInspection)

	r.later(7 * day) // day 28: locked
	before := r.registers()
	_, err = r.m.PrintPiece(r.ctx, r.super, letter, MediumEnvelope)
	var lock *InspectionLockError
	require.ErrorAs(t, err, &lock)
	assert.ErrorIs(t, err, ErrInspectionRequired)
	assert.Equal(t, 28, lock.Status.Days)
	assert.Equal(t, before, r.registers(), "a locked meter debits nothing")
	warns, _ = r.m.Warnings(r.ctx)
	assert.Contains(t, kinds(warns), WarnInspection, "a lock cannot be cleared away")

	// Reports still work while locked.
	require.NoError(t, r.m.PrintFundsReport(r.ctx, r.super, OnTape))

	// A balance inquiry is an inspection: printing works again.
	_, err = r.m.GetBalance(r.ctx, r.super)
	require.NoError(t, err)
	st, _ = r.m.Inspection(r.ctx)
	assert.Equal(t, InspectionOK, st.State)
	_, err = r.m.PrintPiece(r.ctx, r.super, letter, MediumEnvelope)
	require.NoError(t, err)
}

func TestRunMailRules(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	require.NoError(t, r.m.SetAccountCodes(r.ctx, r.super, []string{"SALES", "LEGAL"}))
	tests := []struct {
		name    string
		job     Job
		postage funds.Amount
		err     error
	}{
		{"letter 1 oz", Job{Class: ClassLetter, Weight: 10}, 780, nil},
		{"letter 1.1 oz pays 2 oz", Job{Class: ClassLetter, Weight: 11}, 1070, nil},
		{"postcard", Job{Class: ClassPostcard, Weight: 1}, 650, nil},
		{"key in postage", Job{KeyedPostage: 1234 * funds.Cent}, 1234 * funds.Cent, nil},
		{"key in too much", Job{KeyedPostage: dollars(150)}, 0, ErrPostageTooLarge},
		{"no class", Job{Weight: 10}, 0, ErrNoPostage},
		{"backdated", Job{Class: ClassLetter, Weight: 10, DateAdvance: -1}, 0, ErrBackdated},
		{"date too far", Job{Class: ClassLetter, Weight: 10, DateAdvance: MaxDateAdvanceDays + 1}, 0, ErrDateTooFar},
		{"date advanced", Job{Class: ClassLetter, Weight: 10, DateAdvance: 3}, 780, nil},
		{"account code", Job{Class: ClassLetter, Weight: 10, AccountCode: "SALES"}, 780, nil},
		{"unknown account code", Job{Class: ClassLetter, Weight: 10, AccountCode: "NOPE"}, 0, ErrUnknownAccount},
		{"overweight letter", Job{Class: ClassLetter, Weight: 40}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := r.registers()
			res, err := r.m.PrintPiece(r.ctx, r.super, tt.job, MediumTape)
			if tt.name == "overweight letter" {
				var ow *OverweightError
				require.ErrorAs(t, err, &ow)
				assert.Equal(t, "Too heavy for this class", Explain(err).Title)
				return
			}
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				assert.Equal(t, before, r.registers(), "a refused piece costs nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.postage, res.Piece.Amount)
			assert.Equal(t, before.Available-tt.postage, r.registers().Available)
			assert.Equal(t, before.Pieces+1, r.registers().Pieces)
			assert.Equal(t, before.BatchCount+1, r.registers().BatchCount)
		})
	}
	imps := r.engine.Impressions()
	last := imps[len(imps)-1].Indicium
	require.NotNil(t, last)
	assert.Equal(t, rigSerial, last.MeterSerial)
	assert.True(t, last.Simulation)
	want := time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local)
	assert.Equal(t, want, last.MailingDate)
}

func TestLowFundsWarningWhenAPrintCrossesIt(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(26))
	view, err := r.m.EnterRunMail(r.ctx, r.super)
	require.NoError(t, err)
	assert.NotContains(t, kinds(view.Warnings), WarnLowFunds, "$26 is above the $25 warning value")
	res, err := r.m.PrintPiece(r.ctx, r.super, Job{KeyedPostage: dollars(1) + 50*funds.Cent}, MediumTape)
	require.NoError(t, err)
	require.Len(t, res.Warnings, 1)
	assert.Equal(t, WarnLowFunds, res.Warnings[0].Kind)
	assert.Equal(t, ActionAddPostage, res.Warnings[0].Action)
	res, err = r.m.PrintPiece(r.ctx, r.super, Job{KeyedPostage: dollars(1)}, MediumTape)
	require.NoError(t, err)
	assert.Empty(t, res.Warnings, "warned once when crossing, not on every piece")
	view, err = r.m.EnterRunMail(r.ctx, r.super)
	require.NoError(t, err)
	assert.Contains(t, kinds(view.Warnings), WarnLowFunds, "and again on entering Run Mail")
}

func TestPrintEngineFaults(t *testing.T) {
	tests := []struct {
		name   string
		medium Medium
		status func(*EngineStatus)
		err    error
	}{
		{"no envelope", MediumEnvelope, func(s *EngineStatus) { s.EnvelopeOnFeedDeck = false }, ErrNoEnvelope},
		{"tape out", MediumTape, func(s *EngineStatus) { s.TapeLoaded = false }, ErrTapeOut},
		{"ink out", MediumEnvelope, func(s *EngineStatus) { s.Ink = InkOut }, ErrInkOut},
		{"jammed", MediumTape, func(s *EngineStatus) { s.Jammed = true }, ErrJam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.fund(dollars(20))
			r.engine.Update(tt.status)
			before := r.registers()
			_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, tt.medium)
			assert.ErrorIs(t, err, tt.err)
			var de *DeviceError
			require.ErrorAs(t, err, &de)
			assert.NotEmpty(t, de.Do, "the message says what to do")
			assert.Equal(t, before, r.registers(), "a blocked print debits nothing")
		})
	}
	t.Run("ink low warns and prints", func(t *testing.T) {
		r := newRig(t)
		r.fund(dollars(20))
		r.engine.Update(func(s *EngineStatus) { s.Ink = InkLow })
		res, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
		require.NoError(t, err)
		assert.Contains(t, kinds(res.Warnings), WarnInkLow)
	})
	t.Run("jam mid-print spoils the piece, never reprints it", func(t *testing.T) {
		r := newRig(t)
		r.fund(dollars(20))
		r.engine.FailNextPrint(ErrJam)
		_, err := r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
		var pf *PrintFailedError
		require.ErrorAs(t, err, &pf)
		assert.ErrorIs(t, err, ErrJam)
		regs := r.registers()
		assert.Equal(t, funds.Amount(780), regs.Used, "the postage was spent")
		view, err := r.m.Funds(r.ctx, r.super)
		require.NoError(t, err)
		assert.Equal(t, int64(1), view.SpoiledCount)
		assert.Equal(t, funds.Amount(780), view.SpoiledValue)
		assert.Empty(t, r.engine.Impressions(), "nothing was printed")
		report, err := r.m.FundsReport(r.ctx, r.super)
		require.NoError(t, err)
		spoiled, _ := report.Value("Spoiled pieces")
		assert.Equal(t, "1 ($0.780)", spoiled)
		used, _ := report.Value("Used")
		assert.Equal(t, "$0.780", used)
		// The jam stays until cleared; the next piece is refused before any debit.
		_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
		assert.ErrorIs(t, err, ErrJam)
		assert.Equal(t, regs, r.registers())
		r.consistent()
	})
}

func TestSettingsAndReports(t *testing.T) {
	r := newRig(t)
	require.NoError(t, r.m.SetLowFundsWarning(r.ctx, r.super, dollars(40)))
	_, err := r.m.GetBalance(r.ctx, r.super)
	require.NoError(t, err)
	assert.ErrorIs(t, r.m.SetDefaultRefill(r.ctx, r.super, dollars(6000)), funds.ErrOutOfLimits)
	require.NoError(t, r.m.SetDefaultRefill(r.ctx, r.super, dollars(200)))
	set, err := r.m.Settings(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, Settings{LowFundsWarning: dollars(40), DefaultRefill: dollars(200)}, set)

	for i, amount := range []int64{10, 20, 30, 40, 50, 60} {
		r.clock.Advance(time.Hour)
		r.fund(dollars(amount))
		_ = i
	}
	lines, err := r.m.LastRefills(r.ctx, 5)
	require.NoError(t, err)
	require.Len(t, lines, 5)
	assert.Equal(t, dollars(60), lines[0].Amount, "newest first")
	assert.Equal(t, dollars(20), lines[4].Amount)
	assert.Equal(t, "Sue", lines[0].User)
	assert.True(t, lines[0].At.After(lines[1].At))

	_, err = r.m.PrintPiece(r.ctx, r.super, Job{Class: ClassLetter, Weight: 10}, MediumEnvelope)
	require.NoError(t, err)
	report, err := r.m.FundsReport(r.ctx, r.super)
	require.NoError(t, err)
	for label, want := range map[string]string{
		"Available": "$209.220", "Used": "$0.780", "Control sum": "$210.000", "Total pieces": "1",
		"Batch count": "1", "Batch value": "$0.780", "Account number": rigAccount, "Indicia number": "PB0001234",
		"Meter number": rigSerial,
	} {
		got, ok := report.Value(label)
		assert.True(t, ok, label)
		assert.Equal(t, want, got, label)
	}
	info, err := r.m.Info(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, Limits{Min: dollars(10), Max: dollars(5000), Known: true}, info.Limits)
	assert.Equal(t, DefaultModel, info.Model.Name)

	require.NoError(t, r.m.UploadPostalInfo(r.ctx, r.super))
	meterAtDC, err := r.store.Meter(r.ctx, rigSerial)
	require.NoError(t, err)
	require.NotNil(t, meterAtDC.PostalInfo)
	assert.Equal(t, int64(1), meterAtDC.PostalInfo.Registers.Pieces)
}

func TestExplainCoversEveryFailure(t *testing.T) {
	for _, err := range []error{
		&NoRightsError{Right: RightRefill, User: "Oscar"},
		&funds.InsufficientFundsError{Needed: 780, Available: 100},
		&OutOfLimitsError{Amount: dollars(1), Limits: Limits{Min: dollars(10), Max: dollars(5000), Known: true}},
		&funds.DeclinedError{Decline: funds.Decline{Code: funds.CodeShortOfFunds, MaxMills: 50_000}},
		&funds.DeclinedError{Decline: funds.Decline{Code: funds.CodeAccountLocked}},
		&funds.PendingRefillError{Refill: funds.Refill{Amount: dollars(5)}, Err: funds.ErrNoConnection},
		funds.ErrRefillPending,
		&InspectionLockError{Status: InspectionStatus{State: InspectionRequired, Days: 30}},
		&DeviceError{"print engine", ErrNoEnvelope, "Place an envelope on the feed deck and select Start."},
		&PrintFailedError{Err: ErrJam},
		errors.New("disk full"),
	} {
		msg := Explain(err)
		assert.NotEmpty(t, msg.Title, "%v", err)
		assert.NotEmpty(t, msg.Text, "%v", err)
		assert.NotEmpty(t, msg.Actions, "%v", err)
	}
	assert.Contains(t, Explain(&funds.DeclinedError{Decline: funds.Decline{Code: funds.CodeShortOfFunds, MaxMills: 50_000}}).Text, "$50.00")
}

// TestConnectionIsKnownOnlyFromContact checks the meter says it is connected to its Data Center only
// after an answer, and offline only after a failed try: a new meter has not tried yet.
func TestConnectionIsKnownOnlyFromContact(t *testing.T) {
	r := newRig(t)
	assert.Equal(t, Connection{}, r.m.Connection(), "a new meter has not contacted its Data Center")
	insp, err := r.m.Inspection(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, insp.Days, "the inspection clock starts when the meter is installed")

	r.link.SetUp(false)
	_, err = r.m.GetBalance(r.ctx, r.super)
	require.Error(t, err)
	assert.True(t, r.m.Connection().Known && !r.m.Connection().OK, "offline after a contact without an answer")

	r.link.SetUp(true)
	_, err = r.m.GetBalance(r.ctx, r.super)
	require.NoError(t, err)
	assert.True(t, r.m.Connection().Known && r.m.Connection().OK, "connected after an answer")
}
