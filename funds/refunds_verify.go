package funds

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The full verification replays the refund ledger's audit entries too (kinds "misprint" and "claim",
// written by refunds.go) and requires the ledger's rows to be what they say: every misprint mark and
// claim the log knows of exists with its reason, actors, state and pieces, no row exists that the log
// does not know, each claim moved only forward, and each claim's total is the sum of its pieces. The
// rows' times are not compared (the row and its entry take the clock apart). The quick verification at
// open does not replay them: the full one runs in the background at every start.

type misprintHist struct {
	reason, actor string
	entry         int64
}

type claimHist struct {
	state, reason, createdBy, updatedBy string
	pieces                              []int64
	entry                               int64
}

// ledgerHistory is the refund ledger as the audit log tells it.
type ledgerHistory struct {
	misprints map[int64]misprintHist
	claims    map[int64]*claimHist
}

func (l *ledgerHistory) bad(e *AuditEntry, what string) error {
	return &VerifyError{"refund ledger", fmt.Sprintf("entry %d (%s): %s", e.Seq, e.Kind, what)}
}

// apply records what a ledger entry wrote; other entries are left alone.
func (l *ledgerHistory) apply(e *AuditEntry) error {
	if l.misprints == nil {
		l.misprints, l.claims = map[int64]misprintHist{}, map[int64]*claimHist{}
	}
	switch e.Kind {
	case "misprint": // "piece N: reason"
		rest, ok := strings.CutPrefix(e.Body, "piece ")
		num, reason, ok2 := strings.Cut(rest, ": ")
		seq, err := strconv.ParseInt(num, 10, 64)
		if !ok || !ok2 || err != nil {
			return l.bad(e, "unreadable body")
		}
		if _, dup := l.misprints[seq]; dup {
			return l.bad(e, fmt.Sprintf("piece %d marked twice", seq))
		}
		l.misprints[seq] = misprintHist{reason: reason, actor: e.Actor, entry: e.Seq}
	case "claim": // "claim N open: pieces a,b, $X: reason" or "claim N state"
		rest, ok := strings.CutPrefix(e.Body, "claim ")
		num, tail, ok2 := strings.Cut(rest, " ")
		id, err := strconv.ParseInt(num, 10, 64)
		if !ok || !ok2 || err != nil {
			return l.bad(e, "unreadable body")
		}
		if open, ok := strings.CutPrefix(tail, "open: pieces "); ok {
			list, rest, ok := strings.Cut(open, ", ")
			_, reason, ok2 := strings.Cut(rest, ": ")
			if !ok || !ok2 || l.claims[id] != nil {
				return l.bad(e, "unreadable body, or a claim made twice")
			}
			c := &claimHist{state: ClaimOpen, reason: reason, createdBy: e.Actor, updatedBy: e.Actor, entry: e.Seq}
			for _, s := range strings.Split(list, ",") {
				seq, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return l.bad(e, "unreadable piece list")
				}
				c.pieces = append(c.pieces, seq)
			}
			l.claims[id] = c
			return nil
		}
		c := l.claims[id]
		if c == nil || !ClaimMayMove(c.state, tail) {
			return l.bad(e, fmt.Sprintf("claim %d cannot move to %q", id, tail))
		}
		c.state, c.updatedBy, c.entry = tail, e.Actor, e.Seq
	}
	return nil
}

// verifyLedger compares the ledger's rows with their history.
func verifyLedger(ctx context.Context, r dbReader, l *ledgerHistory) error {
	bad := func(what string) error { return &VerifyError{"refund ledger", what} }
	rows, err := r.QueryContext(ctx, `SELECT seq, reason, actor FROM piece_misprints ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("verify: read misprint marks: %w", err)
	}
	seen := 0
	for rows.Next() {
		var seq int64
		var reason, actor string
		if err := rows.Scan(&seq, &reason, &actor); err != nil {
			rows.Close()
			return fmt.Errorf("verify: read misprint marks: %w", err)
		}
		if h, ok := l.misprints[seq]; !ok || h.reason != reason || h.actor != actor {
			rows.Close()
			return bad(fmt.Sprintf("the misprint mark of piece %d does not match its audit entry", seq))
		}
		seen++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read misprint marks: %w", err)
	}
	if seen != len(l.misprints) {
		return bad("a misprint mark the audit log records is missing")
	}

	got := map[int64]*claimHist{}
	rows, err = r.QueryContext(ctx, `SELECT c.id, c.state, c.reason, c.created_by, c.updated_by, c.total,
		COALESCE((SELECT SUM(p.amount) FROM refund_claim_pieces cp JOIN pieces p ON p.seq = cp.seq WHERE cp.claim = c.id), 0),
		COALESCE((SELECT group_concat(seq, ',') FROM (SELECT seq FROM refund_claim_pieces WHERE claim = c.id ORDER BY seq)), '')
		FROM refund_claims c`)
	if err != nil {
		return fmt.Errorf("verify: read refund claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var total, sum Amount
		var list string
		c := &claimHist{}
		if err := rows.Scan(&id, &c.state, &c.reason, &c.createdBy, &c.updatedBy, &total, &sum, &list); err != nil {
			return fmt.Errorf("verify: read refund claims: %w", err)
		}
		if total != sum {
			return bad(fmt.Sprintf("claim %d's total is not the sum of its pieces", id))
		}
		for _, s := range strings.Split(list, ",") {
			if seq, err := strconv.ParseInt(s, 10, 64); err == nil {
				c.pieces = append(c.pieces, seq)
			}
		}
		got[id] = c
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read refund claims: %w", err)
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		g, h := got[id], l.claims[id]
		if h == nil || g.state != h.state || g.reason != h.reason || g.createdBy != h.createdBy ||
			g.updatedBy != h.updatedBy || !slices.Equal(g.pieces, h.pieces) {
			return bad(fmt.Sprintf("claim %d does not match its audit entries", id))
		}
	}
	if len(got) != len(l.claims) {
		return bad("a refund claim the audit log records is missing")
	}
	return nil
}
