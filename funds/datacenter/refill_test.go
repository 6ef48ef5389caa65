package datacenter_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

const dollar = int64(funds.Dollar)

type step struct {
	op     string // reserve, post, void, get
	meter  string // m1 if empty
	id     int    // index into the case's ids
	amount int64  // mills, for reserve
	status int    // 200 if zero
	state  string // expected state for a 200
	code   string // decline code (200) or error code (non-200)
	// expected answer amount; the reserve amount if nil
	answerAmount *int64
	minMills     int64 // expected Decline.MinMills / MaxMills, when set
	maxMills     int64
}

func ptr(v int64) *int64 { return &v }

func TestRefillProtocol(t *testing.T) { forEachStore(t, testRefillProtocol) }

func testRefillProtocol(t *testing.T, b backend) {
	type want struct{ prepaid, creditUsed, reserved, posted int64 }
	cases := []struct {
		name  string
		setup func(h *harness)
		steps []step
		want  want // account A afterwards, in mills
	}{
		{
			name: "reserve, post, post again is idempotent",
			steps: []step{
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
				{op: "post", state: funds.DCPosted, answerAmount: ptr(200 * dollar)},
				{op: "post", state: funds.DCPosted, answerAmount: ptr(200 * dollar)},
				{op: "get", state: funds.DCPosted, answerAmount: ptr(200 * dollar)},
			},
			want: want{prepaid: 800 * dollar, posted: 200 * dollar},
		},
		{
			name: "reserve, void, void again releases once",
			steps: []step{
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
				{op: "void", state: funds.DCVoided, answerAmount: ptr(200 * dollar)},
				{op: "void", state: funds.DCVoided, answerAmount: ptr(200 * dollar)},
				{op: "get", state: funds.DCVoided, answerAmount: ptr(200 * dollar)},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "void of a posted refill is refused",
			steps: []step{
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
				{op: "post", state: funds.DCPosted, answerAmount: ptr(200 * dollar)},
				{op: "void", status: http.StatusConflict, code: funds.CodeRefillPosted},
			},
			want: want{prepaid: 800 * dollar, posted: 200 * dollar},
		},
		{
			name: "post of a voided refill is refused",
			steps: []step{
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
				{op: "void", state: funds.DCVoided, answerAmount: ptr(200 * dollar)},
				{op: "post", status: http.StatusConflict, code: funds.CodeRefillVoided},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "same id, same amount returns the stored answer and holds once",
			steps: []step{
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
			},
			want: want{prepaid: 800 * dollar, reserved: 200 * dollar},
		},
		{
			name: "same id, another amount is a conflict",
			steps: []step{
				{op: "reserve", amount: 200 * dollar, state: funds.DCReserved},
				{op: "reserve", amount: 300 * dollar, status: http.StatusConflict, code: funds.CodeAmountConflict},
				{op: "get", state: funds.DCReserved, answerAmount: ptr(200 * dollar)},
			},
			want: want{prepaid: 800 * dollar, reserved: 200 * dollar},
		},
		{
			name: "short of funds is declined; post refused, void answers declined",
			steps: []step{
				{op: "reserve", amount: 1600 * dollar, state: funds.DCDeclined, code: funds.CodeShortOfFunds, maxMills: 1500 * dollar},
				{op: "post", status: http.StatusConflict, code: funds.CodeRefillDeclined},
				{op: "void", state: funds.DCDeclined, code: funds.CodeShortOfFunds, answerAmount: ptr(1600 * dollar), maxMills: 1500 * dollar},
				{op: "get", state: funds.DCDeclined, code: funds.CodeShortOfFunds, answerAmount: ptr(1600 * dollar), maxMills: 1500 * dollar},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "below the meter's minimum is declined",
			steps: []step{
				{op: "reserve", amount: 9999, state: funds.DCDeclined, code: funds.CodeOutOfLimits, minMills: 10 * dollar, maxMills: 5000 * dollar},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "above the meter's maximum is declined",
			steps: []step{
				{op: "reserve", amount: 5000*dollar + 1, state: funds.DCDeclined, code: funds.CodeOutOfLimits, minMills: 10 * dollar, maxMills: 5000 * dollar},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name:  "a locked account is declined",
			setup: func(h *harness) { require.NoError(h.t, h.store.SetLocked(h.ctx, acctA, true)) },
			steps: []step{
				{op: "reserve", amount: 20 * dollar, state: funds.DCDeclined, code: funds.CodeAccountLocked},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "void of an unknown id stores a tombstone; a late reserve answers voided and holds nothing",
			steps: []step{
				{op: "void", state: funds.DCVoided, answerAmount: ptr(0)},
				{op: "reserve", amount: 200 * dollar, state: funds.DCVoided, answerAmount: ptr(0)},
				{op: "reserve", amount: 300 * dollar, state: funds.DCVoided, answerAmount: ptr(0)},
				{op: "post", status: http.StatusConflict, code: funds.CodeRefillVoided},
				{op: "void", state: funds.DCVoided, answerAmount: ptr(0)},
				{op: "get", state: funds.DCVoided, answerAmount: ptr(0)},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "post and get of an unknown id are 404",
			steps: []step{
				{op: "post", status: http.StatusNotFound, code: funds.CodeUnknownRefill},
				{op: "get", status: http.StatusNotFound, code: funds.CodeUnknownRefill},
			},
			want: want{prepaid: 1000 * dollar},
		},
		{
			name: "another meter's id is neither shown nor touched",
			steps: []step{
				{op: "reserve", amount: 50 * dollar, state: funds.DCReserved},
				{op: "reserve", meter: m2, amount: 50 * dollar, status: http.StatusConflict, code: datacenter.CodeRefillIDTaken},
				{op: "reserve", meter: m3, amount: 50 * dollar, status: http.StatusConflict, code: datacenter.CodeRefillIDTaken},
				{op: "get", meter: m2, status: http.StatusNotFound, code: funds.CodeUnknownRefill},
				{op: "post", meter: m2, status: http.StatusNotFound, code: funds.CodeUnknownRefill},
				{op: "void", meter: m2, status: http.StatusConflict, code: datacenter.CodeRefillIDTaken},
				{op: "post", state: funds.DCPosted, answerAmount: ptr(50 * dollar)},
			},
			want: want{prepaid: 950 * dollar, posted: 50 * dollar},
		},
		{
			name: "prepaid first, then credit",
			steps: []step{
				{op: "reserve", amount: 1200 * dollar, state: funds.DCReserved},
			},
			want: want{prepaid: 0, creditUsed: 200 * dollar, reserved: 1200 * dollar},
		},
		{
			name: "exactly prepaid plus credit is allowed",
			steps: []step{
				{op: "reserve", amount: 1500 * dollar, state: funds.DCReserved},
				{op: "reserve", id: 1, amount: 10 * dollar, state: funds.DCDeclined, code: funds.CodeShortOfFunds},
			},
			want: want{prepaid: 0, creditUsed: 500 * dollar, reserved: 1500 * dollar},
		},
		{
			name: "zero and negative amounts are bad requests",
			steps: []step{
				{op: "reserve", amount: 0, status: http.StatusBadRequest, code: funds.CodeBadRequest},
				{op: "reserve", amount: -5 * dollar, status: http.StatusBadRequest, code: funds.CodeBadRequest},
				{op: "get", status: http.StatusNotFound, code: funds.CodeUnknownRefill},
			},
			want: want{prepaid: 1000 * dollar},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessOn(t, b)
			if tc.setup != nil {
				tc.setup(h)
			}
			ids := []string{newID(t), newID(t)}
			for i, s := range tc.steps {
				t.Logf("step %d: %s %d", i, s.op, s.amount)
				m := h.meter(m1)
				if s.meter != "" {
					m = h.meter(s.meter)
				}
				var res response
				switch s.op {
				case "reserve":
					res = m.reserve(ids[s.id], s.amount)
				case "post":
					res = m.post(ids[s.id])
				case "void":
					res = m.void(ids[s.id])
				case "get":
					res = m.get(ids[s.id])
				default:
					t.Fatalf("bad op %q", s.op)
				}
				if s.status != 0 && s.status != http.StatusOK {
					res.errorBody(t, s.status, s.code)
					continue
				}
				a := res.answer(t)
				assert.Equal(t, ids[s.id], a.ID)
				assert.Equal(t, s.state, a.State, "step %d", i)
				wantAmount := s.amount
				if s.answerAmount != nil {
					wantAmount = *s.answerAmount
				}
				assert.Equal(t, wantAmount, a.AmountMills, "step %d", i)
				if s.state == funds.DCDeclined {
					require.NotNil(t, a.Decline, "step %d", i)
					assert.Equal(t, s.code, a.Decline.Code)
					assert.NotEmpty(t, a.Decline.Message)
					if s.maxMills != 0 || s.minMills != 0 {
						assert.Equal(t, s.maxMills, a.Decline.MaxMills, "step %d MaxMills", i)
						assert.Equal(t, s.minMills, a.Decline.MinMills, "step %d MinMills", i)
					}
				} else {
					assert.Nil(t, a.Decline, "step %d", i)
				}
				// The answer's balance is the account now.
				acct := h.account(h.meterAccount(m.serial))
				assert.Equal(t, acct.Prepaid.Mills(), a.Account.PrepaidMills, "step %d", i)
				assert.Equal(t, acct.CreditUsed.Mills(), a.Account.CreditUsedMills, "step %d", i)
				h.checkInvariants()
			}
			a := h.account(acctA)
			assert.Equal(t, tc.want, want{a.Prepaid.Mills(), a.CreditUsed.Mills(), a.Reserved.Mills(), a.Posted.Mills()})
			assert.Equal(t, 1000*dollar, a.Deposits.Mills(), "deposits never change by refills")
			h.checkInvariants()
		})
	}
}

func TestPrepaidThenCreditAndExactReleaseOnVoid(t *testing.T) {
	forEachStore(t, testPrepaidThenCreditAndExactReleaseOnVoid)
}

func testPrepaidThenCreditAndExactReleaseOnVoid(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	first, second, third := newID(t), newID(t), newID(t)
	require.Equal(t, funds.DCReserved, h.meter(m1).reserve(first, 800*dollar).answer(t).State)
	a := h.meter(m1).reserve(second, 400*dollar).answer(t) // 200 prepaid + 200 credit
	require.Equal(t, funds.DCReserved, a.State)
	assert.Equal(t, int64(0), a.Account.PrepaidMills)
	assert.Equal(t, 200*dollar, a.Account.CreditUsedMills)
	assert.Equal(t, 300*dollar, a.Account.CreditAvailableMills)
	require.Equal(t, funds.DCReserved, h.meter(m2).reserve(third, 150*dollar).answer(t).State) // all credit

	byID := func() map[string]datacenter.Refill {
		out := map[string]datacenter.Refill{}
		for _, r := range h.account(acctA).Refills {
			out[r.ID] = r
		}
		return out
	}
	rs := byID()
	assert.Equal(t, [2]funds.Amount{800 * funds.Dollar, 0}, [2]funds.Amount{rs[first].FromPrepaid, rs[first].FromCredit})
	assert.Equal(t, [2]funds.Amount{200 * funds.Dollar, 200 * funds.Dollar}, [2]funds.Amount{rs[second].FromPrepaid, rs[second].FromCredit})
	assert.Equal(t, [2]funds.Amount{0, 150 * funds.Dollar}, [2]funds.Amount{rs[third].FromPrepaid, rs[third].FromCredit})
	assert.Equal(t, m2, rs[third].Meter)

	// A deposit goes to prepaid; it does not change what the holds drew.
	require.NoError(t, h.store.Deposit(h.ctx, acctA, 100*funds.Dollar))
	// Voiding the second returns exactly $200 to prepaid and $200 to the credit line.
	require.Equal(t, funds.DCVoided, h.meter(m1).void(second).answer(t).State)
	acct := h.account(acctA)
	assert.Equal(t, 300*funds.Dollar, acct.Prepaid)
	assert.Equal(t, 150*funds.Dollar, acct.CreditUsed)
	require.Equal(t, funds.DCPosted, h.meter(m1).post(first).answer(t).State)
	require.Equal(t, funds.DCVoided, h.meter(m2).void(third).answer(t).State)
	acct = h.account(acctA)
	assert.Equal(t, figures{Deposits: 1100 * funds.Dollar, Prepaid: 300 * funds.Dollar, CreditLimit: 500 * funds.Dollar,
		Posted: 800 * funds.Dollar, Refills: 3}, h.figures(acctA))
	rs = byID()
	assert.False(t, rs[first].Resolved.IsZero())
	assert.Equal(t, funds.DCVoided, rs[second].State)
	h.checkInvariants()
}

func TestDeclineMessages(t *testing.T) { forEachStore(t, testDeclineMessages) }

func testDeclineMessages(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	d := h.meter(m1).reserve(newID(t), 5*dollar).answer(t).Decline
	require.NotNil(t, d)
	assert.Contains(t, d.Message, "$10.00")
	assert.Contains(t, d.Message, "$5,000.00")
	assert.Contains(t, d.Message, "minimum")

	d = h.meter(m1).reserve(newID(t), 1600*dollar).answer(t).Decline
	require.NotNil(t, d)
	assert.Contains(t, d.Message, "you can add up to $1,500.00")

	// Account B: $100 prepaid, no credit; after a $95 hold only $5 is left, below M3's $10 minimum.
	require.Equal(t, funds.DCReserved, h.meter(m3).reserve(newID(t), 95*dollar).answer(t).State)
	d = h.meter(m3).reserve(newID(t), 20*dollar).answer(t).Decline
	require.NotNil(t, d)
	assert.Equal(t, funds.CodeShortOfFunds, d.Code)
	assert.Equal(t, 5*dollar, d.MaxMills)
	assert.Contains(t, d.Message, "deposit funds")

	require.NoError(t, h.store.SetLocked(h.ctx, acctB, true))
	d = h.meter(m3).reserve(newID(t), 20*dollar).answer(t).Decline
	require.NotNil(t, d)
	assert.Equal(t, funds.CodeAccountLocked, d.Code)
	assert.Contains(t, d.Message, acctB)
}

func TestStoredAnswerSurvivesAccountChanges(t *testing.T) {
	forEachStore(t, testStoredAnswerSurvivesAccountChanges)
}

func testStoredAnswerSurvivesAccountChanges(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	m := h.meter(m1)
	reserved, short, locked := newID(t), newID(t), newID(t)

	first := m.reserve(reserved, 300*dollar).answer(t)
	require.Equal(t, funds.DCReserved, first.State)
	shortAns := m.reserve(short, 2000*dollar).answer(t)
	require.Equal(t, funds.DCDeclined, shortAns.State)

	require.NoError(t, h.store.SetLocked(h.ctx, acctA, true))
	lockedAns := m.reserve(locked, 20*dollar).answer(t)
	require.Equal(t, funds.CodeAccountLocked, lockedAns.Decline.Code)
	// Locked now, yet the reserved id still answers reserved.
	again := m.reserve(reserved, 300*dollar).answer(t)
	assert.Equal(t, funds.DCReserved, again.State)
	assert.True(t, again.Account.Locked)

	require.NoError(t, h.store.SetLocked(h.ctx, acctA, false))
	require.NoError(t, h.store.Deposit(h.ctx, acctA, 5000*funds.Dollar))
	require.NoError(t, h.store.SetCreditLimit(h.ctx, acctA, 0))
	// Enough money and unlocked now, yet the declines stand exactly as stored.
	shortAgain := m.reserve(short, 2000*dollar).answer(t)
	assert.Equal(t, shortAns.Decline, shortAgain.Decline)
	assert.Equal(t, funds.DCDeclined, shortAgain.State)
	lockedAgain := m.reserve(locked, 20*dollar).answer(t)
	assert.Equal(t, lockedAns.Decline, lockedAgain.Decline)
	// Only the first hold exists.
	assert.Equal(t, 300*funds.Dollar, h.account(acctA).Reserved)
	h.checkInvariants()
}

func TestCreditLimitCannotGoBelowUsed(t *testing.T) {
	forEachStore(t, testCreditLimitCannotGoBelowUsed)
}

func testCreditLimitCannotGoBelowUsed(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	require.Equal(t, funds.DCReserved, h.meter(m1).reserve(newID(t), 1100*dollar).answer(t).State)
	err := h.store.SetCreditLimit(h.ctx, acctA, 50*funds.Dollar)
	require.ErrorIs(t, err, datacenter.ErrInvalid)
	assert.Contains(t, err.Error(), "$100.00")
	require.NoError(t, h.store.SetCreditLimit(h.ctx, acctA, 100*funds.Dollar))
	assert.Equal(t, funds.Amount(0), h.account(acctA).CreditAvailable())
}

func TestBalanceInquiryRecordsContact(t *testing.T) {
	forEachStore(t, testBalanceInquiryRecordsContact)
}

func testBalanceInquiryRecordsContact(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	m, err := h.store.Meter(h.ctx, m1)
	require.NoError(t, err)
	assert.True(t, m.LastContact.IsZero())

	h.clock.Advance(90 * time.Minute)
	res := h.meter(m1).balance()
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	var bal funds.AccountBalance
	require.NoError(t, json.Unmarshal(res.body, &bal))
	assert.Equal(t, funds.AccountBalance{Serial: m1, Time: h.clock.Now(), AccountNumber: acctA, PrepaidMills: 1000 * dollar,
		CreditLimitMills: 500 * dollar, CreditAvailableMills: 500 * dollar, MinRefillMills: 10 * dollar,
		MaxRefillMills: 5000 * dollar}, bal)
	m, err = h.store.Meter(h.ctx, m1)
	require.NoError(t, err)
	assert.True(t, h.clock.Now().Equal(m.LastContact), "last contact %v, want %v", m.LastContact, h.clock.Now())

	// A reserve (even a declined one) also counts as a contact.
	h.clock.Advance(time.Hour)
	h.meter(m1).reserve(newID(t), 1*dollar).answer(t)
	m, err = h.store.Meter(h.ctx, m1)
	require.NoError(t, err)
	assert.True(t, h.clock.Now().Equal(m.LastContact))

	// And so does a post (on PostgreSQL recorded with the nonce, in no statement of its own).
	id := newID(t)
	h.meter(m1).reserve(id, 20*dollar).answer(t)
	h.clock.Advance(time.Minute)
	h.meter(m1).post(id).answer(t)
	m, err = h.store.Meter(h.ctx, m1)
	require.NoError(t, err)
	assert.True(t, h.clock.Now().Equal(m.LastContact), "last contact %v, want %v", m.LastContact, h.clock.Now())
}

func TestPostalInfoUpload(t *testing.T) { forEachStore(t, testPostalInfoUpload) }

func testPostalInfoUpload(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	id := newID(t)
	h.meter(m2).reserve(id, 100*dollar).answer(t)
	h.meter(m2).post(id).answer(t)
	info := funds.PostalInfo{
		Registers: funds.RegisterReadings{AvailableMills: 64270, UsedMills: 35730, ControlMills: 100000, Pieces: 812},
		AuditHead: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		AuditSeq:  1234,
	}
	body, err := json.Marshal(info)
	require.NoError(t, err)
	h.clock.Advance(42 * time.Second)
	res := h.meter(m2).send(request{method: http.MethodPost, path: "/v1/meters/" + m2 + "/postal-info", body: body})
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	var rec funds.PostalInfoReceipt
	require.NoError(t, json.Unmarshal(res.body, &rec))
	assert.True(t, h.clock.Now().Equal(rec.Time), "received %v", rec.Time)
	assert.Equal(t, m2, rec.Serial)
	assert.Equal(t, int64(1234), rec.AuditSeq)

	m, err := h.store.Meter(h.ctx, m2)
	require.NoError(t, err)
	require.NotNil(t, m.PostalInfo)
	assert.Equal(t, info, *m.PostalInfo)
	assert.True(t, h.clock.Now().Equal(m.LastContact))
	assert.True(t, h.clock.Now().Equal(m.PostalInfoAt))

	bad := []byte(`{"registers":{"available_mills":-1},"audit_head":"x","audit_seq":1}`)
	res = h.meter(m2).send(request{method: http.MethodPost, path: "/v1/meters/" + m2 + "/postal-info", body: bad})
	e := res.errorBody(t, http.StatusBadRequest, funds.CodeBadRequest)
	assert.Contains(t, e.Error.Message, "available_mills")
	m, err = h.store.Meter(h.ctx, m2)
	require.NoError(t, err)
	assert.Equal(t, info, *m.PostalInfo, "a refused upload changes nothing")
}

// Many retries of one id at once: one hold, one answer.
func TestConcurrentRetriesOfOneID(t *testing.T) { forEachStore(t, testConcurrentRetriesOfOneID) }

func testConcurrentRetriesOfOneID(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	id := newID(t)
	const n = 12
	answers := make([]response, n)
	var wg sync.WaitGroup
	// One report for all: a meter sends one request at a time, so the retries carry the same report.
	m := h.meter(m1)
	send := func(id string, body []byte) response {
		return m.send(request{method: http.MethodPut, path: refillPath(m1, id), body: body})
	}
	body := m.reserveBody(700 * dollar)
	for i := range n {
		wg.Go(func() { answers[i] = send(id, body) })
	}
	wg.Wait()
	for i := range n {
		a := answers[i].answer(t)
		assert.Equal(t, funds.DCReserved, a.State)
		assert.Equal(t, 700*dollar, a.AmountMills)
	}
	assert.Equal(t, 700*funds.Dollar, h.account(acctA).Reserved)

	// Different ids at once never overdraw: $1,500 covers exactly two $700 holds.
	for i := range n {
		wg.Go(func() { answers[i] = send(newID(t), body) })
	}
	wg.Wait()
	reserved := 0
	for i := range n {
		if answers[i].answer(t).State == funds.DCReserved {
			reserved++
		}
	}
	assert.Equal(t, 1, reserved, fmt.Sprintf("only $800 was left after the first hold; %d more were reserved", reserved))
	h.checkInvariants()
}
