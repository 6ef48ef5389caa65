package funds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// fakeDC is an in-memory Data Center for unit tests of the refill client (the real one, with SQLite and
// HTTP, is exercised in the crash harness and the datacenter package). It can lose a request before it
// is processed or lose the answer after it committed.
type fakeDC struct {
	mu       sync.Mutex
	prepaid  Amount
	deposits Amount
	locked   bool
	min, max Amount
	refills  map[string]*fakeRefill
	// fault, if set, is asked before each call: lose the request, or lose the answer after committing.
	fault func(op string) (loseRequest, loseAnswer bool)
	calls int
}

type fakeRefill struct {
	amount Amount
	state  string
	dec    *Decline
}

func newFakeDC(prepaid Amount) *fakeDC {
	return &fakeDC{prepaid: prepaid, deposits: prepaid, min: Dollar, max: 5000 * Dollar, refills: map[string]*fakeRefill{}}
}

var errLost = errors.New("injected: lost")

func (d *fakeDC) call(op string, fn func() (RefillAnswer, error)) (RefillAnswer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	var loseReq, loseAns bool
	if d.fault != nil {
		loseReq, loseAns = d.fault(op)
	}
	if loseReq {
		return RefillAnswer{}, &ConnectionError{Op: op, Err: errLost}
	}
	ans, err := fn()
	if loseAns {
		return RefillAnswer{}, &ConnectionError{Op: op, Err: errLost}
	}
	return ans, err
}

func (d *fakeDC) answer(id string) RefillAnswer {
	r := d.refills[id]
	ans := RefillAnswer{Serial: testSerial, Time: time.Now().UTC(), ID: id, State: r.state, AmountMills: r.amount.Mills(),
		Decline: r.dec, Account: &AccountBalance{PrepaidMills: d.prepaid.Mills()}}
	ans.Proof = testSign(ans)
	return ans
}

// testSign signs v as the test Data Center key answers the test meter with 200 (testkeys_test.go).
func testSign(v any) SignedAnswer { return signAnswer(testDCKey, testSerial, 200, v) }

func (d *fakeDC) Reserve(_ context.Context, id string, amount Amount) (RefillAnswer, error) {
	return d.call("reserve", func() (RefillAnswer, error) {
		if r, ok := d.refills[id]; ok {
			if r.state != DCVoided && r.amount != amount {
				return RefillAnswer{}, &APIError{Op: "reserve", Status: 409, Code: CodeAmountConflict}
			}
			return d.answer(id), nil
		}
		switch {
		case d.locked:
			d.refills[id] = &fakeRefill{amount, DCDeclined, &Decline{Code: CodeAccountLocked, Message: "locked"}}
		case amount < d.min || amount > d.max:
			d.refills[id] = &fakeRefill{amount, DCDeclined, &Decline{Code: CodeOutOfLimits, Message: "limits",
				MinMills: d.min.Mills(), MaxMills: d.max.Mills()}}
		case amount > d.prepaid:
			d.refills[id] = &fakeRefill{amount, DCDeclined, &Decline{Code: CodeShortOfFunds, Message: "short",
				MaxMills: d.prepaid.Mills()}}
		default:
			d.prepaid -= amount
			d.refills[id] = &fakeRefill{amount: amount, state: DCReserved}
		}
		return d.answer(id), nil
	})
}

func (d *fakeDC) Post(_ context.Context, id string) (RefillAnswer, error) {
	return d.call("post", func() (RefillAnswer, error) {
		r, ok := d.refills[id]
		switch {
		case !ok:
			return RefillAnswer{}, &APIError{Op: "post", Status: 404, Code: CodeUnknownRefill}
		case r.state == DCReserved || r.state == DCPosted:
			r.state = DCPosted
			return d.answer(id), nil
		default:
			return RefillAnswer{}, &APIError{Op: "post", Status: 409, Code: CodeRefillVoided}
		}
	})
}

func (d *fakeDC) Void(_ context.Context, id string) (RefillAnswer, error) {
	return d.call("void", func() (RefillAnswer, error) {
		r, ok := d.refills[id]
		switch {
		case !ok:
			d.refills[id] = &fakeRefill{state: DCVoided}
		case r.state == DCReserved:
			d.prepaid += r.amount
			r.state = DCVoided
		case r.state == DCPosted:
			return RefillAnswer{}, &APIError{Op: "void", Status: 409, Code: CodeRefillPosted}
		}
		return d.answer(id), nil
	})
}

func (d *fakeDC) Account(context.Context) (AccountBalance, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	bal := AccountBalance{Serial: testSerial, Time: time.Now().UTC(), PrepaidMills: d.prepaid.Mills(), Locked: d.locked}
	bal.Proof = testSign(bal)
	return bal, nil
}

func (d *fakeDC) UploadPostalInfo(context.Context) (PostalInfoReceipt, error) {
	rec := PostalInfoReceipt{Serial: testSerial, Time: time.Now().UTC()}
	rec.Proof = testSign(rec)
	return rec, nil
}

// check asserts deposits == prepaid + reserved + posted and returns the reserved and posted sums.
func (d *fakeDC) check() (reserved, posted map[string]Amount, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	reserved, posted = map[string]Amount{}, map[string]Amount{}
	sum := d.prepaid
	for id, r := range d.refills {
		switch r.state {
		case DCReserved:
			reserved[id] = r.amount
			sum += r.amount
		case DCPosted:
			posted[id] = r.amount
			sum += r.amount
		}
	}
	if sum != d.deposits {
		return nil, nil, fmt.Errorf("data center: deposits %s != prepaid + reserved + posted %s", d.deposits, sum)
	}
	return reserved, posted, nil
}
