// Package pgtest starts a real, throwaway PostgreSQL server for tests: initdb into a temporary folder,
// a unix socket in that folder (no TCP), stopped and removed at the end. One server serves a whole test
// binary (start it from TestMain with Main); each test gets a database of its own (Database: a schema,
// which is as separate to the code under test and a hundred times cheaper to make than a database).
//
// A server can also get a streaming-replication standby (StartStandby) that a test promotes (Promote)
// after killing the primary (Kill), for failover tests.
//
// initdb refuses to run as root, so as root the server runs as the `postgres` user that Debian's
// postgresql package creates. With CI set and PostgreSQL missing, a test asking for a database fails
// (internal/testenv.Missing); elsewhere it is skipped.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"postmeter/internal/testenv"
)

// BinDir is where Debian 12's postgresql package puts the server programs (not on the PATH).
const BinDir = "/usr/lib/postgresql/15/bin"

// Server is a running private PostgreSQL server.
type Server struct {
	Dir   string // the temporary folder: data directory, socket, log
	Port  int
	runAs []string // the command prefix that runs a program as the server's owner (runuser as root)
	owner *user.User
}

// Options tune Start.
type Options struct {
	// Durable keeps fsync and synchronous commit on, as in production; tests that do not measure or
	// kill the machine leave it off, which makes each commit about ten times cheaper.
	Durable bool
	// Settings are extra `-c name=value` server settings.
	Settings []string
	// Env are NAME=value variables of the server's environment.
	Env []string
}

// Available says whether the PostgreSQL server programs are installed.
func Available() error {
	if _, err := os.Stat(filepath.Join(BinDir, "initdb")); err != nil {
		return fmt.Errorf("PostgreSQL 15 is not installed (%s/initdb; `make deps` installs the postgresql package): %w", BinDir, err)
	}
	return nil
}

// Start initialises a data directory in a new temporary folder and starts a server on a socket there.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	s := &Server{}
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres user (the postgresql package makes it): %w", err)
		}
		s.owner = u
		s.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s.Dir = dir
	if s.owner != nil {
		uid, _ := strconv.Atoi(s.owner.Uid)
		gid, _ := strconv.Atoi(s.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, errors.Join(err, os.RemoveAll(dir))
		}
	}
	if s.Port, err = freePort(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	if out, err := s.run(ctx, "initdb", "-D", s.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		return nil, errors.Join(fmt.Errorf("initdb: %w\n%s", err, out), os.RemoveAll(dir))
	}
	if err := s.start(ctx, opts); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return s, nil
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// serverArgs are the postgres options: socket only, in the temporary folder.
func (s *Server) serverArgs(opts Options) string {
	args := []string{"-k", s.Dir, "-p", strconv.Itoa(s.Port), "-c", "listen_addresses=''", "-c", "max_connections=300",
		"-c", "shared_buffers=64MB"}
	if !opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
		if !slices.ContainsFunc(opts.Settings, func(kv string) bool { return strings.HasPrefix(kv, "synchronous_commit=") }) {
			args = append(args, "-c", "synchronous_commit=off")
		}
	}
	for _, kv := range opts.Settings {
		args = append(args, "-c", kv)
	}
	return strings.Join(args, " ")
}

func (s *Server) start(ctx context.Context, opts Options) error {
	prog, args := "pg_ctl", []string{"-D", s.data(), "-o", s.serverArgs(opts), "-l", filepath.Join(s.Dir, "log"), "-w", "-t", "60", "start"}
	if len(opts.Env) > 0 {
		// env sets the variables for pg_ctl, whose server inherits them.
		prog, args = "/usr/bin/env", append(append(slices.Clone(opts.Env), filepath.Join(BinDir, "pg_ctl")), args...)
	}
	out, err := s.run(ctx, prog, args...)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.Dir, "log"))
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return nil
}

// StartStandby copies this server's data directory with pg_basebackup (streaming the WAL) into a new
// temporary folder and starts it there as a streaming-replication standby on a port of its own. With
// synchronous_standby_names set on this server, each commit here waits for the standby.
func (s *Server) StartStandby(ctx context.Context, opts Options) (*Server, error) {
	st := &Server{runAs: s.runAs, owner: s.owner}
	dir, err := os.MkdirTemp("", "pgtest-standby-")
	if err != nil {
		return nil, err
	}
	st.Dir = dir
	if st.owner != nil {
		uid, _ := strconv.Atoi(st.owner.Uid)
		gid, _ := strconv.Atoi(st.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, errors.Join(err, os.RemoveAll(dir))
		}
	}
	if st.Port, err = freePort(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	if out, err := st.run(ctx, "pg_basebackup", "-D", st.data(), "-R", "-X", "stream", "-h", s.Dir,
		"-p", strconv.Itoa(s.Port), "-U", "postgres", "--no-sync"); err != nil {
		return nil, errors.Join(fmt.Errorf("pg_basebackup: %w\n%s", err, out), os.RemoveAll(dir))
	}
	if err := st.start(ctx, opts); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return st, nil
}

// Promote makes a standby the primary and waits until it accepts writes.
func (s *Server) Promote(ctx context.Context) error {
	if out, err := s.run(ctx, "pg_ctl", "-D", s.data(), "-w", "promote"); err != nil {
		return fmt.Errorf("pg_ctl promote: %w\n%s", err, out)
	}
	return nil
}

// Stop stops the server (fast shutdown), if it still runs, and removes its folder.
func (s *Server) Stop() error {
	var err error
	if _, serr := os.Stat(filepath.Join(s.data(), "postmaster.pid")); serr == nil {
		_, err = s.run(context.Background(), "pg_ctl", "-D", s.data(), "-m", "fast", "-w", "stop")
	}
	return errors.Join(err, os.RemoveAll(s.Dir))
}

// Kill stops the server the hard way (immediate: no checkpoint, as after a power cut) and leaves the
// folder, so a test can start it again on the same data.
func (s *Server) Kill() error {
	_, err := s.run(context.Background(), "pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
	return err
}

func (s *Server) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(BinDir, prog)
	}
	argv := append(append([]string{}, s.runAs...), prog)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = os.TempDir()
	return cmd.CombinedOutput()
}

// URL is the connection string of database name on this server.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", name, s.Dir, s.Port)
}

var dbSeq atomic.Int64

// NewDatabase creates an empty database and returns its URL. It takes about a third of a second (the
// template is copied); NewSchema is the cheap way to give each test its own tables.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	if err := s.exec(ctx, "postgres", "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// NewSchema creates an empty schema in the database "postgres" and returns a URL whose connections
// see only it (search_path): to the code under test, a database of its own, made in a millisecond.
func (s *Server) NewSchema(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	if err := s.exec(ctx, "postgres", "CREATE SCHEMA "+name); err != nil {
		return "", err
	}
	return s.URL("postgres") + "&search_path=" + name, nil
}

func (s *Server) exec(ctx context.Context, db, stmt string) error {
	conn, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

func freePort() (int, error) {
	// The socket is a file, so only the number matters: a port no TCP listener uses keeps the socket's
	// name (.s.PGSQL.PORT) apart from another test binary's server in the same temporary folder.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// The test binary's shared server, started by Main on first use.
var (
	shared    *Server
	sharedErr error
	sharedMu  sync.Mutex
)

// Main runs the tests and stops the shared server (if a test started one) afterwards; call it from
// TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stop the server:", err)
			code = max(code, 1)
		}
	}
	return code
}

// Database returns the URL of a new empty database (a schema of its own, NewSchema) on the test
// binary's shared server, starting the server on first use. Without PostgreSQL it skips the test
// (fails it with CI set).
func Database(t testing.TB) string {
	t.Helper()
	if err := Available(); err != nil {
		testenv.Missing(t, "%v", err)
	}
	sharedMu.Lock()
	if shared == nil && sharedErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		shared, sharedErr = Start(ctx, Options{})
		cancel()
	}
	s, err := shared, sharedErr
	sharedMu.Unlock()
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	url, err := s.NewSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return url
}
