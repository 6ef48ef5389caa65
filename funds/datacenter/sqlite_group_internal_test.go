package datacenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGroupCommitBatchesAndIsolates holds the one writer inside a transaction while twenty more queue
// up, then lets it go: the twenty commit as one batch, each caller answered after it, and the ones that
// fail (after writing) leave nothing while the others stand.
func TestGroupCommitBatchesAndIsolates(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "dc.db"), SQLiteOptions{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer s.Close()

	release := make(chan struct{})
	held := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	before := s.group.commits.Load()

	const n = 20
	errBoom := errors.New("boom")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
				number := fmt.Sprintf("%08d", 10000000+i)
				if _, err := tx.ExecContext(ctx, `INSERT INTO account(`+accountCols+`) VALUES(?, 0, 0, 0, 0, 0, 0, 0, ?)`,
					number, fmtTime(now)); err != nil {
					return err
				}
				if i%4 == 3 {
					return errBoom // after its insert: the savepoint must undo it
				}
				return nil
			})
		})
	}
	require.Eventually(t, func() bool { return s.group.queued.Load() == n }, 10*time.Second, time.Millisecond,
		"all %d transactions wait for the writer", n)
	close(release)
	wg.Wait()
	require.NoError(t, <-first)
	assert.Equal(t, int64(2), s.group.commits.Load()-before, "the held transaction's batch, then one batch of all twenty")

	accounts, err := s.Accounts(ctx)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, a := range accounts {
		got[a.Number] = true
	}
	for i := range n {
		number := fmt.Sprintf("%08d", 10000000+i)
		if i%4 == 3 {
			assert.ErrorIs(t, errs[i], errBoom)
			assert.False(t, got[number], "account %s of a failed transaction is not there", number)
		} else {
			assert.NoError(t, errs[i])
			assert.True(t, got[number], "account %s is there", number)
		}
	}
	require.NoError(t, s.CheckInvariants(ctx))
}

// A transaction asked for after Close is refused, not left waiting.
func TestGroupWriterRefusesAfterClose(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "dc.db"), SQLiteOptions{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	err = s.inTx(context.Background(), func(*sql.Tx, time.Time) error { return nil })
	require.ErrorIs(t, err, errStoreClosed)
}
