package datacenter_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// TestFiftyWayRaces: fifty meters on one account ask at once, on each store. The account covers 37 of
// the 50 holds, so exactly 37 are reserved and 13 declined, whatever the order; then all post or void at
// once while deposits arrive; then pairs of meters race for the same refill ids, and each id goes to one.
// The figures and CheckInvariants agree at the end of every round.
func TestFiftyWayRaces(t *testing.T) { forEachStore(t, testFiftyWayRaces) }

func testFiftyWayRaces(t *testing.T, b backend) {
	const n = 50
	h := newHarnessOn(t, b)
	serials := make([]string, n)
	for i := range serials {
		serials[i] = fmt.Sprintf("RACE%04d", i)
		h.register(serials[i], acctA, funds.Dollar, 5000*funds.Dollar)
	}
	reserve := func(serial, id string, amount funds.Amount) (funds.RefillAnswer, error) {
		m := h.meter(serial)
		return h.store.Reserve(h.ctx, datacenter.Request{Serial: serial, Nonce: funds.NewNonce(), At: h.clock.Now()},
			id, amount, m.report())
	}
	each := func(fn func(i int)) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { fn(i) })
		}
		wg.Wait()
	}

	// Round 1: $1,000 prepaid and $500 of credit cover 37 holds of $40.
	ids := make([]string, n)
	states := make([]string, n)
	each(func(i int) {
		ids[i] = newID(t)
		a, err := reserve(serials[i], ids[i], 40*funds.Dollar)
		if assert.NoError(t, err) {
			states[i] = a.State
		}
	})
	reserved := 0
	for _, s := range states {
		if s == funds.DCReserved {
			reserved++
		} else {
			assert.Equal(t, funds.DCDeclined, s)
		}
	}
	assert.Equal(t, 37, reserved, "$1,500 covers 37 holds of $40")
	acct := h.account(acctA)
	assert.Equal(t, funds.Amount(37*40)*funds.Dollar, acct.Reserved)
	assert.Equal(t, funds.Amount(0), acct.Prepaid)
	assert.Equal(t, 480*funds.Dollar, acct.CreditUsed)
	h.checkInvariants()

	// Round 2: every hold posts (even meters) or voids (odd), while ten deposits of $10 arrive.
	posted := funds.Amount(0)
	for i, s := range states {
		if s == funds.DCReserved && i%2 == 0 {
			posted += 40 * funds.Dollar
		}
	}
	each(func(i int) {
		if i < 10 {
			assert.NoError(t, h.store.Deposit(h.ctx, acctA, 10*funds.Dollar))
		}
		if states[i] != funds.DCReserved {
			return
		}
		req := datacenter.Request{Serial: serials[i], Nonce: funds.NewNonce(), At: h.clock.Now()}
		var err error
		if i%2 == 0 {
			_, err = h.store.Post(h.ctx, req, ids[i])
		} else {
			_, err = h.store.Void(h.ctx, req, ids[i])
		}
		assert.NoError(t, err)
	})
	acct = h.account(acctA)
	assert.Equal(t, posted, acct.Posted)
	assert.Equal(t, funds.Amount(0), acct.Reserved)
	assert.Equal(t, 1100*funds.Dollar, acct.Deposits)
	h.checkInvariants()

	// Round 3: meters 2k and 2k+1 send the same new id at once: one holds it, the other is told it is taken.
	require.NoError(t, h.store.Deposit(h.ctx, acctA, 5000*funds.Dollar))
	shared := make([]string, n/2)
	for k := range shared {
		shared[k] = newID(t)
	}
	errs := make([]error, n)
	each(func(i int) {
		_, errs[i] = reserve(serials[i], shared[i/2], 5*funds.Dollar)
	})
	for k := range shared {
		a, b := errs[2*k], errs[2*k+1]
		won := 0
		for _, err := range []error{a, b} {
			if err == nil {
				won++
			} else {
				assert.True(t, errors.Is(err, datacenter.ErrRefillIDTaken), "id %s: %v", shared[k], err)
			}
		}
		assert.Equal(t, 1, won, "id %s goes to exactly one meter", shared[k])
	}
	assert.Equal(t, funds.Amount(n/2)*5*funds.Dollar, h.account(acctA).Reserved)
	h.checkInvariants()
}
