package datacenter_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// The model of the Data Center the property test checks the real one against.
type modelAccount struct {
	deposits, prepaid, limit, used, reserved, posted int64
	locked                                           bool
}

type modelMeter struct {
	account  string
	min, max int64
}

type modelRefill struct {
	meter, account       string
	amount               int64
	state                string
	fromPrepaid, fromCrd int64
	tombstone            bool
	decline              *funds.Decline // code, min and max only
}

type model struct {
	accounts map[string]*modelAccount
	meters   map[string]modelMeter
	refills  map[string]*modelRefill
}

// newModel mirrors openHarness's fixture.
func newModel() *model {
	return &model{
		accounts: map[string]*modelAccount{
			acctA: {deposits: 1000 * dollar, prepaid: 1000 * dollar, limit: 500 * dollar},
			acctB: {deposits: 100 * dollar, prepaid: 100 * dollar},
		},
		meters: map[string]modelMeter{
			m1: {acctA, 10 * dollar, 5000 * dollar},
			m2: {acctA, 1 * dollar, 200 * dollar},
			m3: {acctB, 10 * dollar, 1000 * dollar},
		},
		refills: map[string]*modelRefill{},
	}
}

// outcome is what the model expects of a request: an error status and code, or a 200 with this refill.
type outcome struct {
	status int
	code   string
	refill modelRefill
}

func refused(status int, code string) outcome { return outcome{status: status, code: code} }

func (m *model) answered(r *modelRefill) outcome { return outcome{status: http.StatusOK, refill: *r} }

func (m *model) reserve(serial, id string, amount int64) outcome {
	if amount <= 0 {
		return refused(http.StatusBadRequest, funds.CodeBadRequest)
	}
	if r, ok := m.refills[id]; ok {
		switch {
		case r.meter != serial:
			return refused(http.StatusConflict, datacenter.CodeRefillIDTaken)
		case !r.tombstone && r.amount != amount:
			return refused(http.StatusConflict, funds.CodeAmountConflict)
		}
		return m.answered(r)
	}
	mt := m.meters[serial]
	a := m.accounts[mt.account]
	r := &modelRefill{meter: serial, account: mt.account, amount: amount}
	m.refills[id] = r
	avail := a.prepaid + a.limit - a.used
	switch {
	case a.locked:
		r.state, r.decline = funds.DCDeclined, &funds.Decline{Code: funds.CodeAccountLocked}
	case amount < mt.min || amount > mt.max:
		r.state, r.decline = funds.DCDeclined, &funds.Decline{Code: funds.CodeOutOfLimits, MinMills: mt.min, MaxMills: mt.max}
	case amount > avail:
		r.state, r.decline = funds.DCDeclined, &funds.Decline{Code: funds.CodeShortOfFunds, MaxMills: min(avail, mt.max)}
	default:
		r.state = funds.DCReserved
		r.fromPrepaid = min(amount, a.prepaid)
		r.fromCrd = amount - r.fromPrepaid
		a.prepaid -= r.fromPrepaid
		a.used += r.fromCrd
		a.reserved += amount
	}
	return m.answered(r)
}

func (m *model) post(serial, id string) outcome {
	r, ok := m.refills[id]
	if !ok || r.meter != serial {
		return refused(http.StatusNotFound, funds.CodeUnknownRefill)
	}
	switch r.state {
	case funds.DCVoided:
		return refused(http.StatusConflict, funds.CodeRefillVoided)
	case funds.DCDeclined:
		return refused(http.StatusConflict, funds.CodeRefillDeclined)
	case funds.DCReserved:
		a := m.accounts[r.account]
		a.reserved -= r.amount
		a.posted += r.amount
		r.state = funds.DCPosted
	}
	return m.answered(r)
}

func (m *model) void(serial, id string) outcome {
	r, ok := m.refills[id]
	if ok && r.meter != serial {
		return refused(http.StatusConflict, datacenter.CodeRefillIDTaken)
	}
	if !ok {
		r = &modelRefill{meter: serial, account: m.meters[serial].account, state: funds.DCVoided, tombstone: true}
		m.refills[id] = r
	}
	switch r.state {
	case funds.DCPosted:
		return refused(http.StatusConflict, funds.CodeRefillPosted)
	case funds.DCReserved:
		a := m.accounts[r.account]
		a.reserved -= r.amount
		a.prepaid += r.fromPrepaid
		a.used -= r.fromCrd
		r.state = funds.DCVoided
	}
	return m.answered(r)
}

func (m *model) get(serial, id string) outcome {
	r, ok := m.refills[id]
	if !ok || r.meter != serial {
		return refused(http.StatusNotFound, funds.CodeUnknownRefill)
	}
	return m.answered(r)
}

// checkOutcome compares a response with the model's expectation, including the balance in the answer.
func (m *model) checkOutcome(t *rapid.T, serial, id string, res response, want outcome) {
	t.Helper()
	if want.status != http.StatusOK {
		res.errorBody(t, want.status, want.code)
		return
	}
	got := res.answer(t)
	require.Equal(t, id, got.ID)
	require.Equal(t, want.refill.state, got.State)
	require.Equal(t, want.refill.amount, got.AmountMills)
	if want.refill.decline == nil {
		require.Nil(t, got.Decline)
	} else {
		require.NotNil(t, got.Decline)
		require.Equal(t, *want.refill.decline, funds.Decline{Code: got.Decline.Code, MinMills: got.Decline.MinMills, MaxMills: got.Decline.MaxMills})
	}
	mt := m.meters[serial]
	a := m.accounts[mt.account]
	require.Equal(t, funds.AccountBalance{AccountNumber: mt.account, PrepaidMills: a.prepaid, CreditLimitMills: a.limit,
		CreditUsedMills: a.used, CreditAvailableMills: a.limit - a.used, Locked: a.locked,
		MinRefillMills: mt.min, MaxRefillMills: mt.max}, *got.Account)
}

// TestRefillStateMachine drives random reserve/post/void/get/deposit/lock/credit-limit actions on a few
// ids and meters; after every step CheckInvariants passes and every figure and refill agrees with the model.
func TestRefillStateMachine(t *testing.T) {
	forEachStore(t, testRefillStateMachine)
}

func testRefillStateMachine(t *testing.T, b backend) {
	loc := b.fresh(t)
	rapid.Check(t, func(rt *rapid.T) {
		h := openHarnessOn(rt, b, loc)
		defer func() {
			h.Close()
			require.NoError(rt, b.reset(loc))
		}()
		md := newModel()
		ids := make([]string, 6)
		for i := range ids {
			ids[i] = newID(rt)
		}
		serials := []string{m1, m2, m3}
		accounts := []string{acctA, acctB}
		amountGen := rapid.OneOf(
			rapid.Map(rapid.Int64Range(1, 1700), func(d int64) int64 { return d * dollar }), // whole dollars
			rapid.Int64Range(1, 1_700_000), // any mills
			rapid.SampledFrom([]int64{0, -dollar, 10 * dollar, 200 * dollar, 5000 * dollar, 5000*dollar + 1}),
		)
		meterOp := func(send func(*meter, string) response, expect func(string, string) outcome) func(*rapid.T) {
			return func(rt *rapid.T) {
				serial := rapid.SampledFrom(serials).Draw(rt, "meter")
				id := rapid.SampledFrom(ids).Draw(rt, "id")
				want := expect(serial, id)
				md.checkOutcome(rt, serial, id, send(h.meter(serial), id), want)
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"reserve": func(rt *rapid.T) {
				serial := rapid.SampledFrom(serials).Draw(rt, "meter")
				id := rapid.SampledFrom(ids).Draw(rt, "id")
				amount := amountGen.Draw(rt, "amount")
				want := md.reserve(serial, id, amount)
				md.checkOutcome(rt, serial, id, h.meter(serial).reserve(id, amount), want)
			},
			"post": meterOp((*meter).post, md.post),
			"void": meterOp((*meter).void, md.void),
			"get":  meterOp((*meter).get, md.get),
			"deposit": func(rt *rapid.T) {
				number := rapid.SampledFrom(accounts).Draw(rt, "account")
				amount := rapid.Int64Range(1, 3000*dollar).Draw(rt, "deposit")
				require.NoError(rt, h.store.Deposit(h.ctx, number, funds.Amount(amount)))
				md.accounts[number].deposits += amount
				md.accounts[number].prepaid += amount
			},
			"lock": func(rt *rapid.T) {
				number := rapid.SampledFrom(accounts).Draw(rt, "account")
				locked := rapid.Bool().Draw(rt, "locked")
				require.NoError(rt, h.store.SetLocked(h.ctx, number, locked))
				md.accounts[number].locked = locked
			},
			"credit-limit": func(rt *rapid.T) {
				number := rapid.SampledFrom(accounts).Draw(rt, "account")
				limit := rapid.Int64Range(0, 2000*dollar).Draw(rt, "limit")
				err := h.store.SetCreditLimit(h.ctx, number, funds.Amount(limit))
				if a := md.accounts[number]; limit < a.used {
					require.ErrorIs(rt, err, datacenter.ErrInvalid)
				} else {
					require.NoError(rt, err)
					a.limit = limit
				}
			},
			"": func(rt *rapid.T) { md.checkStore(rt, h) },
		})
	})
}

// checkStore compares the whole store with the model and runs CheckInvariants.
func (m *model) checkStore(t *rapid.T, h *harness) {
	t.Helper()
	require.NoError(t, h.store.CheckInvariants(h.ctx))
	for number, want := range m.accounts {
		a, err := h.store.Account(h.ctx, number)
		require.NoError(t, err)
		got := modelAccount{a.Deposits.Mills(), a.Prepaid.Mills(), a.CreditLimit.Mills(), a.CreditUsed.Mills(),
			a.Reserved.Mills(), a.Posted.Mills(), a.Locked}
		require.Equal(t, *want, got, "account %s", number)
	}
	all, err := h.store.Refills(h.ctx)
	require.NoError(t, err)
	require.Len(t, all, len(m.refills))
	for _, r := range all {
		want, ok := m.refills[r.ID]
		require.True(t, ok, "refill %s not in the model", r.ID)
		var dec *funds.Decline
		if r.Decline != nil {
			dec = &funds.Decline{Code: r.Decline.Code, MinMills: r.Decline.MinMills, MaxMills: r.Decline.MaxMills}
		}
		got := modelRefill{r.Meter, r.Account, r.Amount.Mills(), r.State, r.FromPrepaid.Mills(), r.FromCredit.Mills(), r.Tombstone, dec}
		require.Equal(t, *want, got, "refill %s", r.ID)
		require.Equal(t, r.State == funds.DCReserved, r.Resolved.IsZero())
	}
}
