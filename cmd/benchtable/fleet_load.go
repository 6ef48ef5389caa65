package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// fleet is meters registered on one Data Center, each with its own account, key and registers, with
// a client each, ready to refill over HTTP.
type fleet struct {
	clients []*funds.DataCenterClient
	posted  []int64 // each meter's control register; written only by its own goroutine
}

// fleetSerial is the serial of the fleet's meter i; its keys are in dir/keys/<serial>.
func fleetSerial(i int) string { return fmt.Sprintf("PF%06d", i+1) }

// registerFleet registers meters meters on st, each on an account of its own with funds for the run,
// and enrolls each with a key made in dir/keys (pinning dcKey's public half there).
func registerFleet(ctx context.Context, st datacenter.Store, dcKey ed25519.PrivateKey, dir string, meters int) error {
	for i := range meters {
		serial, account := fleetSerial(i), fmt.Sprintf("9%07d", i+1)
		if err := errors.Join(st.CreateAccount(ctx, account, 0), st.Deposit(ctx, account, datacenter.MaxAdminAmount)); err != nil {
			return err
		}
		if _, err := st.RegisterMeter(ctx, serial, account, funds.Dollar, 5000*funds.Dollar); err != nil {
			return err
		}
		keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys", serial))
		if err != nil {
			return err
		}
		if err := datacenter.EnrollLocal(ctx, st, dcKey, serial, keys); err != nil {
			return err
		}
	}
	return nil
}

// newFleet makes the clients of the meters registerFleet registered, talking to the Data Center at url;
// stop closes their connections.
func newFleet(url, dir string, meters int) (*fleet, func(), error) {
	// Connections as a load balancer in front of the Data Center would keep them: many, not one a meter.
	transport := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}
	f := &fleet{clients: make([]*funds.DataCenterClient, meters), posted: make([]int64, meters)}
	for i := range f.clients {
		keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys", fleetSerial(i)))
		if err != nil {
			return nil, nil, err
		}
		c := funds.NewDataCenterClient(url, fleetSerial(i), keys)
		c.HTTP = &http.Client{Transport: transport, Timeout: 60 * time.Second}
		var seq int64
		c.Reports = func(context.Context) (funds.Report, error) {
			seq++
			return funds.Report{Registers: funds.RegisterReadings{AvailableMills: f.posted[i], ControlMills: f.posted[i]},
				AuditSeq: seq, AuditHead: fmt.Sprintf("%064x", seq)}, nil
		}
		f.clients[i] = c
	}
	return f, transport.CloseIdleConnections, nil
}

// drive lets every meter reserve and post refills for window and returns the refills per second and
// their p99 (from the start of the reserve to the post's answer). With rate 0 each meter refills again
// as soon as it has its answer; otherwise each waits a random, exponentially distributed time between
// refills, so that together they offer rate refills per second.
func (f *fleet) drive(ctx context.Context, window time.Duration, rate float64) (fleetResult, error) {
	meters := len(f.clients)
	var done atomic.Int64
	var counting atomic.Bool
	var firstErr error
	var errOnce sync.Once
	lats := make([][]time.Duration, meters)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range f.clients {
		wg.Go(func() {
			for {
				if rate > 0 {
					gap := time.Duration(rand.ExpFloat64() * float64(meters) / rate * float64(time.Second))
					select {
					case <-stop:
						return
					case <-time.After(gap):
					}
				}
				select {
				case <-stop:
					return
				default:
				}
				begin := time.Now()
				id := uuid.Must(uuid.NewV7()).String()
				ans, err := c.Reserve(ctx, id, 10*funds.Dollar)
				if err == nil && ans.Decline != nil {
					err = fmt.Errorf("declined: %+v", *ans.Decline)
				}
				if err == nil {
					_, err = c.Post(ctx, id)
				}
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				f.posted[i] += (10 * funds.Dollar).Mills()
				if counting.Load() {
					done.Add(1)
					lats[i] = append(lats[i], time.Since(begin))
				}
			}
		})
	}
	time.Sleep(2 * time.Second) // every meter connected and busy
	counting.Store(true)
	start := time.Now()
	time.Sleep(window)
	counting.Store(false)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if firstErr != nil {
		return fleetResult{}, fmt.Errorf("concurrent refills: %w", firstErr)
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	res := fleetResult{meters: meters, refills: done.Load(), refillsPerS: float64(done.Load()) / elapsed.Seconds()}
	if len(all) > 0 {
		res.p99 = percentile(all, 0.99)
	}
	return res, nil
}
