package datacenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Group commit for the SQLite store. SQLite has one writer, and a durable commit (an fsync of the WAL)
// costs far more than the few statements of a reserve or a post. So the store's transactions go to one
// writer goroutine, which takes every transaction waiting when it is free, runs them one after another
// in one SQLite transaction — each inside a savepoint of its own, so one that fails leaves nothing and
// the others stand — and commits once. Only then is each caller answered: no caller hears of a change
// that is not durable, and a batch whose commit fails answers every caller in it with that failure.
//
// Run one after another, the transactions see each other's changes exactly as if each had committed
// alone, so every rule that held with one transaction per commit (the money checks, the ledger, the
// nonce memory) holds the same way.

// maxGroup bounds one batch, so one commit never waits on an unbounded queue.
const maxGroup = 64

// errStoreClosed is returned for a transaction asked for after Close.
var errStoreClosed = errors.New("data center store is closed")

type groupJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx, now time.Time) error
	done chan error
}

// groupWriter is the store's one writer goroutine and its queue.
type groupWriter struct {
	jobs    chan *groupJob
	stop    chan struct{}
	stopped chan struct{}
	queued  atomic.Int64 // transactions handed in and not yet taken by the writer
	commits atomic.Int64 // batches committed (or failed)
}

func (s *SQLiteStore) startGroupWriter() {
	g := &groupWriter{jobs: make(chan *groupJob), stop: make(chan struct{}), stopped: make(chan struct{})}
	s.group = g
	go s.runGroupWriter(g)
}

// stopGroupWriter lets the batch in hand finish and stops the writer.
func (s *SQLiteStore) stopGroupWriter() {
	if s.group == nil {
		return
	}
	close(s.group.stop)
	<-s.group.stopped
}

// groupTx hands fn to the writer and waits for its batch to commit.
func (s *SQLiteStore) groupTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	j := &groupJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.group.queued.Add(1)
	select {
	case s.group.jobs <- j:
	case <-s.group.stop:
		s.group.queued.Add(-1)
		return errStoreClosed
	case <-ctx.Done():
		s.group.queued.Add(-1)
		return ctx.Err()
	}
	// Once the writer has the job it always answers, after the commit; the caller waits for that, even
	// if its context ends, so it never reports as failed a change that then commits.
	return <-j.done
}

func (s *SQLiteStore) runGroupWriter(g *groupWriter) {
	defer close(g.stopped)
	batch := make([]*groupJob, 0, maxGroup)
	for {
		select {
		case j := <-g.jobs:
			g.queued.Add(-1)
			batch = append(batch[:0], j)
		case <-g.stop:
			return
		}
	fill:
		for len(batch) < maxGroup {
			select {
			case j := <-g.jobs:
				g.queued.Add(-1)
				batch = append(batch, j)
			default:
				break fill
			}
		}
		s.commitGroup(batch)
		g.commits.Add(1)
	}
}

// commitGroup runs the batch in one transaction and answers every job.
func (s *SQLiteStore) commitGroup(batch []*groupJob) {
	errs := make([]error, len(batch))
	answer := func(all error) {
		for i, j := range batch {
			if all != nil && errs[i] == nil {
				errs[i] = all
			}
			j.done <- errs[i]
		}
	}
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		answer(fmt.Errorf("begin: %w", err))
		return
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err // the caller gave up before its turn: nothing of it runs
			continue
		}
		if err := s.runInSavepoint(tx, j, &errs[i]); err != nil {
			// The transaction itself is broken (a savepoint could not be rolled back): nothing commits.
			answer(errors.Join(err, rollbackErr(tx)))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		answer(fmt.Errorf("commit: %w", errors.Join(err, rollbackErr(tx))))
		return
	}
	answer(nil)
}

// runInSavepoint runs one job; its own failure goes to *jobErr and is undone back to the savepoint.
// The error returned is a failure of the whole transaction.
func (s *SQLiteStore) runInSavepoint(tx *sql.Tx, j *groupJob, jobErr *error) error {
	ctx := context.Background()
	if _, err := tx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := j.fn(tx, s.now().UTC()); err != nil {
		*jobErr = err
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO job"); rerr != nil {
			return fmt.Errorf("roll back to savepoint: %w", rerr)
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE job"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

func rollbackErr(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
