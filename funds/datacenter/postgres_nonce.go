package datacenter

import (
	"context"
	"sync"
	"time"
)

// The nonce memory on PostgreSQL: a request stores its nonce in its own transaction (readRequest), until
// its signed time plus the signature window; after that the signature is refused as stale anyway, so the
// row may go. Dropping expired rows is not the request's work: a sweep in each Data Center process does
// it every NonceSweep. Done per request, the cleanup's plan depended on the table's statistics, which lag
// behind a table that grows by a window's traffic: PostgreSQL planned a sequential scan of the whole
// table for every request, a third of the server's CPU under the fleet load.

// defaultNonceSweep is how often a process drops expired nonces when PostgresOptions leaves it zero.
const defaultNonceSweep = 10 * time.Second

// nonceSweeper runs sweepNonces every interval until stop.
type nonceSweeper struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func (s *PostgresStore) startNonceSweeper(interval time.Duration) {
	if interval <= 0 {
		interval = defaultNonceSweep
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.sweeper = &nonceSweeper{cancel: cancel}
	s.sweeper.done.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n, err := s.sweepNonces(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("dropping expired nonces failed; the next sweep tries again", "err", err)
				} else if n > 0 {
					s.log.Debug("expired nonces dropped", "rows", n)
				}
			}
		}
	})
}

func (s *nonceSweeper) stop() {
	s.cancel()
	s.done.Wait()
}

// sweepNonces drops the nonces that expired before now, in one statement of its own (no money
// transaction waits for it), skipping rows another process's sweep is dropping at the same moment, so
// sweeps of several replicas never wait on each other. It returns how many rows it dropped.
func (s *PostgresStore) sweepNonces(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM nonce WHERE ctid = ANY(ARRAY(
		SELECT ctid FROM nonce WHERE expires_ms < $1 FOR UPDATE SKIP LOCKED))`, s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
