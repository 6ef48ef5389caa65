package datacenter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Group commit for the PostgreSQL store. Measured under the fleet load, most of the server's work for a
// meter's request was not its statements but the transaction around them: its round trips, waking the
// backend, the commit and the memory a transaction takes and gives back. So meters' requests that
// arrive together run as one transaction: a worker takes what is waiting (one request per meter, at
// most pgGroupMax), starts each request's transaction function (the same one that runs alone) on a
// pipe of the group, and every time all of them have queued what they need next, sends it as one
// batch. When every function has returned, the group's writes go with one COMMIT, and only then is
// any caller answered.
//
// The group is an optimistic fast path; running alone (tryPipeline) stays the rule of what is right:
//   - a request whose function fails, a statement the server refuses, two requests of one account (they
//     would decide on the same balance), a deadlock: the group is rolled back before anything of it
//     committed, and each of its requests runs again alone, where it gets its own answer or error;
//   - an outcome the server did not state (the connection lost after COMMIT was sent, a check of what
//     the writes read back that failed): every request of the group gets the error, as a request alone
//     does; a meter asks again with the same refill id and is given the stored answer.
//
// Requests alone see each other's changes exactly as requests of one group do: a group's requests are
// run one after another on one connection, and never two of one meter or one account, so each decides on
// rows no other request of the group changes. Within a group the meters' rows are locked in the order
// of their serials, so two groups do not wait on each other in a circle over meters.

const (
	pgGroupMax     = 32 // requests in one group
	pgGroupWorkers = 2  // groups in progress at once in one process
)

var (
	// errRunAlone tells a request of a group that was rolled back to run again on its own.
	errRunAlone = errors.New("the request's group was rolled back: run it alone")
	// errGroupAborted is what a request's pipe answers once its group is being rolled back.
	errGroupAborted = errors.New("the request's group is being rolled back")
	// errGroupConflict is a second request of one group on the same account.
	errGroupConflict = errors.New("two requests of one group are on the same account")
)

// pgMember is one request waiting for, or in, a group.
type pgMember struct {
	ctx    context.Context
	key    string       // the meter's serial
	start  chan pgStart // from the worker: the group's pipe, or nil to run alone
	result chan error   // the group's outcome (errRunAlone: run alone)
	resume chan error   // answers the member's send: nil, or errGroupAborted
}

type pgStart struct {
	pipe  *pgPipe
	now   time.Time
	alone chan struct{} // with pipe nil: closed when the request has run alone
}

// pgMsg is what a member tells its group: a batch it waits on, or that its function returned.
type pgMsg struct {
	m     *pgMember
	batch *pgx.Batch
	done  bool
	err   error
}

// pgGroupRun is what the members of one group share.
type pgGroupRun struct {
	msgs     chan pgMsg
	mu       sync.Mutex
	accounts map[string]string // account → the serial of the member that read it
}

// pgGrouper forms the groups and runs them.
type pgGrouper struct {
	s    *PostgresStore
	in   chan *pgMember
	stop chan struct{}
	wg   sync.WaitGroup

	hints accountHints

	groups   atomic.Int64 // groups committed
	members  atomic.Int64 // requests committed in groups
	fellBack atomic.Int64 // requests run alone after their group was rolled back

	// forming is held by the worker gathering a group, so requests arriving together are not split
	// between two workers.
	forming sync.Mutex
	carry   []*pgMember // requests left for the next group: their meter or account was in the last one

	// gate makes the worker wait for this many requests before it runs a group: 0 in a program; a test
	// sets it (export_test.go) to make a group of the requests it sends.
	gate atomic.Int32
}

func (s *PostgresStore) startGrouper() {
	g := &pgGrouper{s: s, in: make(chan *pgMember), stop: make(chan struct{})}
	s.group = g
	for range pgGroupWorkers {
		g.wg.Add(1)
		go g.work()
	}
}

// stopGrouper lets the groups in progress finish and stops the workers.
func (g *pgGrouper) stopGrouper() {
	close(g.stop)
	g.wg.Wait()
	for _, m := range g.carry {
		m.start <- pgStart{} // alone, on a store being closed
	}
	g.carry = nil
}

// inGroup runs fn for the meter key in a group, or alone when no group forms.
func (g *pgGrouper) inGroup(ctx context.Context, key string, fn func(p *pgPipe, now time.Time) error) error {
	m := &pgMember{ctx: ctx, key: key, start: make(chan pgStart, 1), result: make(chan error, 1),
		resume: make(chan error, 1)}
	select {
	case g.in <- m:
	case <-g.stop:
		return g.s.alone(ctx, fn)
	case <-ctx.Done():
		return ctx.Err()
	}
	st := <-m.start
	if st.pipe == nil {
		if st.alone != nil {
			defer close(st.alone)
		}
		return g.s.alone(ctx, fn)
	}
	err := runMember(m, st, fn)
	st.pipe.grp.msgs <- pgMsg{m: m, done: true, err: err, batch: st.pipe.batch}
	// Once in a group the request waits for the group's outcome, even if its context ends, so it never
	// reports as failed a change that then commits.
	if err := <-m.result; !errors.Is(err, errRunAlone) {
		return err
	}
	g.fellBack.Add(1)
	return g.s.alone(ctx, fn)
}

// runMember runs a request's function in its group. A panic in it still tells the group (which would
// otherwise wait for it forever, holding its connection and the other requests) before it goes on up.
func runMember(m *pgMember, st pgStart, fn func(p *pgPipe, now time.Time) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			st.pipe.grp.msgs <- pgMsg{m: m, done: true, err: fmt.Errorf("request panicked: %v", r)}
			panic(r)
		}
	}()
	return fn(st.pipe, st.now)
}

func (g *pgGrouper) work() {
	defer g.wg.Done()
	for {
		group, ok := g.gather()
		if !ok {
			return
		}
		g.run(group)
	}
}

// gather takes the next group: the requests carried from the last one, and those waiting, one per meter
// and account, at most pgGroupMax. It returns false when the store is closing.
func (g *pgGrouper) gather() ([]*pgMember, bool) {
	g.forming.Lock()
	defer g.forming.Unlock()
	var group []*pgMember
	serials, accounts := map[string]bool{}, map[string]bool{}
	add := func(m *pgMember) {
		acct := g.hints.get(m.key)
		if serials[m.key] || (acct != "" && accounts[acct]) || len(group) == pgGroupMax {
			g.carry = append(g.carry, m)
			return
		}
		group = append(group, m)
		serials[m.key] = true
		if acct != "" {
			accounts[acct] = true
		}
	}
	waiting := g.carry
	g.carry = nil
	for _, m := range waiting {
		add(m)
	}
	if len(group) == 0 {
		select {
		case m := <-g.in:
			add(m)
		case <-g.stop:
			return nil, false
		}
	}
	for len(group) < pgGroupMax && len(group)+len(g.carry) < 2*pgGroupMax {
		select {
		case m := <-g.in:
			add(m)
			continue
		default:
		}
		if len(group) >= int(g.gate.Load()) {
			break
		}
		select {
		case m := <-g.in:
			add(m)
		case <-g.stop:
			g.carry = append(g.carry, group...)
			return nil, false
		}
	}
	return group, true
}

// run starts a group of one alone, and runs a larger one.
func (g *pgGrouper) run(group []*pgMember) {
	var live []*pgMember
	for _, m := range group {
		if m.ctx.Err() != nil {
			m.start <- pgStart{} // its caller gave up: alone, it answers that at once
			continue
		}
		live = append(live, m)
	}
	if len(live) == 1 {
		// Alone, but the worker waits for it: while it runs, the requests that arrive form the next group.
		done := make(chan struct{})
		live[0].start <- pgStart{alone: done}
		<-done
		return
	}
	if len(live) == 0 {
		return
	}
	slices.SortFunc(live, func(a, b *pgMember) int { return strings.Compare(a.key, b.key) })
	err := g.commit(live)
	if err == nil {
		g.groups.Add(1)
		g.members.Add(int64(len(live)))
	}
	for _, m := range live {
		m.result <- err
	}
}

// commit runs the group in one transaction. It returns nil when the group committed, errRunAlone when
// it was rolled back, or the error of an outcome the server did not state.
//
// The worker steps the requests one at a time — starts or resumes one and waits for what it says next —
// rather than waking them all and waiting for the last: a goroutine woken by the one that then waits
// runs next on its processor, while one of many woken at once waits behind every request still
// verifying a signature, and the whole group with it.
func (g *pgGrouper) commit(ms []*pgMember) error {
	ctx := context.Background()
	conn, err := g.s.pool.Acquire(ctx)
	if err != nil {
		for _, m := range ms {
			m.start <- pgStart{}
		}
		// Never read: each member was started alone and does not wait for a result.
		return errRunAlone
	}
	defer conn.Release()
	run := &pgGroupRun{msgs: make(chan pgMsg, 1), accounts: map[string]string{}}
	now := g.s.now().UTC().Truncate(time.Microsecond)
	step := func(m *pgMember, first bool, resume error) pgMsg {
		if first {
			m.start <- pgStart{pipe: &pgPipe{ctx: ctx, batch: &pgx.Batch{}, grp: run, member: m, hints: &g.hints}, now: now}
		} else {
			m.resume <- resume
		}
		return <-run.msgs
	}
	var writes []*pgx.QueuedQuery
	failed, began := false, false
	next, first := ms, true
	for len(next) > 0 {
		var sends []pgMsg
		for _, m := range next {
			var resume error
			if failed {
				resume = errGroupAborted
			}
			switch msg := step(m, first, resume); {
			case !msg.done:
				sends = append(sends, msg)
			case msg.err != nil:
				failed = true
			default:
				writes = append(writes, msg.batch.QueuedQueries...)
			}
		}
		first, next = false, nil
		if len(sends) > 0 && !failed {
			b := &pgx.Batch{}
			if !began {
				b.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
				began = true
			}
			for _, msg := range sends {
				b.QueuedQueries = append(b.QueuedQueries, msg.batch.QueuedQueries...)
			}
			if err := conn.SendBatch(ctx, b).Close(); err != nil {
				g.s.log.Debug("data center group rolled back", "err", err)
				failed = true
			}
		}
		for _, msg := range sends {
			next = append(next, msg.m)
		}
	}
	if failed {
		return rollBackGroup(conn)
	}
	b := &pgx.Batch{}
	if !began {
		b.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
	}
	b.QueuedQueries = append(b.QueuedQueries, writes...)
	queueCommit(b)
	err = conn.SendBatch(ctx, b).Close()
	if err == nil {
		return nil
	}
	// A statement the server refused leaves the transaction open and failed, COMMIT unrun: nothing of
	// the group committed, and its requests may run again alone. Otherwise COMMIT may have run.
	if pc := conn.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
		g.s.log.Debug("data center group rolled back", "err", err)
		return rollBackGroup(conn)
	}
	return pgInvariant(err)
}

// rollBackGroup ends a group's transaction, if the connection is still in one, and tells its requests
// to run alone: nothing of the group committed (a connection that breaks ends its transaction too).
func rollBackGroup(conn *pgxpool.Conn) error {
	if pc := conn.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
		_, _ = conn.Exec(context.Background(), `ROLLBACK`) // if it fails, Release destroys the connection
	}
	return errRunAlone
}

// queueCommit queues COMMIT, and the check that it committed.
func queueCommit(b *pgx.Batch) {
	b.Queue(`COMMIT`).Exec(func(tag pgconn.CommandTag) error {
		if tag.String() != "COMMIT" { // a transaction that failed answers COMMIT with ROLLBACK
			return fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback)
		}
		return nil
	})
}

// claimAccount records that a request of the group read this account: a second request of the group on
// it fails the group (errGroupConflict), and the next groups keep the two apart (hints).
func (r *pgGroupRun) claimAccount(serial, account string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if other, ok := r.accounts[account]; ok && other != serial {
		return fmt.Errorf("meters %s and %s, account %s: %w", other, serial, account, errGroupConflict)
	}
	r.accounts[account] = serial
	return nil
}

// accountHints remember which account each meter was last seen on, so a group is formed of requests on
// different accounts. A hint only shapes groups: a wrong or missing one costs a rolled-back group.
type accountHints struct {
	mu sync.Mutex
	m  map[string]string
}

// hintsMax bounds the memory of hints; past it they are forgotten and learned again.
const hintsMax = 100_000

func (h *accountHints) get(serial string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[serial]
}

func (h *accountHints) set(serial, account string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) >= hintsMax {
		h.m = make(map[string]string)
	}
	h.m[serial] = account
}

// GroupStats are the store's group commits since it was opened: groups committed, requests committed
// in them, and requests that ran alone after their group was rolled back.
func (s *PostgresStore) GroupStats() (groups, members, fellBack int64) {
	if s.group == nil {
		return 0, 0, 0
	}
	return s.group.groups.Load(), s.group.members.Load(), s.group.fellBack.Load()
}
