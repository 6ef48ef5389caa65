package funds_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/internal/testenv"
)

// The archive crash harness: a child process of this test binary archives (or restores) one period of a
// vault and is killed with SIGKILL at a random moment; after every kill the vault must open, pass the
// full verification, keep its registers and summaries, and hold every row it ever had either live or in
// an archive file it recorded and that verifies — never neither.

const (
	envArchiveDB     = "ARCHIVE_CRASH_DB" // the vault file; its keys are in keys/ beside it
	envArchiveOp     = "ARCHIVE_CRASH_OP" // "archive" or "restore"
	envArchiveRounds = "ARCHIVE_CRASH_ROUNDS"
	archiveSerial    = "PM-ARCHIVE-1"
)

// archiveNow is the clock of every opening after the history was written: all of it is due.
var archiveNow = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

func archiveVaultOptions(dir string, now func() time.Time) (funds.VaultOptions, error) {
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	return funds.VaultOptions{Keys: keys, Serial: archiveSerial, Now: now, CheckpointEvery: 100}, err
}

// runArchiveChild is the child: open, say "ready", archive or restore one period, exit.
func runArchiveChild() int {
	ctx := context.Background()
	path := os.Getenv(envArchiveDB)
	opts, err := archiveVaultOptions(filepath.Dir(path), func() time.Time { return archiveNow })
	if err != nil {
		return 3
	}
	v, err := funds.OpenVault(ctx, path, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Println("ready")
	n := 0
	if os.Getenv(envArchiveOp) == "restore" {
		if list, _ := v.Archives(ctx); hasActive(list) {
			_, err = v.RestoreArchive(ctx, "", "crash")
			n = 1
		}
	} else {
		var done []funds.ArchiveInfo
		done, err = v.Archive(ctx, funds.ArchiveOptions{Actor: "crash", Max: 1})
		n = len(done)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	fmt.Println("done", n)
	if err := v.Close(); err != nil {
		return 5
	}
	return 0
}

func hasActive(list []funds.ArchiveInfo) bool {
	for _, a := range list {
		if !a.Restored {
			return true
		}
	}
	return false
}

// archiveHistory writes a vault whose history spans January to about May 2026 (two hours of its clock
// at every reading).
func archiveHistory(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	_, dcKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	opts, err := archiveVaultOptions(dir, nil)
	require.NoError(t, err)
	require.NoError(t, opts.Keys.PinDataCenter(dcKey.Public().(ed25519.PublicKey)))
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(2 * time.Hour)
		return clock
	}
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), opts)
	require.NoError(t, err)
	id := uuid.Must(uuid.NewV7()).String()
	amount := 1000 * funds.Dollar
	require.NoError(t, v.CreateRefill(ctx, id, amount, "sue"))
	body, err := json.Marshal(funds.RefillAnswer{Serial: archiveSerial, Time: time.Now().UTC(), ID: id, State: funds.DCReserved,
		AmountMills: amount.Mills()})
	require.NoError(t, err)
	grant := funds.SignedAnswer{Serial: archiveSerial, Nonce: funds.NewNonce(), Status: 200, Body: body}
	grant.Signature = ed25519.Sign(dcKey, grant.Message())
	_, err = v.ApplyRefill(ctx, id, grant)
	require.NoError(t, err)
	for i := range 6 {
		p, err := v.Debit(ctx, 730, funds.PieceInfo{MailClass: "letter", AccountCode: "SALES", MailingDate: "2026-01-01", Actor: "ann"})
		require.NoError(t, err)
		_, err = v.SignPiece(ctx, p.Seq, []byte("indicium "+strconv.Itoa(i)))
		require.NoError(t, err)
		require.NoError(t, v.MarkPrinted(ctx, p.Seq))
	}
	require.NoError(t, v.GenerateHistory(ctx, funds.HistoryOptions{Pieces: 600, Amount: 500, PerDay: 12, PerTx: 250,
		FirstDay: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Accounts: []string{"SALES", "LEGAL", ""}}))
	_, err = v.EndBatch(ctx, "sue") // the archive leaves the open batch's pieces live
	require.NoError(t, err)
	require.NoError(t, v.Close())
}

// vaultRows are a vault's pieces and audit entries, as text by seq, and what never changes.
type vaultRows struct {
	pieces, entries map[int64]string
	regs            funds.Registers
	totals          []funds.DayTotal
}

func pieceText(p funds.ArchivePiece) string {
	return fmt.Sprintf("%d|%d|%s|%s|%s|%s|%s|%s|%s", p.Seq, p.AmountMills, p.State, p.MailClass, p.AccountCode, p.MailingDate, p.Actor, p.Created, p.Note)
}

// liveRows reads the rows still in the vault file.
func liveRows(t *testing.T, path string) vaultRows {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	r := vaultRows{pieces: map[int64]string{}, entries: map[int64]string{}}
	rows, err := db.Query(`SELECT seq, amount, state, mail_class, account_code, mailing_date, actor, created, note FROM pieces`)
	require.NoError(t, err)
	for rows.Next() {
		var p funds.ArchivePiece
		require.NoError(t, rows.Scan(&p.Seq, &p.AmountMills, &p.State, &p.MailClass, &p.AccountCode, &p.MailingDate, &p.Actor, &p.Created, &p.Note))
		r.pieces[p.Seq] = pieceText(p)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	rows, err = db.Query(`SELECT seq, hash FROM audit`)
	require.NoError(t, err)
	for rows.Next() {
		var seq int64
		var h []byte
		require.NoError(t, rows.Scan(&seq, &h))
		r.entries[seq] = hex.EncodeToString(h)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	return r
}

// archivedRows adds the rows of a verified archive file to r.
func archivedRows(t *testing.T, file string, r vaultRows) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var l struct {
			Piece *funds.ArchivePiece `json:"piece"`
			Audit *funds.ArchiveEntry `json:"audit"`
		}
		require.NoError(t, json.Unmarshal(line, &l))
		if l.Piece != nil {
			require.NotContains(t, r.pieces, l.Piece.Seq, "piece %d is live and archived", l.Piece.Seq)
			r.pieces[l.Piece.Seq] = pieceText(*l.Piece)
		}
		if l.Audit != nil {
			require.NotContains(t, r.entries, l.Audit.Seq, "entry %d is live and archived", l.Audit.Seq)
			r.entries[l.Audit.Seq] = l.Audit.Hash
		}
	}
}

// checkArchivedVault opens the vault after a kill and checks everything the harness promises; it returns
// how many archives are active.
func checkArchivedVault(t *testing.T, dir string, want vaultRows) int {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "meter.db")
	opts, err := archiveVaultOptions(dir, func() time.Time { return archiveNow })
	require.NoError(t, err)
	v, err := funds.OpenVault(ctx, path, opts)
	require.NoError(t, err, "the vault opens after the kill")
	require.NoError(t, v.Verify(ctx), "and passes the full verification")
	regs, err := v.Registers(ctx)
	require.NoError(t, err)
	require.Equal(t, want.regs, regs, "the registers never change")
	totals, err := v.Totals(ctx, "", "")
	require.NoError(t, err)
	require.Equal(t, want.totals, totals, "nor the summaries")
	list, err := v.Archives(ctx)
	require.NoError(t, err)
	got := liveRows(t, path)
	active := 0
	for _, a := range list {
		if a.Restored {
			continue
		}
		active++
		file := filepath.Join(dir, "archive", a.File)
		sum, err := funds.VerifyArchiveFile(file, opts.Keys.Public())
		require.NoError(t, err, "a recorded archive verifies")
		require.Equal(t, a.SHA256, sum.SHA256, "and is the file recorded")
		archivedRows(t, file, got)
	}
	for seq, p := range want.pieces {
		require.Equal(t, p, got.pieces[seq], "piece %d is live or archived, unchanged", seq)
	}
	for seq, h := range want.entries {
		require.Equal(t, h, got.entries[seq], "entry %d is live or archived, unchanged", seq)
	}
	require.NoError(t, v.Close())
	return active
}

func TestArchiveCrashLosesNothing(t *testing.T) {
	rounds := 16
	if s := os.Getenv(envArchiveRounds); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		rounds = n
	}
	testenv.Short(t, "kills a child process archiving a few dozen times")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 17))
	dir := t.TempDir()
	t.Logf("seed %d, data in %s", seed, dir)
	archiveHistory(t, dir)
	path := filepath.Join(dir, "meter.db")
	want := liveRows(t, path)
	{
		opts, err := archiveVaultOptions(dir, func() time.Time { return archiveNow })
		require.NoError(t, err)
		v, err := funds.OpenVault(context.Background(), path, opts)
		require.NoError(t, err)
		want.regs, err = v.Registers(context.Background())
		require.NoError(t, err)
		want.totals, err = v.Totals(context.Background(), "", "")
		require.NoError(t, err)
		require.NoError(t, v.Close())
	}

	op, kills, finished, archived, restored := "archive", 0, 0, 0, 0
	active := 0
	// The first round runs to its end, to measure how long one period takes; the kills then fall
	// anywhere in that time and a little after.
	var took time.Duration
	for round := range rounds {
		// Half-way, a restore runs to its end too, so both are seen to work between the kills.
		whole := round == 0 || round == rounds/2 && active > 0
		if round == rounds/2 && active > 0 {
			op = "restore"
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envRole+"=archive", envArchiveDB+"="+path, envArchiveOp+"="+op)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := bufio.NewScanner(out)
		ready := lines.Scan()
		began := time.Now()
		switch {
		case whole:
			lines.Scan() // "done 1"
			if round == 0 {
				took = time.Since(began)
			}
			require.Equal(t, "done 1", lines.Text(), "a round run to its end archives or restores a period")
		case ready:
			// Kill somewhere in the archive: writing the file, reading it back, or the commit.
			time.Sleep(time.Duration(rng.Int64N(int64(took) * 5 / 4)))
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		last := lines.Text()
		for lines.Scan() {
			last = lines.Text()
		}
		err = cmd.Wait()
		idle := false
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
		} else {
			require.NoError(t, err, "the child failed: %s", stderr.String())
			finished++
			idle = last == "done 0"
		}
		now := checkArchivedVault(t, dir, want)
		switch {
		case now > active:
			archived++
		case now < active:
			restored++
		}
		active = now
		// Archive until nothing more is due, then restore until nothing is archived, and again.
		if idle || op == "restore" && active == 0 {
			op = map[string]string{"archive": "restore", "restore": "archive"}[op]
		}
	}
	t.Logf("archive-crash: rounds=%d kills=%d finished=%d archived=%d restored=%d one_period_ms=%d", rounds, kills, finished, archived, restored, took.Milliseconds())
	require.Positive(t, kills, "some rounds were killed")
	require.Positive(t, archived, "and some got an archive through")
	require.Positive(t, restored, "and some a restore")
}
