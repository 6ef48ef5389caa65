package datacenter_test

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// Register readings are validated wherever a meter reports them: with a reserve and with postal info.
func TestRegistersAreValidated(t *testing.T) { forEachStore(t, testRegistersAreValidated) }

func testRegistersAreValidated(t *testing.T, b backend) {
	max := int64(datacenter.MaxRegisterMills)
	cases := []struct {
		name string
		regs funds.RegisterReadings
		says string
	}{
		{"available at the int64 limit, control 1", funds.RegisterReadings{AvailableMills: math.MaxInt64, ControlMills: 1}, "registers.available_mills"},
		{"sum wraps around", funds.RegisterReadings{AvailableMills: math.MaxInt64, UsedMills: 1, ControlMills: math.MinInt64}, "registers.available_mills"},
		{"control is not available + used", funds.RegisterReadings{AvailableMills: 5000, UsedMills: 15000, ControlMills: 20001}, "not control_mills 20001"},
		{"negative used", funds.RegisterReadings{AvailableMills: 5000, UsedMills: -5000, ControlMills: 0}, "registers.used_mills"},
		{"above the bound", funds.RegisterReadings{AvailableMills: max + 1, ControlMills: max + 1}, "registers.available_mills"},
		{"pieces above the bound", funds.RegisterReadings{Pieces: datacenter.MaxPieces + 1}, "registers.pieces"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, datacenter.ValidateRegisters(tc.regs), datacenter.ErrInvalid)
			h := newHarnessOn(t, b)
			before := h.figures(acctA)
			body, err := json.Marshal(funds.ReserveRequest{AmountMills: 100 * dollar, Report: funds.Report{Registers: tc.regs, AuditSeq: 1, AuditHead: hexHead}})
			require.NoError(t, err)
			e := h.meter(m1).send(request{method: http.MethodPut, path: refillPath(m1, newID(t)), body: body}).
				errorBody(t, http.StatusBadRequest, funds.CodeBadRequest)
			assert.Contains(t, e.Error.Message, tc.says)
			assert.Equal(t, before, h.figures(acctA), "nothing reserved")

			body, err = json.Marshal(funds.PostalInfo{Registers: tc.regs, AuditHead: hexHead, AuditSeq: 1})
			require.NoError(t, err)
			e = h.meter(m1).send(request{method: http.MethodPost, path: "/v1/meters/" + m1 + "/postal-info", body: body}).
				errorBody(t, http.StatusBadRequest, funds.CodeBadRequest)
			assert.Contains(t, e.Error.Message, tc.says)
			m, err := h.store.Meter(h.ctx, m1)
			require.NoError(t, err)
			assert.Nil(t, m.PostalInfo, "nothing stored")
		})
	}
	// At the bound, readings that add up are accepted.
	require.NoError(t, datacenter.ValidateRegisters(funds.RegisterReadings{AvailableMills: max / 2, UsedMills: max / 2, ControlMills: max / 2 * 2, Pieces: datacenter.MaxPieces}))
	require.NoError(t, datacenter.ValidateRegisters(funds.RegisterReadings{}))
}

// A meter can make at most MaxTombstonesPerWindow tombstones (voids of ids never reserved) in
// TombstoneWindow; past it a void of an unseen id is a 429 and stores nothing. Voids of its real
// refills and repeated voids of a tombstone are never refused.
func TestTombstonesAreBounded(t *testing.T) { forEachStore(t, testTombstonesAreBounded) }

func testTombstonesAreBounded(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	m := h.meter(m2)
	held := newID(t)
	require.Equal(t, funds.DCReserved, m.reserve(held, 50*dollar).answer(t).State)
	var first string
	for i := 0; i < datacenter.MaxTombstonesPerWindow; i++ {
		id := newID(t)
		if i == 0 {
			first = id
		}
		require.Equal(t, funds.DCVoided, m.void(id).answer(t).State, "tombstone %d", i+1)
	}
	refills := h.figures(acctA).Refills
	e := m.void(newID(t)).errorBody(t, http.StatusTooManyRequests, datacenter.CodeTooManyVoids)
	assert.Contains(t, e.Error.Message, "contact customer service")
	assert.Equal(t, refills, h.figures(acctA).Refills, "no tombstone stored")

	// Each meter has its own allowance; the meter's real refill and a repeated void still work.
	assert.Equal(t, funds.DCVoided, h.meter(m1).void(newID(t)).answer(t).State)
	assert.Equal(t, funds.DCVoided, m.void(first).answer(t).State)
	assert.Equal(t, funds.DCVoided, m.void(held).answer(t).State)

	// A tombstone ages out of the window.
	h.clock.Advance(datacenter.TombstoneWindow - time.Minute)
	m.void(newID(t)).errorBody(t, http.StatusTooManyRequests, datacenter.CodeTooManyVoids)
	h.clock.Advance(2 * time.Minute)
	assert.Equal(t, funds.DCVoided, m.void(newID(t)).answer(t).State)
	h.checkInvariants()
}

// Administrative amounts are capped, so no sum the Data Center forms can overflow: an account at every
// cap takes reserves, posts and voids of the largest refill until it is short of funds, never a 500.
func TestAdminAmountsAreCapped(t *testing.T) { forEachStore(t, testAdminAmountsAreCapped) }

func testAdminAmountsAreCapped(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	ctx, st := h.ctx, h.store
	capA := datacenter.MaxAdminAmount
	const acct, serial = "55555555", "PM555555"
	require.ErrorIs(t, st.CreateAccount(ctx, acct, capA+funds.Mill), datacenter.ErrInvalid)
	require.NoError(t, st.CreateAccount(ctx, acct, capA))
	err := st.Deposit(ctx, acct, capA+funds.Mill)
	require.ErrorIs(t, err, datacenter.ErrInvalid)
	assert.Contains(t, err.Error(), "$10,000,000.001 is above the most the Data Center accepts, $10,000,000.00")
	require.ErrorIs(t, st.SetCreditLimit(ctx, acct, capA+funds.Mill), datacenter.ErrInvalid)
	require.ErrorIs(t, st.SetCreditLimit(ctx, acct, math.MaxInt64), datacenter.ErrInvalid)
	_, err = st.RegisterMeter(ctx, serial, acct, funds.Mill, capA+funds.Mill)
	require.ErrorIs(t, err, datacenter.ErrInvalid)
	_, err = st.RegisterMeter(ctx, serial, acct, math.MaxInt64, math.MaxInt64)
	require.ErrorIs(t, err, datacenter.ErrInvalid)
	h.register(serial, acct, funds.Mill, capA)

	// Deposits up to the account's total, then not a mill more.
	for i := funds.Amount(0); i < datacenter.MaxAccountDeposits/capA; i++ {
		require.NoError(t, st.Deposit(ctx, acct, capA))
	}
	err = st.Deposit(ctx, acct, funds.Mill)
	require.ErrorIs(t, err, datacenter.ErrInvalid)
	assert.Contains(t, err.Error(), "$0.00 more can be deposited")
	require.Equal(t, datacenter.MaxAccountDeposits, h.account(acct).Deposits)

	// The largest refills until the account is short: every answer a 200.
	m := h.meter(serial)
	n := 0
	for ; ; n++ {
		id := newID(t)
		ans := m.reserve(id, int64(capA)).answer(t)
		if ans.State == funds.DCDeclined {
			assert.Equal(t, funds.CodeShortOfFunds, ans.Decline.Code)
			break
		}
		require.Equal(t, funds.DCReserved, ans.State)
		// The same id again, and one more mill than the maximum: stored answer, then a decline.
		assert.Equal(t, ans, m.reserve(id, int64(capA)).answer(t))
		if n%2 == 0 {
			assert.Equal(t, funds.DCPosted, m.post(id).answer(t).State)
		} else if n%3 == 0 {
			assert.Equal(t, funds.DCVoided, m.void(id).answer(t).State)
		}
	}
	require.Greater(t, n, 100)
	d := m.reserve(newID(t), int64(capA+funds.Mill)).answer(t).Decline
	require.NotNil(t, d)
	assert.Equal(t, funds.CodeOutOfLimits, d.Code)
	h.checkInvariants()
}

// Amounts in messages are exact to the mill: $200.001 is not "$200.00 … above the maximum $200.00".
func TestMessagesShowAmountsToTheMill(t *testing.T) {
	forEachStore(t, testMessagesShowAmountsToTheMill)
}

func testMessagesShowAmountsToTheMill(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	d := h.meter(m2).reserve(newID(t), 200*dollar+1).answer(t).Decline
	require.NotNil(t, d)
	assert.Contains(t, d.Message, "$200.001 is above this meter's maximum refill of $200.00")
	d = h.meter(m2).reserve(newID(t), 1*dollar-5).answer(t).Decline
	require.NotNil(t, d)
	assert.Contains(t, d.Message, "$0.995 is below this meter's minimum refill of $1.00")

	// Account B: $100.00 prepaid; a hold of $90.0005… leaves $9.995, below M3's $10.00 minimum.
	require.Equal(t, funds.DCReserved, h.meter(m3).reserve(newID(t), 90*dollar+5).answer(t).State)
	d = h.meter(m3).reserve(newID(t), 10*dollar).answer(t).Decline
	require.NotNil(t, d)
	assert.Contains(t, d.Message, "can cover $9.995 now")
	err := h.store.SetCreditLimit(h.ctx, acctA, funds.Mill)
	require.NoError(t, err)
	require.Equal(t, funds.DCReserved, h.meter(m1).reserve(newID(t), 1000*dollar+1).answer(t).State)
	err = h.store.SetCreditLimit(h.ctx, acctA, 0)
	require.ErrorIs(t, err, datacenter.ErrInvalid)
	assert.Contains(t, err.Error(), "$0.001 of credit already used")
}
