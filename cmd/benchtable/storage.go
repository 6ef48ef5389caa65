package main

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/meter"
	"postmeter/meter/simulator"
)

// debitStats is the debit/commit comparison and the bare commit it measured, the baseline of others.
type debitStats struct {
	row        row
	bareMedian time.Duration
}

// openBare opens a bare database with the vault's own DSN and one counter row.
func openBare(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", funds.DurableDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := funds.CheckDurablePragmas(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES(1, 0)`); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// bareCommit is one immediate transaction with a one-row UPDATE, committed (fsynced).
func bareCommit(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE counter SET n = n + 1 WHERE id = 1`); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// benchSerial is the meter of the storage benchmarks.
const benchSerial = "PM600001"

// openBenchVault opens a vault whose keys trust dcKey, a Data Center key of the benchmark's own, so
// fill can grant it postage without a Data Center.
func openBenchVault(ctx context.Context, dir string) (*funds.Vault, ed25519.PrivateKey, error) {
	return openBenchVaultEvery(ctx, dir, 0)
}

// openBenchVaultEvery is openBenchVault with a checkpoint every checkpointEvery pieces (0: the default).
func openBenchVaultEvery(ctx context.Context, dir string, checkpointEvery int) (*funds.Vault, ed25519.PrivateKey, error) {
	_, dcKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, nil, err
	}
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return nil, nil, err
	}
	if err := keys.PinDataCenter(dcKey.Public().(ed25519.PublicKey)); err != nil {
		return nil, nil, err
	}
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: benchSerial,
		CheckpointEvery: checkpointEvery})
	return v, dcKey, err
}

// fill credits the vault through a refill granted by the benchmark's Data Center key, without the
// network (requested → applied → confirmed).
func fill(ctx context.Context, v *funds.Vault, dcKey ed25519.PrivateKey, amount funds.Amount) error {
	id := uuid.Must(uuid.NewV7()).String()
	if err := v.CreateRefill(ctx, id, amount, "bench"); err != nil {
		return err
	}
	body, err := json.Marshal(funds.RefillAnswer{Serial: benchSerial, Time: time.Now().UTC(), ID: id,
		State: funds.DCReserved, AmountMills: amount.Mills()})
	if err != nil {
		return err
	}
	grant := funds.SignedAnswer{Serial: benchSerial, Nonce: funds.NewNonce(), Status: 200, Body: body}
	grant.Signature = ed25519.Sign(dcKey, grant.Message())
	if _, err := v.ApplyRefill(ctx, id, grant); err != nil {
		return err
	}
	return v.ConfirmRefill(ctx, id)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

// benchDebit times funds.Vault.Debit and a bare durable commit on the same file system, in alternating
// rounds so that machine noise falls on both alike.
func benchDebit(dir string, rounds, perRound int) (debitStats, error) {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return debitStats{}, err
	}
	v, dcKey, err := openBenchVault(ctx, dir)
	if err != nil {
		return debitStats{}, err
	}
	defer v.Close()
	if err := fill(ctx, v, dcKey, 1_000_000*funds.Dollar); err != nil {
		return debitStats{}, err
	}
	db, err := openBare(ctx, filepath.Join(dir, "bare.db"))
	if err != nil {
		return debitStats{}, err
	}
	defer db.Close()
	info := funds.PieceInfo{MailClass: "First-Class letter", MailingDate: "2026-11-25", Actor: "bench"}
	debit := func() error { _, err := v.Debit(ctx, funds.Mill, info); return err }
	bare := func() error { return bareCommit(ctx, db) }
	var debits, bares []time.Duration
	timeN := func(n int, f func() error, into *[]time.Duration) error {
		for range n {
			start := time.Now()
			if err := f(); err != nil {
				return err
			}
			if into != nil {
				*into = append(*into, time.Since(start))
			}
		}
		return nil
	}
	// Warm both up: page cache, prepared statements, WAL files.
	if err := errors.Join(timeN(20, debit, nil), timeN(20, bare, nil)); err != nil {
		return debitStats{}, err
	}
	for r := range rounds {
		first, second := debit, bare
		firstInto, secondInto := &debits, &bares
		if r%2 == 1 {
			first, second, firstInto, secondInto = bare, debit, &bares, &debits
		}
		if err := errors.Join(timeN(perRound, first, firstInto), timeN(perRound, second, secondInto)); err != nil {
			return debitStats{}, err
		}
	}
	if err := v.Verify(ctx); err != nil {
		return debitStats{}, err
	}
	md, mb := median(debits), median(bares)
	ratio := float64(md) / float64(mb)
	return debitStats{
		bareMedian: mb,
		row: row{
			figure:   fmt.Sprintf("durable debit `Vault.Debit`, median per op (%d interleaved)", len(debits)),
			value:    ms(md),
			baseline: "bare commit (`DurableDSN`, one-row UPDATE): " + ms(mb),
			ratio:    fmt.Sprintf("%.2f× (target ≤ 1.25×)", ratio),
			result:   passFail(ratio <= 1.25),
		},
	}, nil
}

// benchPieces prints pieces through meter.Meter.PrintPiece on the simulated engine with no print time
// (nothing rendered to the output tray) for a while and reports the rate.
func benchPieces(dir string, window time.Duration, log *slog.Logger) (row, error) {
	ctx := context.Background()
	models, err := meter.LoadModels()
	if err != nil {
		return row{}, err
	}
	fastest := models[0]
	for _, m := range models {
		if m.SpeedLPM > fastest.SpeedLPM {
			fastest = m
		}
	}
	sim, err := simulator.Start(ctx, simulator.Options{Dir: dir, Model: fastest.Name, Log: log})
	if err != nil {
		return row{}, err
	}
	defer sim.Close()
	sim.Engine.OnPrint = nil // zero print time: the impression is recorded, not rendered,
	sim.Engine.PieceTime = 0 // and not held for the model's rated speed as the trainer's engine is
	s, err := sim.SignIn(ctx, simulator.DemoSupervisor)
	if err != nil {
		return row{}, err
	}
	if _, err := sim.Meter.Refill(ctx, s, simulator.DemoPrepaid, nil); err != nil { // 100,000 pieces of 1¢ more
		return row{}, err
	}
	job := meter.Job{KeyedPostage: funds.Cent}
	for range 20 { // warm up
		if _, err := sim.Meter.PrintPiece(ctx, s, job, meter.MediumTape); err != nil {
			return row{}, err
		}
	}
	n := 0
	start := time.Now()
	for time.Since(start) < window {
		if _, err := sim.Meter.PrintPiece(ctx, s, job, meter.MediumEnvelope); err != nil {
			return row{}, fmt.Errorf("piece %d: %w", n+1, err)
		}
		n++
	}
	elapsed := time.Since(start)
	if err := sim.Vault.Verify(ctx); err != nil {
		return row{}, err
	}
	ppm := float64(n) / elapsed.Minutes()
	target := 100 * float64(fastest.SpeedLPM)
	return row{
		figure:   fmt.Sprintf("pieces per minute, `Meter.PrintPiece`, simulated engine at zero print time (%d pieces)", n),
		value:    fmt.Sprintf("%.0f /min", ppm),
		baseline: fmt.Sprintf("100 × %d /min (%s, fastest model) = %.0f /min", fastest.SpeedLPM, fastest.Name, target),
		ratio:    fmt.Sprintf("%.2f× (target ≥ 1×)", ppm/target),
		result:   passFail(ppm >= target),
	}, nil
}

// dataCenter is a real Data Center (SQLite store, signed HTTP API) on a loopback port.
type dataCenter struct {
	store *datacenter.SQLiteStore
	srv   *httptest.Server
	key   ed25519.PrivateKey
}

func startDataCenter(ctx context.Context, path string, log *slog.Logger) (*dataCenter, error) {
	store, err := datacenter.OpenSQLite(ctx, path, datacenter.SQLiteOptions{Logger: log})
	if err != nil {
		return nil, err
	}
	key, err := datacenter.LoadOrCreateKey(datacenter.KeyFileFor(path))
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return &dataCenter{store: store, key: key,
		srv: httptest.NewServer(datacenter.NewServer(store, datacenter.Options{Logger: log, Key: key}))}, nil
}

// meter registers a meter and enrolls it with keys kept in dir.
func (d *dataCenter) meter(ctx context.Context, dir, serial, account string, minRefill funds.Amount) (*funds.FileKeys, error) {
	if _, err := d.store.RegisterMeter(ctx, serial, account, minRefill, 5000*funds.Dollar); err != nil {
		return nil, err
	}
	keys, err := funds.OpenFileKeys(dir)
	if err != nil {
		return nil, err
	}
	return keys, datacenter.EnrollLocal(ctx, d.store, d.key, serial, keys)
}

func (d *dataCenter) Close() error {
	d.srv.Close()
	return d.store.Close()
}

// benchRefill times whole refills (intent, reserve, apply, post, confirm) of a meter against the Data
// Center over HTTP on loopback; the floor is the five durable commits a refill needs (three on the
// meter, two at the Data Center).
func benchRefill(dir string, n int, bare time.Duration, log *slog.Logger) (row, time.Duration, error) {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return row{}, 0, err
	}
	dc, err := startDataCenter(ctx, filepath.Join(dir, "dc.db"), log)
	if err != nil {
		return row{}, 0, err
	}
	defer dc.Close()
	const account, serial = "70000001", "PM700001"
	if err := errors.Join(dc.store.CreateAccount(ctx, account, 0), dc.store.Deposit(ctx, account, datacenter.MaxAdminAmount)); err != nil {
		return row{}, 0, err
	}
	keys, err := dc.meter(ctx, filepath.Join(dir, "keys"), serial, account, funds.Mill)
	if err != nil {
		return row{}, 0, err
	}
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: serial})
	if err != nil {
		return row{}, 0, err
	}
	defer v.Close()
	client := funds.NewDataCenterClient(dc.srv.URL, serial, keys)
	client.Reports = v.Report
	r := &funds.Refiller{Vault: v, DC: client, Log: log}
	var lat []time.Duration
	for i := range n + 10 {
		start := time.Now()
		res, err := r.Refill(ctx, funds.Dollar, "bench", nil)
		if err != nil || !res.Confirmed {
			return row{}, 0, fmt.Errorf("refill %d: %v (confirmed %v)", i+1, err, res.Confirmed)
		}
		if i >= 10 { // the first ones warm up connections and caches
			lat = append(lat, time.Since(start))
		}
	}
	if err := errors.Join(v.Verify(ctx), dc.store.CheckInvariants(ctx)); err != nil {
		return row{}, 0, err
	}
	p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
	floor := 5 * bare
	return row{
		figure:   fmt.Sprintf("refill round trip on loopback, `funds.Refiller` → Data Center (%d refills)", n),
		value:    fmt.Sprintf("p50 %s, p99 %s", ms(p50), ms(p99)),
		baseline: "5 bare commits (3 meter + 2 Data Center): " + ms(floor),
		ratio:    fmt.Sprintf("p50 %.2f× the floor; p99 target ≤ 25 ms", float64(p50)/float64(floor)),
		result:   passFail(p99 <= 25*time.Millisecond),
	}, p50, nil
}

// benchDataCenter runs meters concurrently against one Data Center, each reserving and posting refills
// over HTTP as fast as it can, and compares the refills per second with the bare commit rate.
func benchDataCenter(dir string, meters int, window time.Duration, bare time.Duration, log *slog.Logger) (row, error) {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return row{}, err
	}
	dc, err := startDataCenter(ctx, filepath.Join(dir, "dc.db"), log)
	if err != nil {
		return row{}, err
	}
	defer dc.Close()
	transport := &http.Transport{MaxIdleConns: 2 * meters, MaxIdleConnsPerHost: 2 * meters}
	defer transport.CloseIdleConnections()
	clients := make([]*funds.DataCenterClient, meters)
	posted := make([]*int64, meters) // each written only by its meter's goroutine
	for i := range clients {
		// Each meter draws on its own customer's account, as at a Data Center serving many customers (an
		// account's every refill re-sums its history, so one account shared by all would slow down as
		// it grows).
		serial, account := fmt.Sprintf("PM80%04d", i+1), fmt.Sprintf("8%07d", i+1)
		if err := errors.Join(dc.store.CreateAccount(ctx, account, 0), dc.store.Deposit(ctx, account, datacenter.MaxAdminAmount)); err != nil {
			return row{}, err
		}
		keys, err := dc.meter(ctx, filepath.Join(dir, "keys-"+serial), serial, account, funds.Dollar)
		if err != nil {
			return row{}, err
		}
		clients[i] = funds.NewDataCenterClient(dc.srv.URL, serial, keys)
		clients[i].HTTP = &http.Client{Transport: transport, Timeout: 30 * time.Second}
		// The meter's report: control is what was posted to it, each report one audit entry on.
		posted[i] = new(int64)
		var seq int64
		clients[i].Reports = func(context.Context) (funds.Report, error) {
			seq++
			return funds.Report{Registers: funds.RegisterReadings{AvailableMills: *posted[i], ControlMills: *posted[i]},
				AuditSeq: seq, AuditHead: fmt.Sprintf("%064x", seq)}, nil
		}
	}
	var done atomic.Int64
	var counting atomic.Bool
	var firstErr error
	var errOnce sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
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
				*posted[i] += (10 * funds.Dollar).Mills()
				if counting.Load() {
					done.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second) // every meter connected and busy
	counting.Store(true)
	start := time.Now()
	time.Sleep(window)
	counting.Store(false)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if firstErr != nil {
		return row{}, fmt.Errorf("concurrent refills: %w", firstErr)
	}
	if err := dc.store.CheckInvariants(ctx); err != nil {
		return row{}, err
	}
	rate := float64(done.Load()) / elapsed.Seconds()
	bareRate := 1 / bare.Seconds()
	ratio := rate / bareRate
	return row{
		figure: fmt.Sprintf("Data Center refills/s, %d meters (own accounts) at once, reserve + post over HTTP, one SQLite store (%d refills)",
			meters, done.Load()),
		value:    fmt.Sprintf("%.0f /s", rate),
		baseline: fmt.Sprintf("bare commit rate: %.0f /s", bareRate),
		// A refill is two durable commits (reserve, post): 0.5× is the storage's ceiling.
		// The issue sets no target here: the ratio is reported against the ceiling of two commits per refill.
		ratio:  fmt.Sprintf("%.2f× (ceiling 0.5×: two commits a refill)", ratio),
		result: "no target",
	}, nil
}

// fileSystem names the file system holding path.
func fileSystem(path string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return "unknown file system"
	}
	switch uint64(st.Type) {
	case 0xEF53:
		return "ext4"
	case 0x01021994:
		return "tmpfs: fsync is free, durable figures are not representative"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x794c7630:
		return "overlayfs"
	}
	return fmt.Sprintf("file system 0x%x", uint64(st.Type))
}
