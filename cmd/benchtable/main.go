// Command benchtable measures the meter's figures against baselines taken in the same run on the same
// machine and prints them as one markdown table (`make bench`):
//
//   - a durable debit against a bare durable SQLite commit, interleaved in rounds;
//   - pieces per minute the core sustains against 100× the fastest model's rated speed;
//   - a refill round trip on loopback (p50, p99) against the storage floor of its commits;
//   - Data Center refills per second from 50 concurrent meters against the bare commit rate;
//   - cold start to the first drawn screen and resident memory after a refill flow of the real binary
//     under Xvfb, against a bare Fyne window built and started the same way (cmd/benchtable/barewindow);
//   - the time from a tap to the next screen drawn in that real window;
//   - the kiosk's cold start (`postmeter -kiosk`, full screen, a Data Center on loopback) against the
//     bare window at the same size;
//   - the time from a tap to the next screen drawn, in Fyne's test driver;
//   - a vault with a long history (10 million pieces by default, generated): its open against a new
//     vault's, a month's funds report, and the full verification run in the background.
//
// Databases go in -dir (the temp folder by default): run it on the file system the meter uses.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// row is one line of the table.
type row struct {
	figure, value, baseline, ratio, result string
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "**fail**"
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == fleetChildArg {
		if err := runFleetChild(os.Args[2:]); err != nil {
			fail(err)
		}
		return
	}
	dir := flag.String("dir", os.TempDir(), "folder for the benchmark databases (the file system under test)")
	rounds := flag.Int("rounds", 20, "rounds of the interleaved debit/commit comparison")
	perRound := flag.Int("per-round", 100, "operations of each kind per round")
	window := flag.Duration("window", 10*time.Second, "how long the throughput figures run")
	refills := flag.Int("refills", 300, "refills timed for the round trip")
	starts := flag.Int("starts", 15, "cold starts of each program under Xvfb (the median is reported)")
	meters := flag.Int("meters", 50, "meters refilling at once against one Data Center")
	historyPieces := flag.Int("history-pieces", 10_000_000, "pieces in the vault of the long-history figures")
	historyOpens := flag.Int("history-opens", 5, "opens timed of the long-history vault and of a new one (the median is reported)")
	fleetSQLite := flag.Int("fleet-sqlite", 50, "meters of the fleet figure on the SQLite store")
	fleetPostgres := flag.Int("fleet-postgres", 1000, "meters of the fleet figure on PostgreSQL")
	fleetConns := flag.Int("fleet-conns", 8, "connections of the Data Center's PostgreSQL pool, and of the bare commits' (the same)")
	only := flag.String("only", "", "run only the figures whose names contain this (debit, pieces, refill, dc, fleet, window, kiosk, taps, history)")
	flag.Parse()

	began := time.Now()
	testApp := startTestApp()
	defer testApp.Quit()
	work, err := os.MkdirTemp(*dir, "postmeter-bench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	progress := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "benchtable: %5.1fs "+format+"\n", append([]any{time.Since(began).Seconds()}, args...)...)
	}

	var rows []row
	var historyLine string
	var fleetLines []string // the plain fleet: lines, printed after the table
	// The bare commit is the baseline of several figures, so it always runs.
	progress("durable debit vs bare commit, %d rounds of %d each", *rounds, *perRound)
	st, err := benchDebit(filepath.Join(work, "debit"), *rounds, *perRound)
	if err != nil {
		fail(err)
	}
	if want(*only, "debit") {
		rows = append(rows, st.row)
	}
	steps := []struct {
		name, what string
		run        func() ([]row, error)
	}{
		{"pieces", fmt.Sprintf("pieces per minute for %s", *window), func() ([]row, error) {
			r, err := benchPieces(filepath.Join(work, "pieces"), *window, quiet)
			return []row{r}, err
		}},
		{"refill", fmt.Sprintf("refill round trip on loopback, %d refills, and what signing costs of it", *refills), func() ([]row, error) {
			r, p50, err := benchRefill(filepath.Join(work, "refill"), *refills, st.bareMedian, quiet)
			if err != nil {
				return nil, err
			}
			return []row{r, benchSigning(p50)}, nil
		}},
		{"dc", fmt.Sprintf("Data Center refills with %d concurrent meters for %s", *meters, *window), func() ([]row, error) {
			r, err := benchDataCenter(filepath.Join(work, "dc"), *meters, *window, st.bareMedian, quiet)
			return []row{r}, err
		}},
		{"fleet", fmt.Sprintf("fleet: %d meters on SQLite, %d on PostgreSQL, %s each", *fleetSQLite, *fleetPostgres, *window), func() ([]row, error) {
			lite, err := benchFleetSQLite(filepath.Join(work, "fleet-sqlite"), *fleetSQLite, *window, quiet)
			if err != nil {
				return nil, fmt.Errorf("sqlite: %w", err)
			}
			pg, err := benchFleetPostgres(filepath.Join(work, "fleet-postgres"), *fleetPostgres, *fleetConns, *window, quiet)
			if err != nil {
				return nil, fmt.Errorf("postgres: %w", err)
			}
			fleetLines = append(fleetLines, lite.line(), pg.line())
			return []row{lite.row("target ≥ 0.5×"), pg.row("targets ≥ 0.5× and p99 ≤ 50 ms")}, nil
		}},
		{"window", fmt.Sprintf("cold start and memory under Xvfb, %d starts each", *starts), func() ([]row, error) {
			return benchWindow(filepath.Join(work, "x"), *starts, progress)
		}},
		{"kiosk", fmt.Sprintf("kiosk cold start under Xvfb, %d starts", *starts), func() ([]row, error) {
			r, err := benchKiosk(filepath.Join(work, "kiosk"), *starts, progress)
			return []row{r}, err
		}},
		{"taps", "tap to next screen in the test driver", func() ([]row, error) {
			return benchTaps(filepath.Join(work, "taps"), 3)
		}},
		{"history", fmt.Sprintf("a vault with %d pieces: open, month report, full verification", *historyPieces), func() ([]row, error) {
			r, st, err := benchHistory(filepath.Join(work, "history"), *historyPieces, *historyOpens, progress)
			historyLine = st.line()
			return r, err
		}},
	}
	for _, step := range steps {
		if !want(*only, step.name) {
			continue
		}
		progress("%s", step.what)
		r, err := step.run()
		if err != nil {
			fail(fmt.Errorf("%s: %w", step.name, err))
		}
		rows = append(rows, r...)
	}

	fsType := fileSystem(work)
	fmt.Printf("\n### postmeter benchmarks — %d CPUs (GOMAXPROCS %d), %s/%s, databases on %s (%s), %s\n\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, *dir, fsType, time.Now().Format("2006-01-02 15:04"))
	printTable(os.Stdout, rows)
	if historyLine != "" {
		fmt.Printf("\n%s\n", historyLine)
	}
	if len(fleetLines) > 0 {
		fmt.Println()
		for _, l := range fleetLines {
			fmt.Println(l)
		}
	}
	fmt.Printf("\nAll figures measured in this run (%.0f s).\n", time.Since(began).Seconds())
}

func want(only, name string) bool { return only == "" || strings.Contains(only, name) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(1)
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| figure | value | baseline (same run) | ratio / target | result |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", esc(r.figure), esc(r.value), esc(r.baseline), esc(r.ratio), r.result)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
