package meter

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// rig is a whole meter on real parts: a vault file, a real Data Center (SQLite + HTTP on loopback),
// fake devices, a movable clock, a supervisor and an operator without the refill right.
type rig struct {
	t       *testing.T
	ctx     context.Context
	clock   *SimClock
	store   *datacenter.SQLiteStore
	dcKey   ed25519.PrivateKey
	dcPath  string
	srv     *httptest.Server
	link    *fakeLink
	vault   *funds.Vault
	users   *Users
	engine  *fakeEngine
	printer *fakePrinter
	m       *Meter
	super   *Session
	oper    *Session
}

const (
	rigAccount = "12345678"
	rigSerial  = "PM123456"
)

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	r := &rig{t: t, ctx: ctx, clock: FixedClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local))}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.dcPath = filepath.Join(dir, "dc.db")
	store, err := datacenter.OpenSQLite(ctx, r.dcPath, datacenter.SQLiteOptions{Logger: quiet, Now: r.clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.CreateAccount(ctx, rigAccount, 500*funds.Dollar))
	require.NoError(t, store.Deposit(ctx, rigAccount, 1000*funds.Dollar))
	_, err = store.RegisterMeter(ctx, rigSerial, rigAccount, 10*funds.Dollar, 5000*funds.Dollar)
	require.NoError(t, err)
	_, dcKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	require.NoError(t, datacenter.EnrollLocal(ctx, store, dcKey, rigSerial, keys))
	r.store, r.dcKey = store, dcKey
	r.srv = httptest.NewServer(datacenter.NewServer(store, datacenter.Options{Logger: quiet, Key: dcKey, Now: r.clock.Now}))
	t.Cleanup(r.srv.Close)

	r.link = &fakeLink{}
	client := funds.NewDataCenterClient(r.srv.URL, rigSerial, keys)
	client.HTTP = &http.Client{Transport: r.link, Timeout: 5 * time.Second}
	client.Now = r.clock.Now

	r.vault, err = funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Now: r.clock.Now, Keys: keys, Serial: rigSerial})
	require.NoError(t, err)
	t.Cleanup(func() { r.vault.Close() })
	client.Reports = r.vault.Report
	r.users, err = OpenUsers(ctx, r.vault, UsersOptions{Now: r.clock.Now, IdleTimeout: time.Hour})
	require.NoError(t, err)
	require.NoError(t, r.users.Seed(ctx, []NewUser{
		{Name: "Sue", Role: RoleSupervisor, PIN: "246813"},
		{Name: "Oscar", Role: RoleOperator, PIN: "1357"},
	}, []Right{RightBalanceInquiry}))
	rates, err := LoadRateTables()
	require.NoError(t, err)
	models, err := LoadModels()
	require.NoError(t, err)
	model, err := ModelByName(models, DefaultModel)
	require.NoError(t, err)

	r.engine = newFakeEngine()
	r.printer = &fakePrinter{}
	r.m, err = Open(ctx, Config{
		Identity: Identity{Serial: rigSerial, IndiciaNumber: "PB0001234", AccountNumber: rigAccount, OriginZIP: "06926"},
		Vault:    r.vault, DataCenter: client, Users: r.users, Clock: r.clock, Model: model, Rates: rates,
		AllowUnverifiedRates: true, // as the trainer: Nov 2026 is priced from the unverified Jul 2026 table
		Engine:               r.engine, Printer: r.printer,
		Retry: funds.RetryPolicy{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond}, Log: quiet,
	})
	require.NoError(t, err)
	r.super = r.signIn("Sue", "246813")
	r.oper = r.signIn("Oscar", "1357")
	return r
}

func (r *rig) signIn(name, pin string) *Session {
	r.t.Helper()
	s, err := r.users.SignIn(r.ctx, name, pin)
	require.NoError(r.t, err)
	return s
}

// account reads the customer's account at the Data Center.
func (r *rig) account() datacenter.Account {
	r.t.Helper()
	a, err := r.store.Account(r.ctx, rigAccount)
	require.NoError(r.t, err)
	return a
}

func (r *rig) registers() funds.Registers {
	r.t.Helper()
	regs, err := r.m.Registers(r.ctx)
	require.NoError(r.t, err)
	return regs
}

// consistent checks both sides' invariants and that they agree.
func (r *rig) consistent() {
	r.t.Helper()
	require.NoError(r.t, r.vault.Verify(r.ctx))
	require.NoError(r.t, r.store.CheckInvariants(r.ctx))
	regs := r.registers()
	a := r.account()
	require.Equal(r.t, a.Posted+a.Reserved, regs.Control+pendingAt(r), "Data Center posted+reserved vs meter control")
}

// pendingAt is what the Data Center holds for refills the meter has not applied (yet).
func pendingAt(r *rig) funds.Amount {
	open, err := r.vault.OpenRefills(r.ctx)
	require.NoError(r.t, err)
	var sum funds.Amount
	for _, ref := range open {
		if ref.State == funds.RefillRequested || ref.State == funds.RefillAbandoned {
			if ans, err := r.store.Refill(r.ctx, datacenter.Request{Serial: rigSerial}, ref.ID); err == nil && ans.State == funds.DCReserved {
				sum += funds.Amount(ans.AmountMills)
			}
		}
	}
	return sum
}
