package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"time"

	"postmeter/funds/datacenter"
)

// The fleet's meters run in a child process of their own (`benchtable fleet-load …`), so that the
// clients' work — signing every request, checking every answer's signature, HTTP — is not done by the
// Data Center's process: the server's scheduler, garbage collector and profile are its own, as they are
// in production where the meters are elsewhere. (Both still share the machine's cores, as the bare
// commits share them with PostgreSQL.)

const fleetChildArg = "fleet-load"

// childResult is what the child reports of one run.
type childResult struct {
	PerS    float64       `json:"per_s"`
	Refills int64         `json:"refills"`
	P99     time.Duration `json:"p99_ns"`
}

// runFleetChild is the child: it refills with every meter for -window, as fast as they can, then, with
// -paced, once more with the meters offering half the rate they reached, and prints the runs as JSON.
func runFleetChild(args []string) error {
	fs := flag.NewFlagSet(fleetChildArg, flag.ContinueOnError)
	url := fs.String("url", "", "the Data Center's URL")
	dir := fs.String("dir", "", "the folder registerFleet made the meters' keys in")
	meters := fs.Int("meters", 0, "how many meters")
	window := fs.Duration("window", 10*time.Second, "how long each run is timed")
	paced := fs.Bool("paced", false, "add a run in which the meters offer half the first run's rate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, stop, err := newFleet(*url, *dir, *meters)
	if err != nil {
		return err
	}
	defer stop()
	ctx := context.Background()
	var out []childResult
	res, err := f.drive(ctx, *window, 0)
	if err != nil {
		return err
	}
	out = append(out, childResult{res.refillsPerS, res.refills, res.p99})
	if *paced {
		p, err := f.drive(ctx, *window, res.refillsPerS/2)
		if err != nil {
			return fmt.Errorf("paced: %w", err)
		}
		out = append(out, childResult{p.refillsPerS, p.refills, p.p99})
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// runFleetOn registers meters meters on st, serves st over HTTP on loopback, and lets a child process
// drive them (runFleetChild). It returns the closed-loop run and, with paced, the paced one.
func runFleetOn(ctx context.Context, st datacenter.Store, dir string, meters int, window time.Duration, paced bool, log *slog.Logger) ([]childResult, error) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if err := registerFleet(ctx, st, key, dir, meters); err != nil {
		return nil, err
	}
	srv := httptest.NewServer(datacenter.NewServer(st, datacenter.Options{Logger: log, Key: key}))
	defer srv.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, fleetChildArg, "-url", srv.URL, "-dir", dir,
		"-meters", fmt.Sprint(meters), "-window", window.String(), fmt.Sprintf("-paced=%v", paced))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("fleet load process: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var out []childResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("fleet load process answered %q: %v", stdout.String(), err)
	}
	return out, nil
}
