package meter

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
	"postmeter/internal/testenv"
)

// The auto-refill crash harness, in the style of funds' refill crash harness: the real Data Center
// (SQLite + HTTP on loopback) and a whole meter core with auto-refill on run in child processes of this
// test binary. The meter prints pieces (auto-refill starts in the background as funds fall) through a
// network that loses requests and answers; the harness kills it with SIGKILL at random moments (and the
// Data Center in one round of four), moves the meter's day on every few rounds, then settles every
// refill and checks both databases: no auto-refill applied twice, no day past its limits, no money
// lost or made.

const (
	envAutoRole = "AUTO_CRASH_ROLE" // "dc" or "meter" in a child process
	envAutoDB   = "AUTO_CRASH_DB"
	envAutoAddr = "AUTO_CRASH_ADDR"
	envAutoKey  = "AUTO_CRASH_DC_KEY"
	envAutoKeys = "AUTO_CRASH_KEYS"
	envAutoSeed = "AUTO_CRASH_SEED"
	envAutoDay  = "AUTO_CRASH_DAY" // days the meter's clock is moved on
	envAutoRuns = "AUTO_CRASH_ROUNDS"
	envAutoBug  = "AUTO_CRASH_BUG" // bugMemoryLimits: the planted bug the harness must catch

	autoSerial       = "PM000014"
	autoAccount      = "14141414"
	autoRounds       = 120
	autoRoundsPerDay = 5
)

// The settings under test: below $150.00 add $50.00, at most 3 a day and $200.00 a day (so the count
// is the limit that binds; TestAutoRefillStopsAtTheDaysAmount covers the amount).
var autoCrashSettings = AutoRefillSettings{On: true, Threshold: 150 * funds.Dollar, Amount: 50 * funds.Dollar,
	MaxPerDay: 3, MaxPerDayAmount: 200 * funds.Dollar}

func TestMain(m *testing.M) {
	switch os.Getenv(envAutoRole) {
	case "dc":
		os.Exit(crashtest.RunDataCenter(os.Getenv(envAutoDB), os.Getenv(envAutoAddr), os.Getenv(envAutoKey)))
	case "meter":
		os.Exit(runAutoCrashMeter())
	}
	os.Exit(m.Run())
}

func TestAutoRefillCrashHarness(t *testing.T) {
	testenv.Short(t, "the auto-refill crash harness takes about half a minute")
	rounds := autoRounds
	if s := os.Getenv(envAutoRuns); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of rounds", envAutoRuns, s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envAutoSeed); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	h := newAutoHarness(t, seed)
	res := h.run(rounds)
	for _, v := range res.violations {
		t.Errorf("violation: %s", v)
	}
	if res.refills == 0 || res.midRefill == 0 {
		t.Errorf("the harness proved nothing: %d auto-refills, %d kills during one", res.refills, res.midRefill)
	}
	t.Log(res.line())
}

// bugMemoryLimits counts the day's auto-refills in memory, as if the vault did not keep them: each
// restart forgets the day's count, so a day can pass its limits.
const bugMemoryLimits = "memory-limits"

// TestAutoRefillCrashHarnessCatchesPlantedBug proves the harness is not blind: with the day's count kept
// in memory instead of the vault it must find a day past its limits.
func TestAutoRefillCrashHarnessCatchesPlantedBug(t *testing.T) {
	testenv.Short(t, "runs the auto-refill crash harness")
	h := newAutoHarness(t, 1)
	h.bug = bugMemoryLimits
	res := h.run(30)
	if len(res.violations) == 0 {
		t.Fatalf("planted bug %s went unnoticed: %s", bugMemoryLimits, res.line())
	}
	t.Logf("planted bug %s caught: %s (%s)", bugMemoryLimits, res.violations[0], res.line())
}

type autoHarness struct {
	bug     string
	t       *testing.T
	dir     string
	rng     *rand.Rand
	dc      *exec.Cmd
	dcAddr  string
	dcKills int
}

type autoResult struct {
	rounds, meterKills, dcKills, days int
	refills, pieces, midRefill        int64
	atLimit                           int // days that reached their count limit
	lostMills, createdMills           int64
	violations                        []string
}

func (r autoResult) line() string {
	return fmt.Sprintf("auto-refill-crash: rounds=%d meter_kills=%d dc_kills=%d days=%d days_at_limit=%d refills=%d "+
		"killed_mid_refill=%d pieces=%d lost_mills=%d created_mills=%d",
		r.rounds, r.meterKills, r.dcKills, r.days, r.atLimit, r.refills, r.midRefill, r.pieces, r.lostMills, r.createdMills)
}

func (h *autoHarness) path(name string) string { return filepath.Join(h.dir, name) }

func newAutoHarness(t *testing.T, seed uint64) *autoHarness {
	t.Helper()
	h := &autoHarness{t: t, dir: t.TempDir(), rng: rand.New(rand.NewPCG(seed, 14))}
	t.Logf("seed %d, data in %s", seed, h.dir)
	ctx := context.Background()
	store, err := datacenter.Open(ctx, h.path("dc.db"), quietLogger())
	must(t, err)
	must(t, store.CreateAccount(ctx, autoAccount, 0))
	must(t, store.Deposit(ctx, autoAccount, 1_000_000*funds.Dollar))
	_, err = store.RegisterMeter(ctx, autoSerial, autoAccount, funds.Dollar, 5000*funds.Dollar)
	must(t, err)
	dcKey, err := datacenter.LoadOrCreateKey(h.path("dc.ed25519"))
	must(t, err)
	keys, err := funds.OpenFileKeys(h.path("keys"))
	must(t, err)
	must(t, datacenter.EnrollLocal(ctx, store, dcKey, autoSerial, keys))
	must(t, store.Close())
	h.startDC()
	t.Cleanup(h.stopDC)

	// A supervisor turns auto-refill on, through the core, before the first round.
	m, v := openAutoMeter(ctx, h.path("meter.db"), h.path("keys"), h.dcAddr, 0, nil)
	if m == nil {
		t.Fatal("the meter does not open")
	}
	must(t, m.SetAutoRefill(ctx, m.Users().Anonymous(), autoCrashSettings))
	must(t, v.Close())
	return h
}

func (h *autoHarness) child(role string, extra ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envAutoRole+"="+role, envAutoKeys+"="+h.path("keys"), envAutoKey+"="+h.path("dc.ed25519"),
		envAutoBug+"="+h.bug)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stderr = io.Discard
	return cmd
}

// startDC starts the Data Center on its address of before (a fresh one the first time) and waits until
// it listens.
func (h *autoHarness) startDC() {
	cmd := h.child("dc", envAutoDB+"="+h.path("dc.db"), envAutoAddr+"="+h.dcAddr)
	out, err := cmd.StdoutPipe()
	must(h.t, err)
	must(h.t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		h.t.Fatalf("data center did not start: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		h.t.Fatalf("data center said %q", line)
	}
	h.dc, h.dcAddr = cmd, addr
}

func (h *autoHarness) stopDC() {
	if h.dc != nil {
		_ = h.dc.Process.Signal(syscall.SIGKILL)
		_ = h.dc.Wait()
		h.dc = nil
	}
}

func (h *autoHarness) run(rounds int) autoResult {
	res := autoResult{rounds: rounds}
	for round := range rounds {
		day := round / autoRoundsPerDay
		meter := h.child("meter", envAutoDB+"="+h.path("meter.db"), envAutoAddr+"="+h.dcAddr,
			envAutoSeed+"="+strconv.FormatUint(h.rng.Uint64(), 10), envAutoDay+"="+strconv.Itoa(day))
		out, err := meter.StdoutPipe()
		must(h.t, err)
		must(h.t, meter.Start())
		// One round in ten kills the meter while it opens (and reconciles); the others from when it prints.
		if h.rng.IntN(10) != 0 {
			said := make(chan struct{})
			go func() {
				_, _ = bufio.NewReader(out).ReadString('\n')
				close(said)
			}()
			select {
			case <-said:
			case <-time.After(30 * time.Second):
				h.t.Fatal("the meter did not open within 30 s")
			}
		}
		life := time.Duration(10+h.rng.IntN(150)) * time.Millisecond
		if h.rng.IntN(4) == 0 {
			time.Sleep(time.Duration(h.rng.Int64N(int64(life))))
			h.stopDC()
			h.dcKills++
			if h.rng.IntN(2) == 0 {
				h.startDC() // back while the meter still runs
			}
		} else {
			time.Sleep(life)
		}
		_ = meter.Process.Signal(syscall.SIGKILL)
		_ = meter.Wait()
		res.meterKills++
		if h.dc == nil {
			h.startDC()
		}
		if h.openAutoRefills() > 0 {
			res.midRefill++
		}
	}
	res.days = (rounds + autoRoundsPerDay - 1) / autoRoundsPerDay
	res.violations = h.settle()
	h.stopDC()
	res.dcKills = h.dcKills
	h.check(&res)
	return res
}

// openAutoRefills counts the auto-refills the killed meter left between intent and final state.
func (h *autoHarness) openAutoRefills() int {
	db, err := sql.Open("sqlite", "file:"+h.path("meter.db")+"?mode=ro")
	must(h.t, err)
	defer db.Close()
	var n int
	must(h.t, db.QueryRow(`SELECT count(*) FROM refills WHERE state IN ('requested', 'applied')`).Scan(&n))
	return n
}

// settle drives every refill to a final state with a fault-free client, as a meter does at its next
// connection.
func (h *autoHarness) settle() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys, err := funds.OpenFileKeys(h.path("keys"))
	must(h.t, err)
	v, err := funds.OpenVault(ctx, h.path("meter.db"), funds.VaultOptions{Keys: keys, Serial: autoSerial})
	if err != nil {
		return []string{fmt.Sprintf("meter vault does not open after the crashes: %v", err)}
	}
	defer v.Close()
	client := funds.NewDataCenterClient("http://"+h.dcAddr, autoSerial, keys)
	client.HTTP = &http.Client{Timeout: 2 * time.Second}
	client.Reports = v.Report
	r := &funds.Refiller{Vault: v, DC: client, Log: quietLogger(),
		Retry: funds.RetryPolicy{Attempts: 20, Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}}
	if err := r.Reconcile(ctx); err != nil {
		return []string{fmt.Sprintf("fault-free reconcile failed: %v", err)}
	}
	return nil
}

// check reads both databases at rest.
func (h *autoHarness) check(res *autoResult) {
	ctx := context.Background()
	fail := func(format string, args ...any) {
		res.violations = append(res.violations, fmt.Sprintf(format, args...))
	}
	mdb, err := sql.Open("sqlite", "file:"+h.path("meter.db")+"?mode=ro")
	must(h.t, err)
	defer mdb.Close()
	var control int64
	must(h.t, mdb.QueryRowContext(ctx, `SELECT control, pieces FROM registers`).Scan(&control, &res.pieces))

	applied := map[string]int64{}
	var appliedSum int64
	rows, err := mdb.QueryContext(ctx, `SELECT r.id, r.amount, r.state, r.actor, a.refill_id IS NOT NULL
		FROM refills r LEFT JOIN auto_refills a ON a.refill_id = r.id`)
	must(h.t, err)
	for rows.Next() {
		var id, state, actor string
		var amount int64
		var auto bool
		must(h.t, rows.Scan(&id, &amount, &state, &actor, &auto))
		if !auto || actor != funds.AutoRefillActor {
			fail("refill %s by %q is not recorded as an auto-refill: only auto-refills run here", id, actor)
		}
		switch state {
		case funds.RefillApplied, funds.RefillConfirmed:
			applied[id] = amount
			appliedSum += amount
		case funds.RefillRequested, funds.RefillAbandoned:
			fail("refill %s still %s after settling", id, state)
		}
	}
	must(h.t, rows.Err())
	rows.Close()
	// Applied once: the audit says so, and the control total is the sum of the refills applied.
	var twice string
	err = mdb.QueryRowContext(ctx, `SELECT substr(body, 1, instr(body, ' ') - 1) AS id FROM audit
		WHERE kind = 'refill-applied' GROUP BY id HAVING count(*) > 1 LIMIT 1`).Scan(&twice)
	if err == nil {
		fail("refill %s applied twice", twice)
	} else if !errors.Is(err, sql.ErrNoRows) {
		h.t.Fatal(err)
	}
	if control != appliedSum {
		fail("meter control %d mills, refills applied %d mills", control, appliedSum)
	}
	// No day past its limits, whatever the kills.
	lim := autoCrashSettings
	days, err := mdb.QueryContext(ctx, `SELECT a.day, count(*), sum(a.amount) FROM auto_refills a
		JOIN refills r ON r.id = a.refill_id WHERE r.state IN ('applied', 'confirmed') GROUP BY a.day`)
	must(h.t, err)
	for days.Next() {
		var day string
		var n int
		var sum int64
		must(h.t, days.Scan(&day, &n, &sum))
		if n > lim.MaxPerDay || sum > lim.MaxPerDayAmount.Mills() {
			fail("day %s: %d auto-refills of %d mills, past the limits of %d and %s", day, n, sum, lim.MaxPerDay, lim.MaxPerDayAmount)
		}
		if n == lim.MaxPerDay {
			res.atLimit++
		}
	}
	must(h.t, days.Err())
	days.Close()
	keys, err := funds.OpenFileKeys(h.path("keys"))
	must(h.t, err)
	if v, err := funds.OpenVault(ctx, h.path("meter.db"), funds.VaultOptions{Keys: keys, Serial: autoSerial}); err != nil {
		fail("meter vault: %v", err)
	} else {
		if err := v.Verify(ctx); err != nil {
			fail("meter vault: %v", err)
		}
		v.Close()
	}

	store, err := datacenter.Open(ctx, h.path("dc.db"), quietLogger())
	must(h.t, err)
	defer store.Close()
	if err := store.CheckInvariants(ctx); err != nil {
		fail("data center: %v", err)
	}
	money, err := crashtest.CheckDataCenter(ctx, store, autoAccount, control, applied, fail)
	must(h.t, err)
	res.refills, res.createdMills, res.lostMills = money.Refills, money.CreatedMills, money.LostMills
}

// openAutoMeter opens a whole meter core on the vault at path, its clock moved on by day days, talking
// to the Data Center at addr through transport (the default if nil).
func openAutoMeter(ctx context.Context, path, keysDir, addr string, day int, transport http.RoundTripper) (*Meter, *funds.Vault) {
	keys, err := funds.OpenFileKeys(keysDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	clock := NewSimClock(nil)
	clock.Advance(time.Duration(day) * 24 * time.Hour)
	v, err := funds.OpenVault(ctx, path, funds.VaultOptions{Keys: keys, Serial: autoSerial})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	client := funds.NewDataCenterClient("http://"+addr, autoSerial, keys)
	client.HTTP = &http.Client{Timeout: 2 * time.Second, Transport: transport}
	client.Reports = v.Report
	users, err := OpenUsers(ctx, v, UsersOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	rates, err := LoadRateTables()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	models, err := LoadModels()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	model, err := ModelByName(models, DefaultModel)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	m, err := Open(ctx, Config{
		Identity: Identity{Serial: autoSerial, IndiciaNumber: "PB0001414", AccountNumber: autoAccount, OriginZIP: "06926"},
		Vault:    v, DataCenter: client, Users: users, Clock: clock, Model: model, Rates: rates,
		AllowUnverifiedRates: true, Engine: newFakeEngine(),
		Retry: funds.RetryPolicy{Attempts: 4, Initial: 2 * time.Millisecond, Max: 20 * time.Millisecond}, Log: quietLogger(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, nil
	}
	return m, v
}

// runAutoCrashMeter is the meter child: it settles what its predecessor left (as a meter does at
// start-up), then prints pieces until it is killed, through a network that loses requests and answers.
func runAutoCrashMeter() int {
	ctx := context.Background()
	seed, _ := strconv.ParseUint(os.Getenv(envAutoSeed), 10, 64)
	day, _ := strconv.Atoi(os.Getenv(envAutoDay))
	rng := rand.New(rand.NewPCG(seed, 1))
	lossy := &crashtest.LossyTransport{Base: http.DefaultTransport, Rand: rand.New(rand.NewPCG(seed, 2)), P: 0.1}
	m, _ := openAutoMeter(ctx, os.Getenv(envAutoDB), os.Getenv(envAutoKeys), os.Getenv(envAutoAddr), day, lossy)
	if m == nil {
		return 1
	}
	if os.Getenv(envAutoBug) == bugMemoryLimits {
		mem := map[string]funds.AutoDay{}
		m.auto.planted = func(day string) (funds.AutoDay, funds.AutoLimits) {
			u := mem[day]
			if u.Count < autoCrashSettings.MaxPerDay {
				mem[day] = funds.AutoDay{Count: u.Count + 1, Amount: u.Amount + autoCrashSettings.Amount}
			}
			return u, funds.AutoLimits{Count: 1 << 20, Amount: 1_000_000 * funds.Dollar}
		}
	}
	_ = m.Reconcile(ctx) // start-up: a refill its predecessor left open is finished or settled first
	fmt.Println("ready")
	s := m.Users().Anonymous()
	for {
		_, err := m.PrintPiece(ctx, s, Job{KeyedPostage: funds.Amount(1+rng.IntN(3000)) * funds.Cent}, MediumEnvelope)
		var short *funds.InsufficientFundsError
		if errors.As(err, &short) {
			m.WaitAutoRefill() // the refill a refused piece started, if any; then the clerk tries again
			time.Sleep(time.Millisecond)
		}
	}
}

func quietLogger() *slog.Logger { return crashtest.QuietLog() }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
