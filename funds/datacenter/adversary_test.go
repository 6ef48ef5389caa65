package datacenter_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"postmeter/devices"
	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/internal/testenv"
	pm "postmeter/meter"
)

// The adversary harness (issue "Trust") runs the real Data Center (SQLite store, signed HTTP API on
// loopback) and a real meter (vault, keys, refill client, meter core on simulated devices) and plays
// attacks against them, each in a world of its own. Every attack must be refused at once (nothing
// changes) or detected: by the vault's Verify when the meter opens its file, or by the Data Center at the
// meter's next contact, after which the meter prints nothing more. It ends with one line:
//
//	adversary: attacks=N refused=R detected=D undetected=U created_mills=C
//
// created_mills is postage the meter could still print beyond what the Data Center granted it.
// TestAdversaryCatchesPlantedWeaknesses switches checks off (in this test binary only) and requires
// the harness to report undetected attacks, so it is not blind.

const (
	advAccount = "55550001"
	advSerial  = "PM550001"
	advOther   = "PM550002" // a second meter on the same account
	advPIN     = "246813"
)

// weakness is a check switched off for one run of the harness.
type weakness string

const (
	weakNone         weakness = ""
	weakNonceMemory  weakness = "no-nonce-memory"  // the Data Center accepts a nonce twice
	weakReportChecks weakness = "no-report-checks" // the Data Center believes every report
	weakGrantChecks  weakness = "no-grant-checks"  // the meter believes any Data Center signature
)

// has reports whether w, one weakness or several joined by "+", includes x.
func (w weakness) has(x weakness) bool {
	for _, part := range strings.Split(string(w), "+") {
		if weakness(part) == x {
			return true
		}
	}
	return false
}

// trustingKeys is the meter's key store with the grant check planted away: any signature passes as
// the Data Center's.
type trustingKeys struct{ funds.Keys }

func (trustingKeys) VerifyDataCenter(msg, sig []byte) bool { return true }

// world is one meter and its Data Center.
type world struct {
	t      *testing.T
	ctx    context.Context
	dir    string
	weak   weakness
	store  datacenter.Store
	dcKey  ed25519.PrivateKey
	srv    *httptest.Server
	keys   funds.Keys
	vault  *funds.Vault
	client *funds.DataCenterClient
	m      *pm.Meter
	sup    *pm.Session
	other  *meter // a second meter, signing by hand (helpers_test.go)
	quiet  *slog.Logger
}

func newWorld(t *testing.T, weak weakness) *world { return newWorldOn(t, sqliteBackend, weak) }

// newWorldOn is newWorld with the Data Center on the store of b.
func newWorldOn(t *testing.T, b backend, weak weakness) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, ctx: ctx, dir: t.TempDir(), weak: weak, quiet: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var err error
	w.store, err = b.open(ctx, b.fresh(t), time.Now, w.quiet)
	require.NoError(t, err)
	t.Cleanup(func() { w.store.Close() })
	if weak.has(weakNonceMemory) {
		datacenter.PlantNoNonceMemory(w.store)
	}
	if weak.has(weakReportChecks) {
		datacenter.PlantTrustReports(w.store)
	}
	require.NoError(t, w.store.CreateAccount(ctx, advAccount, 0))
	require.NoError(t, w.store.Deposit(ctx, advAccount, 10_000*funds.Dollar))
	_, w.dcKey, err = ed25519.GenerateKey(nil)
	require.NoError(t, err)
	w.srv = httptest.NewServer(datacenter.NewServer(w.store, datacenter.Options{Logger: w.quiet, Key: w.dcKey}))
	t.Cleanup(w.srv.Close)
	_, err = w.store.RegisterMeter(ctx, advSerial, advAccount, 10*funds.Dollar, 5000*funds.Dollar)
	require.NoError(t, err)
	keys, err := funds.OpenFileKeys(filepath.Join(w.dir, "keys"))
	require.NoError(t, err)
	require.NoError(t, datacenter.EnrollLocal(ctx, w.store, w.dcKey, advSerial, keys))
	w.keys = keys
	if weak.has(weakGrantChecks) {
		w.keys = trustingKeys{keys}
	}
	w.openMeter(w.srv.URL)
	// The other meter enrolls by hand, so attacks can sign its requests directly.
	token, err := w.store.RegisterMeter(ctx, advOther, advAccount, 10*funds.Dollar, 5000*funds.Dollar)
	require.NoError(t, err)
	pub, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.NoError(t, w.store.Enroll(ctx, advOther, token, pub))
	w.other = &meter{h: &harness{t: t, dcKey: w.dcKey, ctx: ctx, store: w.store, srv: w.srv, clock: &clock{t: time.Now()}},
		serial: advOther, key: key}

	// A meter in use: a first refill of $100.00 and three pieces.
	_, err = w.m.Refill(ctx, w.sup, 100*funds.Dollar, nil)
	require.NoError(t, err)
	for range 3 {
		_, err := w.m.PrintPiece(ctx, w.sup, pm.Job{Class: pm.ClassLetter, Weight: 10}, pm.MediumEnvelope)
		require.NoError(t, err)
	}
	return w
}

// openMeter opens the vault and the meter core, talking to the Data Center at url.
func (w *world) openMeter(url string) {
	t, ctx := w.t, w.ctx
	var err error
	w.vault, err = funds.OpenVault(ctx, w.vaultPath(), funds.VaultOptions{Keys: w.keys, Serial: advSerial})
	require.NoError(t, err)
	t.Cleanup(func() { w.vault.Close() })
	w.client = funds.NewDataCenterClient(url, advSerial, w.keys)
	w.client.HTTP = &http.Client{Timeout: 5 * time.Second}
	w.client.Reports, w.client.Log = w.vault.Report, w.quiet
	users, err := pm.OpenUsers(ctx, w.vault, pm.UsersOptions{Pepper: w.keys.MAC(pm.PepperPurpose, nil), IdleTimeout: time.Hour})
	require.NoError(t, err)
	require.NoError(t, users.Seed(ctx, []pm.NewUser{{Name: "Sue", Role: pm.RoleSupervisor, PIN: advPIN}}, nil))
	rates, err := pm.LoadRateTables()
	require.NoError(t, err)
	models, err := pm.LoadModels()
	require.NoError(t, err)
	model, err := pm.ModelByName(models, pm.DefaultModel)
	require.NoError(t, err)
	w.m, err = pm.Open(ctx, pm.Config{
		Identity: pm.Identity{Serial: advSerial, IndiciaNumber: "PB0055500", AccountNumber: advAccount, OriginZIP: "06926"},
		Vault:    w.vault, DataCenter: w.client, Users: users, Model: model, Rates: rates,
		AllowUnverifiedRates: true, // the attacks are on the money, not the rates: price from today's table
		Engine:               devices.NewTrayEngine(filepath.Join(w.dir, "output-tray"), pm.SystemClock{}), Log: w.quiet,
		Retry: funds.RetryPolicy{Attempts: 1, Initial: time.Millisecond, Max: time.Millisecond},
	})
	require.NoError(t, err)
	w.sup, err = users.SignIn(ctx, "Sue", advPIN)
	require.NoError(t, err)
}

func (w *world) vaultPath() string { return filepath.Join(w.dir, "meter.db") }

// closeMeter closes the vault, as a meter that is switched off.
func (w *world) closeMeter() { _ = w.vault.Close() }

// raw opens the meter's file as an attacker with sqlite3 would: no keys, triggers dropped.
func (w *world) raw(stmts ...string) {
	w.t.Helper()
	w.closeMeter()
	db, err := sql.Open("sqlite", "file:"+w.vaultPath())
	require.NoError(w.t, err)
	defer db.Close()
	rows, err := db.QueryContext(w.ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger'`)
	require.NoError(w.t, err)
	var triggers []string
	for rows.Next() {
		var n string
		require.NoError(w.t, rows.Scan(&n))
		triggers = append(triggers, n)
	}
	rows.Close()
	for _, n := range triggers {
		_, err := db.ExecContext(w.ctx, "DROP TRIGGER "+n)
		require.NoError(w.t, err)
	}
	for _, s := range stmts {
		_, err := db.ExecContext(w.ctx, s)
		require.NoError(w.t, err, s)
	}
}

// granted is what the Data Center granted this meter: posted plus still reserved.
func (w *world) granted() int64 {
	refills, err := w.store.Refills(w.ctx)
	require.NoError(w.t, err)
	var sum int64
	for _, r := range refills {
		if r.Meter == advSerial && (r.State == funds.DCPosted || r.State == funds.DCReserved) {
			sum += r.Amount.Mills()
		}
	}
	return sum
}

// control reads the meter's control register straight from the file (works on a refused vault too).
func (w *world) control() int64 {
	db, err := sql.Open("sqlite", "file:"+w.vaultPath()+"?mode=ro")
	require.NoError(w.t, err)
	defer db.Close()
	var c int64
	require.NoError(w.t, db.QueryRowContext(w.ctx, `SELECT control FROM registers`).Scan(&c))
	return c
}

// created is the postage the meter can print that the Data Center never granted or that was already
// used: control beyond what was granted, plus used postage made available again (the used register
// below the highest the Data Center has seen).
func (w *world) created() int64 {
	m, err := w.store.Meter(w.ctx, advSerial)
	require.NoError(w.t, err)
	db, err := sql.Open("sqlite", "file:"+w.vaultPath()+"?mode=ro")
	require.NoError(w.t, err)
	defer db.Close()
	var control, used int64
	require.NoError(w.t, db.QueryRowContext(w.ctx, `SELECT control, used FROM registers`).Scan(&control, &used))
	return max(0, control-w.granted()) + max(0, m.HighUsed.Mills()-used)
}

// advOutcome is how an attack ended.
type advOutcome struct {
	name    string
	result  string // refused, detected, undetected
	how     string
	created int64 // mills the meter could still print beyond what was granted
}

// advAttack plays one attack on w. It returns refused=true when the attack got nowhere at once (an
// error, nothing changed), with what refused it.
type advAttack struct {
	name string
	play func(w *world) (refused bool, how string)
}

// judge decides an attack's outcome. A refused attack must have added nothing the Data Center did not grant.
// Otherwise the meter is switched off and on (Verify at open), then contacts its Data Center (a
// balance inquiry) and tries to print: detection must stop it.
func judge(w *world, a advAttack) advOutcome {
	before := w.control() - w.granted()
	refused, how := a.play(w)
	o := advOutcome{name: a.name}
	if refused {
		if extra := w.control() - w.granted() - before; extra > 0 {
			return advOutcome{name: a.name, result: "undetected", how: "said refused but the control register grew", created: extra}
		}
		o.result, o.how = "refused", how
		return o
	}
	w.closeMeter()
	if _, err := funds.OpenVault(w.ctx, w.vaultPath(), funds.VaultOptions{Keys: w.keys, Serial: advSerial}); err != nil {
		var ve *funds.VerifyError
		if errors.As(err, &ve) || errors.Is(err, funds.ErrOldVault) {
			o.result, o.how = "detected", "Verify at open: "+err.Error()
			return o
		}
		w.t.Fatalf("%s: the vault does not open for another reason: %v", a.name, err)
	}
	w.openMeter(w.srv.URL)
	_, balErr := w.m.GetBalance(w.ctx, w.sup)
	_, printErr := w.m.PrintPiece(w.ctx, w.sup, pm.Job{Class: pm.ClassLetter, Weight: 10}, pm.MediumEnvelope)
	suspects, err := w.store.Suspects(w.ctx)
	require.NoError(w.t, err)
	if len(suspects) > 0 && errors.Is(printErr, pm.ErrMeterSuspect) {
		o.result, o.how = "detected", fmt.Sprintf("Data Center at the next contact: %s (balance inquiry: %v)", suspects[0].Suspect, balErr)
		return o
	}
	o.result, o.how = "undetected", fmt.Sprintf("balance inquiry: %v; print: %v", balErr, printErr)
	o.created = w.created()
	return o
}

// runAttacks plays every advAttack in a world of its own and returns the outcomes.
func runAttacks(t *testing.T, weak weakness) []advOutcome {
	return runAttacksOn(t, sqliteBackend, weak, attacks())
}

// runAttacksOn plays the attacks against a Data Center on the store of b.
func runAttacksOn(t *testing.T, b backend, weak weakness, list []advAttack) []advOutcome {
	var out []advOutcome
	for _, a := range list {
		t.Run(a.name, func(t *testing.T) {
			w := newWorldOn(t, b, weak)
			o := judge(w, a)
			t.Logf("%s: %s", o.result, o.how)
			out = append(out, o)
		})
	}
	return out
}

func summary(out []advOutcome) (line string, undetected []string, created int64) {
	n := map[string]int{}
	for _, o := range out {
		n[o.result]++
		created += o.created
		if o.result == "undetected" {
			undetected = append(undetected, o.name)
		}
	}
	sort.Strings(undetected)
	return fmt.Sprintf("adversary: attacks=%d refused=%d detected=%d undetected=%d created_mills=%d",
		len(out), n["refused"], n["detected"], n["undetected"], created), undetected, created
}

func TestAdversary(t *testing.T) { requireAllCaught(t, "", runAttacks(t, weakNone)) }

// requireAllCaught prints the summary line (labelled with the store, if given) and fails unless every
// attack was refused or detected and no postage was created.
func requireAllCaught(t *testing.T, store string, out []advOutcome) {
	line, undetected, created := summary(out)
	if store != "" {
		line = "adversary: store=" + store + " " + strings.TrimPrefix(line, "adversary: ")
	}
	fmt.Println(line)
	t.Log(line)
	if len(out) < 25 {
		t.Errorf("only %d attacks; the issue asks for at least 25", len(out))
	}
	if len(undetected) > 0 || created != 0 {
		t.Errorf("undetected: %s", strings.Join(undetected, ", "))
	}
}

// TestAdversaryCatchesPlantedWeaknesses proves the harness is not blind: with a check planted away, the
// attacks that check stops must come out undetected.
func TestAdversaryCatchesPlantedWeaknesses(t *testing.T) {
	testenv.Short(t, "plays every attack once per planted weakness")
	for _, tc := range []struct {
		weak weakness
		want []string // attacks that must now go undetected
	}{
		// A replayed postal-info upload is still refused by its audit seq, which must go up.
		{weakNonceMemory, []string{"replayed_reserve"}},
		{weakReportChecks, []string{"rolled_back_vault_file", "report_claims_ungranted_postage", "postal_info_sequence_down"}},
	} {
		t.Run(string(tc.weak), func(t *testing.T) {
			line, undetected, created := summary(runAttacks(t, tc.weak))
			t.Log(line)
			if tc.weak == weakReportChecks && created == 0 {
				t.Errorf("a rolled-back vault the Data Center believes prints used postage again; created_mills should say so (%s)", line)
			}
			for _, name := range tc.want {
				if !contains(undetected, name) {
					t.Errorf("with %s, %s was not reported undetected (%s)", tc.weak, name, line)
				}
			}
		})
	}
	// A fake Data Center must get past two checks to create postage: the meter's grant check, and the
	// Data Center's cross-check of the registers at the next contact.
	t.Run(string(weakGrantChecks), func(t *testing.T) {
		w := newWorld(t, weakGrantChecks)
		o := judge(w, attackByName("fake_data_center_grants_postage"))
		if o.result != "detected" || !strings.Contains(o.how, "Data Center") {
			t.Errorf("with the meter's grant check off, the fake grant should be caught by the Data Center: %s %s", o.result, o.how)
		}
	})
	both := weakGrantChecks + "+" + weakReportChecks
	t.Run(string(both), func(t *testing.T) {
		w := newWorld(t, both)
		o := judge(w, attackByName("fake_data_center_grants_postage"))
		if o.result != "undetected" || o.created != (500*funds.Dollar).Mills() {
			t.Errorf("with both checks off, the fake grant should create $500.00 unnoticed: %s %s, created %d mills", o.result, o.how, o.created)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func attackByName(name string) advAttack {
	for _, a := range attacks() {
		if a.name == name {
			return a
		}
	}
	panic("no advAttack " + name)
}

// copyFile copies a file as an attacker keeping an old copy of the vault would.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, data, 0o600))
}
