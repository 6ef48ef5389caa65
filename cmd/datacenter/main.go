// Command datacenter runs the postmeter Data Center: the HTTP server meters refill from, and the
// administrative commands that open accounts, take deposits, lock accounts and register meters.
//
//	datacenter serve -db FILE|postgres://… [-key FILE] -listen ADDR [-tls-cert F -tls-key F] [-insecure-plain-http]
//	datacenter create-account -number 12345678 -credit-limit 500.00
//	datacenter deposit -number 12345678 -amount 1000.00
//	datacenter lock -number 12345678 | unlock -number 12345678
//	datacenter set-credit-limit -number 12345678 -credit-limit 750.00
//	datacenter register-meter -serial PM123456 -account 12345678 -min 10.00 -max 5000.00
//	datacenter show-account -number 12345678
//	datacenter check -db FILE
//	datacenter publish-rates -db FILE TABLE.json
//	datacenter verify-indicium -db FILE IMAGE…
//	datacenter demo -db FILE
//
// Exit status: 0 done, 1 failed, 2 bad input (usage, amounts, numbers, or a request the Data Center refuses),
// 3 verify-indicium refused at least one indicium.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

// env is what a subcommand writes to.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

func commands() []command {
	return []command{
		{"serve", "run the Data Center HTTP server", cmdServe},
		{"create-account", "open a postage account", cmdCreateAccount},
		{"deposit", "add a payment to an account's prepaid balance", cmdDeposit},
		{"lock", "lock an account (no refills)", cmdLock(true)},
		{"unlock", "unlock an account", cmdLock(false)},
		{"set-credit-limit", "change an account's credit line", cmdSetCreditLimit},
		{"register-meter", "register a meter and print its one-time enrollment token", cmdRegisterMeter},
		{"enroll-token", "give a registered meter a new enrollment token (a replaced or re-installed meter)", cmdEnrollToken},
		{"clear-suspect", "let a suspect meter refill again after review", cmdClearSuspect},
		{"events", "show meters' events (enrolled, suspect, cleared)", cmdEvents},
		{"public-key", "print the Data Center's public key, which meters pin", cmdPublicKey},
		{"show-account", "show an account and its refills", cmdShowAccount},
		{"check", "check every account's invariant and list suspect meters", cmdCheck},
		{"publish-rates", "sign a rate table and publish it to the meters", cmdPublishRates},
		{"verify-indicium", "read the indicium in each picture and check it against the meter's key and reports", cmdVerifyIndicium},
		{"demo", "create the demo account and meter if missing", cmdDemo},
	}
}

// run is main without the process: it parses args, runs one subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil))}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(context.Background(), e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "datacenter: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: datacenter COMMAND [flags]   (each command takes -db FILE or -db postgres://…, default datacenter.db)")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'datacenter COMMAND -h' for a command's flags.")
}

// flags is a subcommand's flag set with the common -db and -key flags.
type flags struct {
	*flag.FlagSet
	db  *string
	key *string
}

func newFlags(e *env, name string) flags {
	fs := flag.NewFlagSet("datacenter "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return flags{FlagSet: fs,
		db: fs.String("db", "datacenter.db", "Data Center database: a SQLite `file`, or a postgres://… URL"),
		key: fs.String("key", "", "Data Center signing key `file` (default: beside a -db file; "+
			"needed with a postgres:// -db, and the same file for every replica)"),
	}
}

// keyPath is where the Data Center's signing key lives: -key, or beside a SQLite database in a file of
// its own (0600). A PostgreSQL database has no "beside", so there -key must be given.
func (f flags) keyPath() (string, error) {
	if *f.key != "" {
		return *f.key, nil
	}
	if datacenter.IsPostgresURL(*f.db) {
		return "", fmt.Errorf("%s: give -key FILE with a postgres:// -db (every replica must sign with the same key)", f.Name())
	}
	return datacenter.KeyFileFor(*f.db), nil
}

// parse parses args; it returns an exit status to stop with, or -1 to go on.
func (f flags) parse(e *env, args []string) int {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(e.stderr, "%s: unexpected argument %q\n", f.Name(), f.Arg(0))
		return exitUsage
	}
	return -1
}

// amountFlag parses a dollar amount with funds.ParseAmount.
type amountFlag struct {
	set bool
	v   funds.Amount
}

func (a *amountFlag) String() string {
	if a == nil || !a.set {
		return ""
	}
	return a.v.Exact()
}

func (a *amountFlag) Set(s string) error {
	v, err := funds.ParseAmount(s)
	if err != nil {
		return err
	}
	a.v, a.set = v, true
	return nil
}

// fail reports err and returns the exit status for it: 2 for input the Data Center refuses, 1 otherwise.
func fail(e *env, err error) int {
	fmt.Fprintf(e.stderr, "datacenter: %v\n", err)
	if errors.Is(err, datacenter.ErrInvalid) || errors.Is(err, datacenter.ErrExists) ||
		errors.Is(err, datacenter.ErrUnknownAccount) || errors.Is(err, datacenter.ErrUnknownMeter) {
		return exitUsage
	}
	return exitFail
}

// needKey checks, before anything is changed, that a command which prints or signs with the Data
// Center key can find it; it returns an exit status to stop with, or -1 to go on.
func needKey(e *env, f flags) int {
	if _, err := f.keyPath(); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	return -1
}

func required(e *env, f flags, names ...string) int {
	seen := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { seen[fl.Name] = true })
	for _, n := range names {
		if !seen[n] {
			fmt.Fprintf(e.stderr, "%s: -%s is required\n", f.Name(), n)
			return exitUsage
		}
	}
	return -1
}

// open opens the store -db names: a postgres:// URL or a SQLite file.
func open(ctx context.Context, e *env, db string) (datacenter.Store, error) {
	return datacenter.Open(ctx, db, e.log)
}

// withStore opens the database, runs fn and closes it.
func withStore(ctx context.Context, e *env, path string, fn func(st datacenter.Store) error) int {
	st, err := open(ctx, e, path)
	if err != nil {
		return fail(e, err)
	}
	err = fn(st)
	if cerr := st.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return fail(e, err)
	}
	return exitOK
}

func cmdServe(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "serve")
	listen := f.String("listen", "127.0.0.1:8443", "listen `address`")
	cert := f.String("tls-cert", "", "TLS certificate `file` (PEM); with -tls-key serves HTTPS")
	key := f.String("tls-key", "", "TLS private key `file` (PEM)")
	logFormat := f.String("log-format", "text", "log lines as `text` or json (one JSON object a line, with each request's request_id)")
	insecure := f.Bool("insecure-plain-http", false, "allow plain HTTP on a non-loopback -listen address (only behind a TLS proxy on this host)")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if (*cert == "") != (*key == "") {
		fmt.Fprintln(e.stderr, "serve: give both -tls-cert and -tls-key, or neither")
		return exitUsage
	}
	if st := needKey(e, f); st >= 0 {
		return st
	}
	switch *logFormat {
	case "text":
	case "json":
		e = &env{stdout: e.stdout, stderr: e.stderr, log: slog.New(slog.NewJSONHandler(e.stderr, nil))}
	default:
		fmt.Fprintln(e.stderr, "serve: -log-format is text or json")
		return exitUsage
	}
	if *cert == "" {
		if err := plainHTTPAllowed(e.log, *listen, *insecure); err != nil {
			fmt.Fprintln(e.stderr, "serve:", err)
			return exitUsage
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer datacenter.TuneGCForServer()()
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		if err := st.CheckInvariants(ctx); err != nil {
			return err
		}
		scheme := "http"
		if *cert != "" {
			scheme = "https"
		}
		kp, err := f.keyPath()
		if err != nil {
			return err
		}
		dcKey, err := datacenter.LoadOrCreateKey(kp)
		if err != nil {
			return err
		}
		srv := datacenter.NewServer(st, datacenter.Options{Logger: e.log, Key: dcKey})
		return datacenter.ListenAndServe(ctx, srv, datacenter.ServeConfig{
			Addr: *listen, TLSCertFile: *cert, TLSKeyFile: *key, Logger: e.log,
			Ready: func(addr net.Addr) { fmt.Fprintf(e.stdout, "listening on %s://%s\n", scheme, addr) },
		})
	})
}
