package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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
	p99         time.Duration // of the paced run (withP99)
	pacedPerS   float64       // the refills per second of the paced run
	withP99     bool
}

func (r fleetResult) line() string {
	s := fmt.Sprintf("fleet: store=%s meters=%d refills_per_s=%.0f commit_baseline_per_s=%.0f ratio=%.2f",
		r.store, r.meters, r.refillsPerS, r.commitsPerS, 2*r.refillsPerS/r.commitsPerS)
	if r.withP99 {
		s += fmt.Sprintf(" p99_ms=%.1f p99_at_refills_per_s=%.0f", float64(r.p99)/float64(time.Millisecond), r.pacedPerS)
	}
	return s
}

func (r fleetResult) row(target string) row {
	ratio := 2 * r.refillsPerS / r.commitsPerS
	value := fmt.Sprintf("%.0f /s", r.refillsPerS)
	ok := ratio >= 0.5
	if r.withP99 {
		value += fmt.Sprintf(", p99 %s at %.0f /s", ms(r.p99), r.pacedPerS)
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
	defer datacenter.TuneGCForServer()() // this process is the Data Center's, as `datacenter serve` sets it
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fleetResult{}, err
	}
	db, err := openBare(ctx, filepath.Join(dir, "bare.db"))
	if err != nil {
		return fleetResult{}, err
	}
	commits, err := baselineCommits(meters, window/2, func() error { return bareCommit(ctx, db) })
	db.Close()
	if err != nil {
		return fleetResult{}, err
	}
	store, err := datacenter.OpenSQLite(ctx, filepath.Join(dir, "dc.db"), datacenter.SQLiteOptions{Logger: log})
	if err != nil {
		return fleetResult{}, err
	}
	defer store.Close()
	runs, err := runFleetOn(ctx, store, dir, meters, window, false, log)
	if err == nil {
		err = store.CheckInvariants(ctx)
	}
	if err != nil {
		return fleetResult{}, err
	}
	return fleetResult{store: "sqlite", meters: meters, refills: runs[0].Refills, refillsPerS: runs[0].PerS, commitsPerS: commits}, nil
}

// benchFleetPostgres is the fleet on a private PostgreSQL server (durable: fsync and synchronous commit
// on), started for the benchmark. The Data Center's pool and the baseline's have conns connections: the
// same number of transactions in flight on the same server.
//
// It runs the fleet twice. First every meter refills as fast as it can (a closed loop): that is the
// Data Center's capacity, refills_per_s, which the ratio compares with the bare commits. A closed loop
// of 1,000 meters cannot show a refill's latency, only the queue (each refill waits for the other 999:
// the latency is meters ÷ throughput), so the p99 comes from a second run in which the meters refill at
// random times (exponential gaps), together offering half the capacity, as a fleet does whose meters
// refill when their postage runs low.
func benchFleetPostgres(dir string, meters, conns int, window time.Duration, log *slog.Logger) (fleetResult, error) {
	ctx := context.Background()
	// This process is the Data Center's, with the collector `datacenter serve` sets, from before the bare
	// commits: their clients run here too.
	defer datacenter.TuneGCForServer()()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fleetResult{}, err
	}
	srv, err := pgtest.Start(ctx, pgtest.Options{Durable: true, Env: pgMallocEnv, Settings: pgSteadySettings})
	if err != nil {
		return fleetResult{}, err
	}
	defer srv.Stop()
	url := srv.URL("postgres")
	pool, err := pgxpool.New(ctx, fmt.Sprintf("%s&pool_max_conns=%d", url, conns))
	if err != nil {
		return fleetResult{}, err
	}
	_, err = pool.Exec(ctx, `CREATE TABLE bare(id int PRIMARY KEY, n bigint NOT NULL);
		INSERT INTO bare SELECT g, 0 FROM generate_series(0, 9999) g`)
	if err == nil {
		err = warmWAL(ctx, pool, walWarmSegments)
	}
	if err != nil {
		pool.Close()
		return fleetResult{}, err
	}
	var next atomic.Int64
	commits, err := baselineCommits(meters, window/2, func() error {
		// Each client its own row, as pgbench's: the baseline is the commit, not a lock queue.
		_, err := pool.Exec(ctx, `UPDATE bare SET n = n + 1 WHERE id = $1`, next.Add(1)%int64(meters))
		return err
	})
	pool.Close()
	if err != nil {
		return fleetResult{}, err
	}
	store, err := datacenter.OpenPostgres(ctx, url, datacenter.PostgresOptions{Logger: log, MaxConns: int32(conns)})
	if err != nil {
		return fleetResult{}, err
	}
	defer store.Close()
	runs, err := runFleetOn(ctx, store, dir, meters, window, true, log)
	if err == nil {
		err = store.CheckInvariants(ctx)
	}
	if err != nil {
		return fleetResult{}, err
	}
	return fleetResult{store: "postgres", meters: meters, refills: runs[0].Refills, refillsPerS: runs[0].PerS,
		commitsPerS: commits, withP99: true, p99: runs[1].P99, pacedPerS: runs[1].PerS}, nil
}

// pgMallocEnv is the PostgreSQL server's environment as README's production notes give it: glibc keeps up
// to 32 MiB of freed memory in each backend instead of returning it at every transaction's end. Without
// it a third of PostgreSQL's time under the fleet went to shrinking and growing its heap (brk), each
// shrink a TLB flush on every CPU. The bare commits run on the same server.
var pgMallocEnv = []string{"MALLOC_TRIM_THRESHOLD_=33554432", "MALLOC_MMAP_THRESHOLD_=33554432"}

// A server that has run for a while writes its WAL into segment files it recycled at its checkpoints; a
// new server creates each one as it fills the last, writing 16 MiB of zeros and syncing them while the
// commits behind it wait (tens of milliseconds, every few seconds under the fleet; README's Benchmarks
// has the paced run's p99 with and without the warm-up). The benchmark measures the server in its
// steady state: before any figure it fills walWarmSegments segments and checkpoints, and min_wal_size
// keeps the files for reuse. The bare commits and the fleet both run after the warm-up.
var pgSteadySettings = []string{"min_wal_size=1GB", "max_wal_size=4GB"}

// walWarmSegments (640 MiB) is several times the WAL of one fleet figure (both runs: about 120 MiB).
const walWarmSegments = 40

// warmWAL makes segments WAL segment files and lets a checkpoint recycle them, as a running server's are.
func warmWAL(ctx context.Context, pool *pgxpool.Pool, segments int) error {
	if _, err := pool.Exec(ctx, `CREATE TABLE wal_warm(n int)`); err != nil {
		return err
	}
	for range segments {
		// pg_switch_wal starts the next segment only if something was written since the last switch.
		if _, err := pool.Exec(ctx, `INSERT INTO wal_warm VALUES (1)`); err != nil {
			return err
		}
		if _, err := pool.Exec(ctx, `SELECT pg_switch_wal()`); err != nil {
			return err
		}
	}
	_, err := pool.Exec(ctx, `DROP TABLE wal_warm; CHECKPOINT`)
	return err
}

// baselineCommits is the median of three concurrentCommits runs of window each. One run varies by a
// quarter from the next on the same machine (when the disk's flushes fall), and the ratio divides by it.
func baselineCommits(clients int, window time.Duration, commit func() error) (float64, error) {
	var runs []float64
	for range 3 {
		perS, err := concurrentCommits(clients, window, commit)
		if err != nil {
			return 0, err
		}
		runs = append(runs, perS)
	}
	slices.Sort(runs)
	return runs[1], nil
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
