// Package crashtest holds what the crash harnesses share — funds' refill harness and meter's auto-refill
// harness: the Data Center child process they kill, a network that loses requests and answers, and the
// check that, once everything is settled, no money was lost or created between the meter and the Data
// Center. It is for tests only.
package crashtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// QuietLog is a logger that writes nothing: the children's logs would only bury the harness's findings.
func QuietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// RunDataCenter is the Data Center child: the store at db (a SQLite file or a postgres:// URL) served over
// HTTP on addr (a free loopback port if empty) with the signing key at keyPath. It prints "listening
// ADDR" once it accepts connections and serves until it is killed; it returns the exit code.
func RunDataCenter(db, addr, keyPath string) int {
	ctx := context.Background()
	store, err := datacenter.Open(ctx, db, QuietLog())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	for attempt := 0; ; attempt++ { // a killed predecessor's socket may linger for a moment
		ln, err = net.Listen("tcp", addr)
		if err == nil || attempt == 100 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	key, err := datacenter.LoadOrCreateKey(keyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("listening %s\n", ln.Addr())
	srv := datacenter.NewServer(store, datacenter.Options{Logger: QuietLog(), Key: key})
	if err := datacenter.Serve(ctx, ln, srv, datacenter.ServeConfig{Logger: QuietLog()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// LossyTransport loses a request before it is sent (probability P), or its answer after the Data Center
// processed it (P again). With more than one of Hosts (Data Center replicas), each request goes to one of
// them at random, as behind a load balancer. It is safe for concurrent use.
type LossyTransport struct {
	Base  http.RoundTripper
	Rand  *rand.Rand
	P     float64
	Hosts []string

	mu sync.Mutex // the meter's goroutines (an auto-refill's, the start-up's) may send at once
}

// RoundTrip implements http.RoundTripper.
func (l *LossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	x := l.Rand.Float64()
	if len(l.Hosts) > 1 {
		r = r.Clone(r.Context())
		r.URL.Host = l.Hosts[l.Rand.IntN(len(l.Hosts))]
		r.Host = r.URL.Host
	}
	l.mu.Unlock()
	if x < l.P {
		return nil, errors.New("injected: request lost")
	}
	res, err := l.Base.RoundTrip(r)
	if err == nil && x < 2*l.P {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil, errors.New("injected: answer lost after the Data Center processed the request")
	}
	return res, err
}

// Money is what CheckDataCenter found.
type Money struct {
	Refills      int64 // refills posted at the Data Center
	CreatedMills int64 // postage on the meter the Data Center never posted
	LostMills    int64 // money gone from the account that never reached the meter
}

// CheckDataCenter compares a settled Data Center with the meter it served: every refill posted there was
// applied on the meter for the same amount and the other way round (applied: refill id → mills), none is
// still reserved, the meter's control register equals what was posted, and the account conserves money
// (what was paid in equals what is still prepaid plus what is held and posted). Each breach is told to
// fail; an error is a store that could not be read.
func CheckDataCenter(ctx context.Context, store datacenter.Store, account string, control int64, applied map[string]int64,
	fail func(format string, args ...any)) (Money, error) {
	var res Money
	refills, err := store.Refills(ctx)
	if err != nil {
		return res, err
	}
	applied = maps.Clone(applied) // crossed off below; the caller's stays whole
	var posted, reserved int64
	for _, r := range refills {
		switch r.State {
		case funds.DCPosted:
			posted += r.Amount.Mills()
			res.Refills++
			if applied[r.ID] != r.Amount.Mills() {
				fail("refill %s posted at the Data Center (%s) but the meter applied %d mills", r.ID, r.Amount, applied[r.ID])
			}
			delete(applied, r.ID)
		case funds.DCReserved:
			reserved += r.Amount.Mills()
			fail("refill %s still holds %s at the Data Center", r.ID, r.Amount)
		}
	}
	for id, amount := range applied {
		fail("refill %s applied on the meter (%d mills) but not posted at the Data Center", id, amount)
	}
	acct, err := store.Account(ctx, account)
	if err != nil {
		return res, err
	}
	// Conservation across both databases: what the customer paid in equals what is still on the account
	// plus what reached the meter.
	paidIn := acct.Deposits.Mills() + acct.CreditUsed.Mills()
	onAccount := acct.Prepaid.Mills()
	res.CreatedMills = max(0, control-posted)
	res.LostMills = max(0, paidIn-onAccount-control)
	if control != posted {
		fail("meter control %d mills, Data Center posted %d mills", control, posted)
	}
	if paidIn != onAccount+reserved+posted {
		fail("account: paid in %d mills != prepaid %d + reserved %d + posted %d", paidIn, onAccount, reserved, posted)
	}
	return res, nil
}
