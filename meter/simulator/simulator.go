// Package simulator assembles a whole meter on simulated devices with an embedded Data Center: the
// trainer's desktop simulator, the UI tests and the screen gallery all run on it. The Data Center is the
// real one (SQLite and the signed HTTP protocol) listening on loopback, so nothing here is a mock of the
// refill path.
package simulator

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"postmeter/devices"
	"postmeter/devices/sim"
	"postmeter/funds"
	"postmeter/funds/datacenter"
	"postmeter/meter"
	"postmeter/meter/parts"
	"postmeter/printer"
)

// Demo data created on first start.
const (
	DemoAccount       = "12345678"
	DemoSerial        = "PM123456"
	DemoIndicia       = "PB0012345"
	DemoZIP           = "06926"
	DemoSupervisor    = "Sue"
	DemoSupervisorPIN = "246813"
	DemoOperator      = "Oscar"
	DemoOperatorPIN   = "1357"
)

// Demo figures: the account has funds and a credit line; the meter starts with a first refill.
var (
	DemoPrepaid      = 1000 * funds.Dollar
	DemoCreditLimit  = 500 * funds.Dollar
	DemoMinRefill    = 10 * funds.Dollar
	DemoMaxRefill    = 5000 * funds.Dollar
	DemoFirstRefill  = 60 * funds.Dollar
	DemoAccountCodes = []string{"Sales", "Legal", "Accounts", "Marketing"}
)

// Options configures a simulator.
type Options struct {
	Dir   string // data folder; created if missing
	Model string // model name or alias; meter.DefaultModel if empty
	// ContactProfile is the contact clock's jurisdiction (meter.ProfileUSIMI, the default, as the
	// demo meter's rate tables are USPS's; meter.ProfileCanada; meter.ProfileUSIBILegacy).
	ContactProfile string
	Clock          *meter.SimClock // nil: the real time, movable by the trainer
	Printer        bool            // attach a simulated office printer ("Print on document")
	Log            *slog.Logger    // nil: discard
	// FirstRefill is the refill made when the demo data is created; DemoFirstRefill if zero, none if < 0.
	FirstRefill funds.Amount
	// Retry, if set, replaces the meter's retry policy (tests keep it short).
	Retry funds.RetryPolicy
}

// Simulator is a running simulated meter and its Data Center.
type Simulator struct {
	Dir     string
	Clock   *meter.SimClock
	Store   *datacenter.SQLiteStore
	DCURL   string
	Faults  *Faults
	Link    *sim.Link
	Engine  *sim.Engine
	Printer *sim.Printer // nil without Options.Printer
	Scale   *sim.Scale
	Tray    printer.Tray // everything printed, as images
	Vault   *funds.Vault
	Keys    *funds.FileKeys
	Users   *meter.Users
	Meter   *meter.Meter

	parts  *parts.Meter
	log    *slog.Logger
	stopDC context.CancelFunc
	dcDone chan error
	closed bool
}

// credentials name the meter registered at the embedded Data Center; its keys are in the keys folder.
type credentials struct {
	Serial string `json:"serial"`
}

// Start opens (or creates, with demo data) the simulator in opts.Dir.
func Start(ctx context.Context, opts Options) (_ *Simulator, err error) {
	if opts.Dir == "" {
		return nil, errors.New("start simulator: no data folder")
	}
	// The model is resolved before anything is written: a folder made for a model that does not exist
	// would hold a Data Center but no demo meter data, and the next start would not make it again.
	models, err := meter.LoadModels()
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	name := opts.Model
	if name == "" {
		name = meter.DefaultModel
	}
	model, err := meter.ModelByName(models, name)
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	if opts.ContactProfile == "" {
		opts.ContactProfile = meter.ProfileUSIMI
	}
	contact, err := meter.ContactProfile(opts.ContactProfile)
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	clock := opts.Clock
	if clock == nil {
		clock = meter.NewSimClock(nil)
	}
	s := &Simulator{Dir: opts.Dir, Clock: clock, Faults: &Faults{}, log: log}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.Store, err = datacenter.OpenSQLite(ctx, filepath.Join(opts.Dir, "datacenter.db"), datacenter.SQLiteOptions{Logger: log, Now: clock.Now}); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	creds, fresh, err := s.provision(ctx)
	if err != nil {
		return nil, fmt.Errorf("start simulator: demo data: %w", err)
	}
	dcKey, err := datacenter.LoadOrCreateKey(filepath.Join(opts.Dir, "datacenter.ed25519"))
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	if err := s.serveDC(log, dcKey); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	keys, err := funds.OpenFileKeys(filepath.Join(opts.Dir, "keys"))
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	if keys.DataCenterKey() == nil {
		// The simulator owns its Data Center, so it enrolls its meter directly.
		if err := datacenter.EnrollLocal(ctx, s.Store, dcKey, creds.Serial, keys); err != nil {
			return nil, fmt.Errorf("start simulator: enroll the meter: %w", err)
		}
	}
	s.Keys = keys
	s.Link = &sim.Link{}
	s.Tray = printer.Tray{Dir: filepath.Join(opts.Dir, "output-tray")}
	s.Engine = sim.NewEngine(clock)
	s.Engine.PieceTime = model.PieceTime() // the model's throughput, in real time
	s.Engine.OnPrint = devices.TrayOutput(s.Tray)
	s.Scale = sim.NewScale()
	devs := parts.Devices{Engine: s.Engine, Scale: s.Scale, Link: s.Link}
	if opts.Printer {
		s.Printer = sim.NewPrinter("Office printer")
		s.Printer.OnPrint = devices.TrayOutput(s.Tray)
		devs.Printer = s.Printer
	}
	// The trainer's "USB stick": reports exported on the screens land here, beside the output tray.
	exports := filepath.Join(opts.Dir, "exports")
	if err := os.MkdirAll(exports, 0o700); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	retry := funds.RetryPolicy{Attempts: 2, Initial: 100 * time.Millisecond, Max: 500 * time.Millisecond}
	if opts.Retry.Attempts > 0 {
		retry = opts.Retry
	}
	s.parts, err = parts.Assemble(ctx, parts.List{
		Dir: opts.Dir, Keys: keys, DataCenterURL: s.DCURL,
		HTTP:     &http.Client{Transport: s.Link, Timeout: 10 * time.Second},
		Identity: meter.Identity{Serial: creds.Serial, IndiciaNumber: DemoIndicia, AccountNumber: DemoAccount, OriginZIP: DemoZIP},
		Model:    model.Name, Clock: clock, Retry: retry, Log: log, Devices: devs,
		ExportDir:            exports,
		AllowUnverifiedRates: true, // the trainer prices from every table and says which are unverified
		Inspection:           contact,
		Seed: func(ctx context.Context, users *meter.Users) error {
			return users.Seed(ctx, []meter.NewUser{
				{Name: DemoSupervisor, Role: meter.RoleSupervisor, PIN: DemoSupervisorPIN},
				{Name: DemoOperator, Role: meter.RoleOperator, PIN: DemoOperatorPIN},
			}, []meter.Right{meter.RightBalanceInquiry, meter.RightRefillReceipts})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	s.Vault, s.Users, s.Meter = s.parts.Vault, s.parts.Users, s.parts.Meter
	if fresh {
		if err := s.demoMeterData(ctx, opts.FirstRefill); err != nil {
			return nil, fmt.Errorf("start simulator: demo data: %w", err)
		}
	}
	if err := s.Meter.Reconcile(ctx); err != nil {
		log.Warn("open refills not settled at start-up", "err", err)
	}
	return s, nil
}

// provision creates the demo account and meter at the Data Center on first start and keeps the meter's
// credentials in the data folder.
func (s *Simulator) provision(ctx context.Context) (credentials, bool, error) {
	path := filepath.Join(s.Dir, "meter-credentials.json")
	var c credentials
	data, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(data, &c); err != nil {
			return c, false, fmt.Errorf("%s: %w", path, err)
		}
		return c, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, false, err
	}
	if err := s.Store.CreateAccount(ctx, DemoAccount, DemoCreditLimit); err != nil && !errors.Is(err, datacenter.ErrExists) {
		return c, false, err
	}
	if err := s.Store.Deposit(ctx, DemoAccount, DemoPrepaid); err != nil {
		return c, false, err
	}
	if _, err := s.Store.RegisterMeter(ctx, DemoSerial, DemoAccount, DemoMinRefill, DemoMaxRefill); err != nil {
		return c, false, err
	}
	c = credentials{Serial: DemoSerial}
	out, err := json.Marshal(c)
	if err != nil {
		return c, false, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return c, false, err
	}
	return c, true, os.Rename(tmp, path)
}

// demoMeterData fills the new meter the way a clerk would: a first refill, account codes.
func (s *Simulator) demoMeterData(ctx context.Context, first funds.Amount) error {
	sup, err := s.Users.SignIn(ctx, DemoSupervisor, DemoSupervisorPIN)
	if err != nil {
		return err
	}
	defer sup.SignOut()
	if err := s.Meter.SetAccountCodes(ctx, sup, DemoAccountCodes); err != nil {
		return err
	}
	if first == 0 {
		first = DemoFirstRefill
	}
	if first > 0 {
		if _, err := s.Meter.Refill(ctx, sup, first, nil); err != nil {
			return fmt.Errorf("first refill: %w", err)
		}
	}
	return nil
}

// serveDC starts the embedded Data Center on a loopback port, behind the trainer's fault switch.
func (s *Simulator) serveDC(log *slog.Logger, key ed25519.PrivateKey) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("embedded data center: %w", err)
	}
	s.DCURL = "http://" + ln.Addr().String()
	handler := s.Faults.Wrap(datacenter.NewServer(s.Store, datacenter.Options{Logger: log, Key: key, Now: s.Clock.Now}))
	ctx, cancel := context.WithCancel(context.Background())
	s.stopDC = cancel
	s.dcDone = make(chan error, 1)
	go func() {
		s.dcDone <- datacenter.Serve(ctx, ln, handler, datacenter.ServeConfig{Logger: log, ShutdownTimeout: 2 * time.Second})
	}()
	return nil
}

// SignIn signs a demo user in.
func (s *Simulator) SignIn(ctx context.Context, name string) (*meter.Session, error) {
	pin := map[string]string{DemoSupervisor: DemoSupervisorPIN, DemoOperator: DemoOperatorPIN}[name]
	return s.Users.SignIn(ctx, name, pin)
}

// Close stops the Data Center and closes both databases. Closing twice is harmless.
func (s *Simulator) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.stopDC != nil {
		s.stopDC()
		errs = append(errs, <-s.dcDone)
		s.stopDC = nil
	}
	if s.Vault != nil {
		errs = append(errs, s.Vault.Close())
	}
	if s.Store != nil {
		errs = append(errs, s.Store.Close())
	}
	return errors.Join(errs...)
}

// PassTime moves the clock on by d as a meter left switched on lives it: whenever its contact profile
// says a contact is due, the meter tries one (through the link and the Data Center's faults), as its
// connection poll does. With the link or the Data Center down the tries fail and the clock runs on to
// the warning and the lock; with both up the meter never warns.
func (s *Simulator) PassTime(ctx context.Context, d time.Duration) {
	step := s.Meter.ContactProfile().ContactEvery
	for d > 0 {
		n := min(step, d)
		s.Clock.Advance(n)
		d -= n
		if _, err := s.Meter.ContactIfDue(ctx); err != nil && !errors.Is(err, funds.ErrNoConnection) {
			s.log.Debug("simulated time: contact when due", "err", err)
		}
	}
}
