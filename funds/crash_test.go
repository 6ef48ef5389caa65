package funds_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/internal/crashtest"
	"postmeter/internal/pgtest"
	"postmeter/internal/testenv"
)

// The crash harness runs the real Data Center (SQLite + HTTP) and a real meter (vault + refill client) in
// two child processes of this test binary, kills them with SIGKILL at random moments, loses requests and
// answers on the wire, then settles everything and checks both databases against each other.

const (
	envRole   = "REFILL_CRASH_ROLE"   // "dc" or "meter" in a child process
	envDB     = "REFILL_CRASH_DB"     // the child's database file (or the Data Center's postgres:// URL)
	envAddr   = "REFILL_CRASH_ADDR"   // the Data Center's address; the meter's: every replica's, comma-separated
	envDCKey  = "REFILL_CRASH_DC_KEY" // the Data Center's signing key file
	envKeys   = "REFILL_CRASH_KEYS"   // the meter's key folder
	envSeed   = "REFILL_CRASH_SEED"   // the meter's random seed
	envBug    = "REFILL_CRASH_BUG"    // a planted bug (funds.Bug*) the harness must catch
	envRounds = "REFILL_CRASH_ROUNDS" // raises the number of rounds

	crashSerial        = "PM000001"
	crashAccount       = "12345678"
	defaultCrashRounds = 300
)

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case "dc":
		os.Exit(crashtest.RunDataCenter(os.Getenv(envDB), os.Getenv(envAddr), os.Getenv(envDCKey)))
	case "meter":
		os.Exit(runCrashMeter())
	case "archive":
		os.Exit(runArchiveChild()) // archive_crash_test.go
	}
	os.Exit(pgtest.Main(m))
}

func TestRefillCrashHarness(t *testing.T) {
	testenv.Short(t, "the crash harness takes about a minute")
	rounds := defaultCrashRounds
	if s := os.Getenv(envRounds); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of rounds", envRounds, s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REFILL_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	h := newCrashHarness(t, seed, os.Getenv(envBug))
	res := h.run(rounds)
	for _, v := range res.violations {
		t.Errorf("violation: %s", v)
	}
	t.Log(res.line())
}

// TestRefillCrashHarnessCatchesPlantedBugs proves the harness is not blind: with each planted bug it
// must report a violation within a few dozen rounds.
func TestRefillCrashHarnessCatchesPlantedBugs(t *testing.T) {
	testenv.Short(t, "runs the crash harness twice")
	for _, bug := range []string{funds.BugNewIDRetry, funds.BugSplitApply} {
		t.Run(bug, func(t *testing.T) {
			h := newCrashHarness(t, 1, bug)
			res := h.run(60)
			if len(res.violations) == 0 {
				t.Fatalf("planted bug %s went unnoticed: %s", bug, res.line())
			}
			t.Logf("planted bug %s caught: %s (%s)", bug, res.violations[0], res.line())
		})
	}
}

type crashHarness struct {
	t        *testing.T
	dir      string
	rng      *rand.Rand
	bug      string
	db       string       // the Data Center's database: a SQLite file, or a postgres:// URL its replicas share
	dcs      []*dcReplica // the Data Center processes, all serving db
	dcKills  int
	mtrKills int
}

// dcReplica is one Data Center process and the address it keeps across restarts.
type dcReplica struct {
	addr string
	cmd  *exec.Cmd
}

type crashResult struct {
	store                       string // "" for the SQLite harness, whose line stays as it always was
	replicas                    int
	rounds, meterKills, dcKills int
	refills, pieces             int64
	lostMills, createdMills     int64
	violations                  []string
}

func (r crashResult) line() string {
	prefix := "refill-crash: "
	if r.store != "" {
		prefix += fmt.Sprintf("store=%s replicas=%d ", r.store, r.replicas)
	}
	return fmt.Sprintf(prefix+"rounds=%d meter_kills=%d dc_kills=%d refills=%d pieces=%d lost_mills=%d created_mills=%d",
		r.rounds, r.meterKills, r.dcKills, r.refills, r.pieces, r.lostMills, r.createdMills)
}

func newCrashHarness(t *testing.T, seed uint64, bug string) *crashHarness {
	return newCrashHarnessOn(t, seed, bug, "", 1)
}

// newCrashHarnessOn is the harness with the Data Center on db (its own SQLite file if "") served by
// replicas processes.
func newCrashHarnessOn(t *testing.T, seed uint64, bug, db string, replicas int) *crashHarness {
	t.Helper()
	dir := t.TempDir()
	h := &crashHarness{t: t, dir: dir, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), bug: bug, db: db}
	if h.db == "" {
		h.db = h.dcPath()
	}
	for range replicas {
		h.dcs = append(h.dcs, &dcReplica{})
	}
	t.Logf("seed %d, data in %s", seed, dir)

	// Provision the Data Center database in-process: one account, one meter.
	ctx := context.Background()
	store, err := datacenter.Open(ctx, h.db, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	must(t, store.CreateAccount(ctx, crashAccount, 10_000*funds.Dollar))
	must(t, store.Deposit(ctx, crashAccount, 1_000_000*funds.Dollar))
	if _, err := store.RegisterMeter(ctx, crashSerial, crashAccount, funds.Dollar, 5000*funds.Dollar); err != nil {
		t.Fatal(err)
	}
	dcKey, err := datacenter.LoadOrCreateKey(h.dcKeyPath())
	must(t, err)
	keys, err := funds.OpenFileKeys(h.keysDir())
	must(t, err)
	must(t, datacenter.EnrollLocal(ctx, store, dcKey, crashSerial, keys))
	must(t, store.Close())
	for i := range h.dcs {
		h.startDC(i)
	}
	t.Cleanup(h.stopDC)
	return h
}

func (h *crashHarness) dcPath() string    { return filepath.Join(h.dir, "datacenter.db") }
func (h *crashHarness) dcKeyPath() string { return filepath.Join(h.dir, "datacenter.ed25519") }

// addrs are the replicas' addresses, comma-separated, as the meter gets them.
func (h *crashHarness) addrs() string {
	var a []string
	for _, r := range h.dcs {
		a = append(a, r.addr)
	}
	return strings.Join(a, ",")
}
func (h *crashHarness) meterPath() string { return filepath.Join(h.dir, "meter.db") }
func (h *crashHarness) keysDir() string   { return filepath.Join(h.dir, "keys") }

// child starts this test binary in a role; only TestMain looks at the role, so no test runs in it.
func (h *crashHarness) child(role string, extra ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envRole+"="+role, envAddr+"="+h.addrs(), envKeys+"="+h.keysDir(), envBug+"="+h.bug,
		envDCKey+"="+h.dcKeyPath())
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stderr = io.Discard
	return cmd
}

// startDC starts Data Center replica i and waits for the line that says it listens (on the same
// address as before after a restart, so a running meter reconnects).
func (h *crashHarness) startDC(i int) {
	cmd := h.child("dc", envDB+"="+h.db)
	cmd.Env = append(cmd.Env, envAddr+"="+h.dcs[i].addr) // the last one wins: this replica's own
	out, err := cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		h.t.Fatalf("data center did not start: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		h.t.Fatalf("data center said %q", line)
	}
	h.dcs[i].addr, h.dcs[i].cmd = addr, cmd
}

func (h *crashHarness) killDC(i int) {
	r := h.dcs[i]
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
	r.cmd = nil
	h.dcKills++
}

func (h *crashHarness) stopDC() {
	for _, r := range h.dcs {
		if r.cmd != nil {
			_ = r.cmd.Process.Signal(syscall.SIGKILL)
			_ = r.cmd.Wait()
			r.cmd = nil
		}
	}
}

// run plays the rounds, settles, and checks.
func (h *crashHarness) run(rounds int) crashResult {
	for round := 0; round < rounds; round++ {
		meter := h.child("meter", envDB+"="+h.meterPath(), envSeed+"="+strconv.FormatUint(h.rng.Uint64(), 10))
		out, err := meter.StdoutPipe()
		if err != nil {
			h.t.Fatal(err)
		}
		if err := meter.Start(); err != nil {
			h.t.Fatal(err)
		}
		// The kill points are random on purpose: the meter and the Data Center die mid-work. One round
		// in ten kills the meter while it opens its vault; the others count its life from when it is
		// ready, because opening takes longer as the history grows (Verify replays it all) and a life
		// counted from the start would soon end before any work.
		if h.rng.IntN(10) != 0 {
			// It says "ready", or ends without (a vault that refuses to open: the checks below report it).
			said := make(chan struct{})
			go func() {
				_, _ = bufio.NewReader(out).ReadString('\n')
				close(said)
			}()
			select {
			case <-said:
			case <-time.After(30 * time.Second):
				h.t.Fatal("the meter did not open its vault within 30 s")
			}
		}
		life := time.Duration(20+h.rng.IntN(200)) * time.Millisecond
		killDC := h.rng.IntN(4) == 0
		if killDC {
			time.Sleep(time.Duration(h.rng.Int64N(int64(life))))
			i := h.rng.IntN(len(h.dcs)) // with replicas, one of them; the meter's requests go to either
			h.killDC(i)
			if h.rng.IntN(2) == 0 {
				h.startDC(i) // back while the meter still runs
			}
		} else {
			time.Sleep(life)
		}
		_ = meter.Process.Signal(syscall.SIGKILL)
		_ = meter.Wait()
		h.mtrKills++
		for i, r := range h.dcs {
			if r.cmd == nil {
				h.startDC(i)
			}
		}
	}
	res := crashResult{rounds: rounds, meterKills: h.mtrKills, replicas: len(h.dcs)}
	if datacenter.IsPostgresURL(h.db) {
		res.store = "postgres"
	}
	res.violations = h.settle()
	h.stopDC()
	res.dcKills = h.dcKills
	h.check(&res)
	return res
}

// settle runs a fault-free meter in this process until every refill is final.
func (h *crashHarness) settle() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys, err := funds.OpenFileKeys(h.keysDir())
	must(h.t, err)
	v, err := funds.OpenVault(ctx, h.meterPath(), funds.VaultOptions{Keys: keys, Serial: crashSerial})
	if err != nil {
		return []string{fmt.Sprintf("meter vault does not open after the crashes: %v", err)}
	}
	defer v.Close()
	client := funds.NewDataCenterClient("http://"+h.dcs[0].addr, crashSerial, keys)
	client.HTTP = &http.Client{Timeout: 2 * time.Second}
	client.Reports = v.Report
	r := &funds.Refiller{Vault: v, DC: client, Log: quietLog(),
		Retry: funds.RetryPolicy{Attempts: 20, Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}}
	if err := r.Reconcile(ctx); err != nil {
		return []string{fmt.Sprintf("fault-free reconcile failed: %v", err)}
	}
	return nil
}

// check reads both databases at rest and compares them refill by refill.
func (h *crashHarness) check(res *crashResult) {
	ctx := context.Background()
	fail := func(format string, args ...any) {
		res.violations = append(res.violations, fmt.Sprintf(format, args...))
	}

	// The meter, read raw so a vault that refuses to open still yields its figures.
	mdb, err := sql.Open("sqlite", "file:"+h.meterPath()+"?mode=ro")
	if err != nil {
		h.t.Fatal(err)
	}
	defer mdb.Close()
	var control, pieces int64
	if err := mdb.QueryRowContext(ctx, `SELECT control, pieces FROM registers`).Scan(&control, &pieces); err != nil {
		h.t.Fatal(err)
	}
	res.pieces = pieces
	applied := map[string]int64{}
	rows, err := mdb.QueryContext(ctx, `SELECT id, amount, state FROM refills`)
	if err != nil {
		h.t.Fatal(err)
	}
	for rows.Next() {
		var id, state string
		var amount int64
		must(h.t, rows.Scan(&id, &amount, &state))
		switch state {
		case funds.RefillApplied, funds.RefillConfirmed:
			applied[id] = amount
		case funds.RefillRequested, funds.RefillAbandoned:
			fail("meter refill %s still %s after settling", id, state)
		}
	}
	must(h.t, rows.Err())
	rows.Close()
	keys, err := funds.OpenFileKeys(h.keysDir())
	must(h.t, err)
	if v, err := funds.OpenVault(ctx, h.meterPath(), funds.VaultOptions{Keys: keys, Serial: crashSerial}); err != nil {
		fail("meter vault: %v", err)
	} else {
		v.Close()
	}

	// The Data Center.
	store, err := datacenter.Open(ctx, h.db, quietLog())
	if err != nil {
		h.t.Fatal(err)
	}
	defer store.Close()
	if err := store.CheckInvariants(ctx); err != nil {
		fail("data center: %v", err)
	}
	if suspects, err := store.Suspects(ctx); err != nil {
		h.t.Fatal(err)
	} else if len(suspects) > 0 {
		fail("data center marked the meter suspect: %s", suspects[0].Suspect)
	}
	money, err := crashtest.CheckDataCenter(ctx, store, crashAccount, control, applied, fail)
	if err != nil {
		h.t.Fatal(err)
	}
	res.refills, res.createdMills, res.lostMills = money.Refills, money.CreatedMills, money.LostMills
}

// runCrashMeter is the meter child: it refills and prints until it is killed, through a network that
// loses requests and answers.
func runCrashMeter() int {
	ctx := context.Background()
	seed, _ := strconv.ParseUint(os.Getenv(envSeed), 10, 64)
	rng := rand.New(rand.NewPCG(seed, 1))
	keys, err := funds.OpenFileKeys(os.Getenv(envKeys))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	v, err := funds.OpenVault(ctx, os.Getenv(envDB), funds.VaultOptions{Keys: keys, Serial: crashSerial})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	addrs := strings.Split(os.Getenv(envAddr), ",")
	client := funds.NewDataCenterClient("http://"+addrs[0], crashSerial, keys)
	client.HTTP = &http.Client{Timeout: 2 * time.Second,
		Transport: &crashtest.LossyTransport{Base: http.DefaultTransport, Rand: rand.New(rand.NewPCG(seed, 2)), P: 0.1, Hosts: addrs}}
	client.Reports = v.Report
	r := &funds.Refiller{Vault: v, DC: client, Log: quietLog(),
		Retry: funds.RetryPolicy{Attempts: 4, Initial: 2 * time.Millisecond, Max: 20 * time.Millisecond}}
	funds.PlantBug(r, os.Getenv(envBug))
	if _, err := v.SpoilUnconfirmedPieces(ctx, "meter restarted before the print was confirmed"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	for {
		if err := r.Reconcile(ctx); err != nil {
			continue
		}
		if rng.IntN(3) == 0 {
			amount := funds.Amount(1+rng.IntN(500)) * funds.Dollar
			_, err := r.Refill(ctx, amount, "harness", nil)
			var pending *funds.PendingRefillError
			if errors.As(err, &pending) && rng.IntN(2) == 0 {
				_ = r.Abandon(ctx, pending.Refill.ID) // the clerk gives up; otherwise Reconcile resumes it
			}
			continue
		}
		for i := 0; i < 1+rng.IntN(5); i++ {
			p, err := v.Debit(ctx, funds.Amount(1+rng.IntN(20_000)), funds.PieceInfo{Actor: "harness"})
			if err != nil {
				break
			}
			_ = v.MarkPrinted(ctx, p.Seq)
		}
	}
}

func quietLog() *slog.Logger { return crashtest.QuietLog() }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
