package funds

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Meter-side refill states (DESIGN.md, Refill protocol). The only transitions are
// requested → applied → confirmed and requested → abandoned → closed; the database refuses any other.
const (
	RefillRequested = "requested" // intent stored, not yet answered by the Data Center
	RefillApplied   = "applied"   // credited to the registers, not yet posted at the Data Center
	RefillConfirmed = "confirmed" // credited and posted: final
	RefillAbandoned = "abandoned" // never to be applied; the Data Center must still void its hold
	RefillClosed    = "closed"    // abandoned and voided: final
)

// Refill is one refill as the meter records it.
type Refill struct {
	ID             string
	Amount         Amount
	State          string
	Actor          string
	Created        string
	Updated        string
	DeclineCode    string
	DeclineMessage string
	Grant          string // JSON of the Data Center's SignedAnswer that granted it; empty until applied
}

// Open reports whether the refill still needs the Data Center to reach a final state.
func (r Refill) Open() bool {
	return r.State == RefillRequested || r.State == RefillApplied || r.State == RefillAbandoned
}

// ErrRefillPending is returned when a new refill is asked for while another is requested: that one is
// the clerk's to try again or cancel first. An applied refill whose post is still owed does not block a
// new one: its money is in the meter, and Reconcile posts it later.
var ErrRefillPending = errors.New("a refill is already pending")

// ErrUnknownRefill is returned for a refill id the vault has never stored.
var ErrUnknownRefill = errors.New("no such refill")

// noRefillPending refuses, inside the caller's transaction, while a refill is requested: at most one
// is in flight, whether a clerk or the auto-refill asked for it.
func noRefillPending(ctx context.Context, tx *sql.Tx) error {
	var pending string
	err := tx.QueryRowContext(ctx, `SELECT id FROM refills WHERE state = 'requested' LIMIT 1`).Scan(&pending)
	if err == nil {
		return fmt.Errorf("%w (%s)", ErrRefillPending, pending)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// CreateRefill stores the intent to refill (state requested) and commits it before anything is sent.
// It refuses while another refill is requested, so at most one can be in flight; refills applied (post
// owed) or abandoned (void owed) are settled by Reconcile and do not block.
func (v *Vault) CreateRefill(ctx context.Context, id string, amount Amount, actor string) error {
	if amount <= 0 {
		return fmt.Errorf("create refill %s of %s: %w", id, amount.MillsString(), ErrInvalidAmount)
	}
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		if err := noRefillPending(ctx, tx); err != nil {
			return err
		}
		now := v.stamp()
		if _, err := tx.ExecContext(ctx, `INSERT INTO refills(id, amount, state, actor, created, updated)
			VALUES(?, ?, 'requested', ?, ?, ?)`, id, amount, actor, now, now); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return v.auditRefill(ctx, tx, id, actor, "refill-requested", fmt.Sprintf("%s %s", id, amount.MillsString()))
	})
	if err != nil {
		return fmt.Errorf("create refill %s: %w", id, err)
	}
	return nil
}

// ApplyRefill credits a requested refill to the registers and moves it to applied, in one transaction,
// if and only if grant is the Data Center's signed answer reserving (or posting) exactly this refill of
// this meter: a grant that does not check credits nothing and returns an error wrapping ErrBadAnswer.
// The grant is kept in the refill row, so Verify can check every credit again. It applies only from
// requested: for any other state it changes nothing and reports applied=false, which makes a replayed
// grant harmless.
func (v *Vault) ApplyRefill(ctx context.Context, id string, grant SignedAnswer) (applied bool, err error) {
	err = v.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := readRefill(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.State != RefillRequested {
			return nil
		}
		if err := v.checkGrant(grant, id, r.Amount); err != nil {
			return err
		}
		g, err := json.Marshal(grant)
		if err != nil {
			return fmt.Errorf("encode grant: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refills SET state = 'applied', updated = ?, grant = ?
			WHERE id = ? AND state = 'requested'`, v.stamp(), string(g), id); err != nil {
			return fmt.Errorf("mark applied: %w", err)
		}
		if r, err = readRefill(ctx, tx, id); err != nil {
			return err
		}
		var touched touchList
		touched.refill(r)
		if err := v.credit(ctx, tx, r, touched); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("apply refill %s: %w", id, err)
	}
	return applied, nil
}

// checkGrant accepts only the pinned Data Center's signed 2xx answer for this meter, refill id and
// amount, in a state that holds the money for the meter (reserved, or already posted).
func (v *Vault) checkGrant(grant SignedAnswer, id string, amount Amount) error {
	ans, err := grant.Grant(v.keys, v.serial, id, amount)
	if err != nil {
		return err
	}
	if ans.State != DCReserved && ans.State != DCPosted {
		return fmt.Errorf("%w: refill %s is %s at the Data Center, not reserved", ErrBadAnswer, id, ans.State)
	}
	return nil
}

// credit adds r to the registers and writes the audit entry, with the registers and the other rows the
// caller changed in the same transaction (also).
func (v *Vault) credit(ctx context.Context, tx *sql.Tx, r Refill, also touchList) error {
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return err
	}
	regs.Available += r.Amount
	regs.Control += r.Amount
	assertControlSum(regs)
	if _, err := tx.ExecContext(ctx, `UPDATE registers SET available = ?, control = ? WHERE id = 1`,
		regs.Available, regs.Control); err != nil {
		return fmt.Errorf("credit registers: %w", err)
	}
	touched := also
	touched.registers(regs)
	return v.appendAudit(ctx, tx, r.Actor, "refill-applied", fmt.Sprintf("%s %s", r.ID, r.Amount.MillsString()), regs, touched)
}

// auditRefill audits a change of refill id that moved no money, reading the row back for its digest.
func (v *Vault) auditRefill(ctx context.Context, tx *sql.Tx, id, actor, kind, body string) error {
	r, err := readRefill(ctx, tx, id)
	if err != nil {
		return err
	}
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return err
	}
	var touched touchList
	touched.refill(r)
	return v.appendAudit(ctx, tx, actor, kind, body, regs, touched)
}

// ConfirmRefill marks an applied refill confirmed once the Data Center has posted it.
func (v *Vault) ConfirmRefill(ctx context.Context, id string) error {
	return v.moveRefill(ctx, id, RefillApplied, RefillConfirmed, "", "")
}

// AbandonRefill marks a requested refill as never to be applied (declined, or cancelled by the user).
// It must commit before the void is sent, so a late grant can never be applied.
func (v *Vault) AbandonRefill(ctx context.Context, id, declineCode, declineMessage string) error {
	return v.moveRefill(ctx, id, RefillRequested, RefillAbandoned, declineCode, declineMessage)
}

// CloseRefill marks an abandoned refill closed once the Data Center has voided (or declined) it.
func (v *Vault) CloseRefill(ctx context.Context, id string) error {
	return v.moveRefill(ctx, id, RefillAbandoned, RefillClosed, "", "")
}

// moveRefill makes a state change that moves no money; repeating a done change is a no-op.
func (v *Vault) moveRefill(ctx context.Context, id, from, to, declineCode, declineMessage string) error {
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := readRefill(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.State == to {
			return nil
		}
		if r.State != from {
			return fmt.Errorf("refill is %s, only a %s refill can become %s", r.State, from, to)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refills SET state = ?, updated = ?,
			decline_code = CASE WHEN ? = '' THEN decline_code ELSE ? END,
			decline_message = CASE WHEN ? = '' THEN decline_message ELSE ? END WHERE id = ?`,
			to, v.stamp(), declineCode, declineCode, declineMessage, declineMessage, id); err != nil {
			return err
		}
		return v.auditRefill(ctx, tx, id, r.Actor, "refill-"+to, id)
	})
	if err != nil {
		return fmt.Errorf("refill %s %s: %w", id, to, err)
	}
	return nil
}

// Refill reads one refill.
func (v *Vault) Refill(ctx context.Context, id string) (Refill, error) {
	r, err := readRefill(ctx, v.db, id)
	if err != nil {
		return Refill{}, fmt.Errorf("read refill %s: %w", id, err)
	}
	return r, nil
}

// refillColumns are every column of a refill row, in Refill's order.
const refillColumns = `id, amount, state, actor, created, updated, decline_code, decline_message, grant`

func readRefill(ctx context.Context, q queryer, id string) (Refill, error) {
	var r Refill
	err := q.QueryRowContext(ctx, `SELECT `+refillColumns+` FROM refills WHERE id = ?`, id).Scan(
		&r.ID, &r.Amount, &r.State, &r.Actor, &r.Created, &r.Updated, &r.DeclineCode, &r.DeclineMessage, &r.Grant)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrUnknownRefill
	}
	return r, err
}

// OpenRefills lists refills that are not final yet, oldest first.
func (v *Vault) OpenRefills(ctx context.Context) ([]Refill, error) {
	return listRefills(ctx, v.db, `WHERE state IN ('requested', 'applied', 'abandoned') ORDER BY created, id`, -1)
}

// Refills lists all refills, newest first, at most limit (all if limit < 0).
func (v *Vault) Refills(ctx context.Context, limit int) ([]Refill, error) {
	return listRefills(ctx, v.db, `ORDER BY created DESC, id DESC`, limit)
}

// LastAppliedRefill returns the newest refill that reached the registers, or ok=false before the first.
func (v *Vault) LastAppliedRefill(ctx context.Context) (r Refill, ok bool, err error) {
	list, err := listRefills(ctx, v.db, `WHERE state IN ('applied', 'confirmed') ORDER BY created DESC, id DESC`, 1)
	if err != nil || len(list) == 0 {
		return Refill{}, false, err
	}
	return list[0], true, nil
}

func listRefills(ctx context.Context, r dbReader, where string, limit int) ([]Refill, error) {
	rows, err := r.QueryContext(ctx, `SELECT `+refillColumns+` FROM refills `+where+` LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list refills: %w", err)
	}
	defer rows.Close()
	var out []Refill
	for rows.Next() {
		var r Refill
		if err := rows.Scan(&r.ID, &r.Amount, &r.State, &r.Actor, &r.Created, &r.Updated, &r.DeclineCode,
			&r.DeclineMessage, &r.Grant); err != nil {
			return nil, fmt.Errorf("list refills: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
