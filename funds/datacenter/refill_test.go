package datacenter_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

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

func TestRefillProtocol(t *testing.T) {
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
			h := newHarness(t)
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
				acct := h.account(m.h.store.MustAccountOf(t, m.serial))
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
