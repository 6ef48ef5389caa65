package datacenter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The meter's requests on PostgreSQL run as pipelined transactions: their statements go to the server in
// batches (pgx.Batch, one network round trip and one wake-up of the server each), not one by one:
//
//  1. BEGIN, lock and read the meter (with what its report is checked against), store the nonce, lock and
//     read the account, read the refill with the request's id;
//  2. the writes the rules (rules.go) decided, in Go, on what round trip 1 read — the report kept, the refill
//     row, the account's figures written and checked against its ledger by the database itself
//     (account_agrees_with_ledger raises PM001, which fails the statement) — and COMMIT.
//
// A refill's transaction is two round trips where it was nine. COMMIT goes with the writes because every
// check that must keep a transaction from committing runs in the server: the CHECK constraints, the ledger
// check, and a refill's move that changed no row (its account then disagrees with the ledger). When a
// statement fails, the server skips the rest of the batch, COMMIT included, and the transaction is rolled
// back. Go checks what the writes read back too (checkAccount), after the fact, as an assertion.
//
// The locks are taken in the same order as before (meter, then account), all in round trip 1, so
// nothing is decided on rows another transaction may change.

// pgPipe is one transaction on one connection whose statements are queued and sent in batches; or one
// request's share of a group's transaction (postgres_group.go), whose batches go with the others'.
type pgPipe struct {
	ctx   context.Context
	conn  *pgxpool.Conn // alone
	batch *pgx.Batch

	grp    *pgGroupRun // in a group
	member *pgMember
	hints  *accountHints
}

// queue adds a statement to the next batch; its callback (QueryRow, Exec) runs when the batch is sent.
func (p *pgPipe) queue(sql string, args ...any) *pgx.QueuedQuery { return p.batch.Queue(sql, args...) }

// send sends the queued statements in one round trip and runs their callbacks in order, returning the
// first error (the server skips the statements after one that failed). In a group it hands them to the
// group and waits until the group has sent them with the other requests' statements.
func (p *pgPipe) send() error {
	if p.batch.Len() == 0 {
		return nil
	}
	b := p.batch
	p.batch = &pgx.Batch{}
	if p.grp != nil {
		p.grp.msgs <- pgMsg{m: p.member, batch: b}
		return <-p.member.resume
	}
	return p.conn.SendBatch(p.ctx, b).Close()
}

// claimAccount is told the account a request read: two requests of one group must not share one.
func (p *pgPipe) claimAccount(serial, account string) error {
	if p.hints != nil {
		p.hints.set(serial, account)
	}
	if p.grp == nil {
		return nil
	}
	return p.grp.claimAccount(serial, account)
}

// inPipeline runs fn, a request of the meter serial, in one READ COMMITTED transaction whose BEGIN goes
// with fn's first batch, and sends what fn left queued with the COMMIT: in a group with other meters'
// requests (postgres_group.go), or alone.
func (s *PostgresStore) inPipeline(ctx context.Context, serial string, fn func(p *pgPipe, now time.Time) error) error {
	if s.group != nil {
		return s.group.inGroup(ctx, serial, fn)
	}
	return s.alone(ctx, fn)
}

// alone runs fn in a transaction of its own. It retries the whole transaction on a transient conflict,
// as inTx does.
func (s *PostgresStore) alone(ctx context.Context, fn func(p *pgPipe, now time.Time) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.tryPipeline(ctx, fn)
		if err == nil || !retryable(err) || attempt == pgMaxAttempts || ctx.Err() != nil {
			return err
		}
		s.retries.Add(1)
		s.log.Debug("data center transaction retried", "attempt", attempt, "err", err)
	}
}

func (s *PostgresStore) tryPipeline(ctx context.Context, fn func(p *pgPipe, now time.Time) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Release destroys a connection left in a transaction or broken, so a failed ROLLBACK leaks nothing.
	defer conn.Release()
	p := &pgPipe{ctx: ctx, conn: conn, batch: &pgx.Batch{}}
	if s.group != nil {
		p.hints = &s.group.hints
	}
	p.queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
	defer func() {
		if err != nil && conn.Conn().PgConn().TxStatus() != 'I' && !conn.Conn().IsClosed() {
			if _, rbErr := conn.Exec(context.WithoutCancel(ctx), `ROLLBACK`); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	// PostgreSQL keeps microseconds: store what it can keep, so an answer read back equals the one given.
	if err = fn(p, s.now().UTC().Truncate(time.Microsecond)); err != nil {
		return err
	}
	queueCommit(p.batch)
	if err = p.send(); err != nil {
		return pgInvariant(err)
	}
	return nil
}

// pgInvariant marks the database's refusal of an account that disagrees with its ledger as ErrInvariant.
func pgInvariant(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "PM001" {
		return fmt.Errorf("%w: %s", ErrInvariant, pe.Message)
	}
	return err
}
