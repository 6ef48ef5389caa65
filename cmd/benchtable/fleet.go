package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/internal/pgtest"
)

// The fleet figures (issue 15): meters refilling at once over HTTP, signatures on, each with its own key
// and account, against one Data Center on one store, beside the bare durable commit rate of the same
// database from as many concurrent clients. ratio = 2 × refills/s ÷ commits/s: a refill is two money
// transactions (reserve, post), so ratio is money transactions per bare commit.

// fleetResult is one store's figures.
type fleetResult struct {
	store       string
	meters      int
	refills     int64
	refillsPerS float64
	commitsPerS float64
	p99         time.Duration
	withP99     bool
}

func (r fleetResult) line() string {
	s := fmt.Sprintf("fleet: store=%s meters=%d refills_per_s=%.0f commit_baseline_per_s=%.0f ratio=%.2f",
		r.store, r.meters, r.refillsPerS, r.commitsPerS, 2*r.refillsPerS/r.commitsPerS)
	if r.withP99 {
		s += fmt.Sprintf(" p99_ms=%.1f", float64(r.p99)/float64(time.Millisecond))
	}
	return s
}

func (r fleetResult) row(target string) row {
	ratio := 2 * r.refillsPerS / r.commitsPerS
	value := fmt.Sprintf("%.0f /s", r.refillsPerS)
	ok := ratio >= 0.5
	if r.withP99 {
		value += fmt.Sprintf(", p99 %s", ms(r.p99))
		ok = ok && r.p99 <= 50*time.Millisecond
	}
	return row{
		figure: fmt.Sprintf("fleet: %d meters (own keys and accounts) refilling over HTTP at once, %s store (%d refills)",
			r.meters, r.store, r.refills),
		value:    value,
		baseline: fmt.Sprintf("bare commits from %d clients: %.0f /s", r.meters, r.commitsPerS),
		ratio:    fmt.Sprintf("%.2f× money transactions per bare commit; %s", ratio, target),
		result:   passFail(ok),
	}
}

// benchFleetSQLite is the fleet on the embedded SQLite store (group commit).
func benchFleetSQLite(dir string, meters int, window time.Duration, log *slog.Logger) (fleetResult, error) {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fleetResult{}, err
	}
	db, err := openBare(ctx, filepath.Join(dir, "bare.db"))
	if err != nil {
		return fleetResult{}, err
	}
	commits, err := concurrentCommits(meters, window/2, func() error { return bareCommit(ctx, db) })
	db.Close()
	if err != nil {
		return fleetResult{}, err
	}
	store, err := datacenter.OpenSQLite(ctx, filepath.Join(dir, "dc.db"), datacenter.SQLiteOptions{Logger: log})
	if err != nil {
		return fleetResult{}, err
	}
	defer store.Close()
	res, err := runFleet(ctx, store, dir, meters, window, log)
	res.store, res.commitsPerS = "sqlite", commits
	return res, err
}

// benchFleetPostgres is the fleet on a private PostgreSQL server (durable: fsync and synchronous commit
// on), started for the benchmark in dir.
func benchFleetPostgres(dir string, meters int, window time.Duration, log *slog.Logger) (fleetResult, error) {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fleetResult{}, err
	}
	srv, err := pgtest.Start(ctx, pgtest.Options{Durable: true})
	if err != nil {
		return fleetResult{}, err
	}
	defer srv.Stop()
	url := srv.URL("postgres")
	const conns = 64 // the store's pool and the baseline's: the same connections to the same server
	pool, err := pgxpool.New(ctx, url+"&pool_max_conns=64")
	if err != nil {
		return fleetResult{}, err
	}
	_, err = pool.Exec(ctx, `CREATE TABLE bare(id int PRIMARY KEY, n bigint NOT NULL);
		INSERT INTO bare SELECT g, 0 FROM generate_series(0, 9999) g`)
	if err != nil {
		pool.Close()
		return fleetResult{}, err
	}
	var next atomic.Int64
	commits, err := concurrentCommits(meters, window/2, func() error {
		// Each client its own row, as pgbench's: the baseline is the commit, not a lock queue.
		_, err := pool.Exec(ctx, `UPDATE bare SET n = n + 1 WHERE id = $1`, next.Add(1)%int64(meters))
		return err
	})
	pool.Close()
	if err != nil {
		return fleetResult{}, err
	}
	store, err := datacenter.OpenPostgres(ctx, url, datacenter.PostgresOptions{Logger: log, MaxConns: conns})
	if err != nil {
		return fleetResult{}, err
	}
	defer store.Close()
	res, err := runFleet(ctx, store, dir, meters, window, log)
	res.store, res.commitsPerS, res.withP99 = "postgres", commits, true
	return res, err
}

// concurrentCommits runs commit from clients goroutines for window and returns commits per second.
func concurrentCommits(clients int, window time.Duration, commit func() error) (float64, error) {
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := commit(); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		})
	}
	start := time.Now()
	time.Sleep(window)
	got := n.Load()
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	return float64(got) / elapsed.Seconds(), firstErr
}

// runFleet registers meters meters (each its own account, key and report) on st, serves st over HTTP on
// loopback, and lets them all reserve and post refills as fast as they can for window.
func runFleet(ctx context.Context, st datacenter.Store, dir string, meters int, window time.Duration, log *slog.Logger) (fleetResult, error) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return fleetResult{}, err
	}
	srv := httptest.NewServer(datacenter.NewServer(st, datacenter.Options{Logger: log, Key: key}))
	defer srv.Close()
	// Connections as a load balancer in front of the Data Center would keep them: many, not one a meter.
	transport := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}
	defer transport.CloseIdleConnections()
	clients := make([]*funds.DataCenterClient, meters)
	posted := make([]int64, meters) // each written only by its meter's goroutine
	for i := range clients {
		serial, account := fmt.Sprintf("PF%06d", i+1), fmt.Sprintf("9%07d", i+1)
		if err := errors.Join(st.CreateAccount(ctx, account, 0), st.Deposit(ctx, account, datacenter.MaxAdminAmount)); err != nil {
			return fleetResult{}, err
		}
		if _, err := st.RegisterMeter(ctx, serial, account, funds.Dollar, 5000*funds.Dollar); err != nil {
			return fleetResult{}, err
		}
		keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys", serial))
		if err != nil {
			return fleetResult{}, err
		}
		if err := datacenter.EnrollLocal(ctx, st, key, serial, keys); err != nil {
			return fleetResult{}, err
		}
		clients[i] = funds.NewDataCenterClient(srv.URL, serial, keys)
		clients[i].HTTP = &http.Client{Transport: transport, Timeout: 60 * time.Second}
		var seq int64
		clients[i].Reports = func(context.Context) (funds.Report, error) {
			seq++
			return funds.Report{Registers: funds.RegisterReadings{AvailableMills: posted[i], ControlMills: posted[i]},
				AuditSeq: seq, AuditHead: fmt.Sprintf("%064x", seq)}, nil
		}
	}
	var done atomic.Int64
	var counting atomic.Bool
	var firstErr error
	var errOnce sync.Once
	lats := make([][]time.Duration, meters)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for {
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
				posted[i] += (10 * funds.Dollar).Mills()
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
	if err := st.CheckInvariants(ctx); err != nil {
		return fleetResult{}, err
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
