package datacenter_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The databases refuse a row that breaks a rule of the money tables, whoever writes it: each case below
// breaks one rule (a credit limit below zero also has credit used above it), on an account or refill
// row otherwise like a valid one, which is written first by the same statement to show that the rule
// and nothing else refuses the others. On PostgreSQL the rules are CHECK constraints calling one
// PL/pgSQL function a table (schema version 5), on SQLite plain CHECK constraints and triggers; the
// cases are the same.

// ruleAccount is an account row to insert: its number and figures in mills.
type ruleAccount struct {
	number                                                       string
	deposits, prepaid, creditLimit, creditUsed, reserved, posted int64
}

func (a ruleAccount) insert() string {
	return fmt.Sprintf(`INSERT INTO account(number, deposits, prepaid, credit_limit, credit_used, reserved, posted, locked, created)
		VALUES('%s', %d, %d, %d, %d, %d, %d, false, '2026-03-02T09:30:00Z')`,
		a.number, a.deposits, a.prepaid, a.creditLimit, a.creditUsed, a.reserved, a.posted)
}

// ruleRefill is a refill row of meter M1 on account A to insert.
type ruleRefill struct {
	id, state               string
	amount                  int64
	tombstone               bool
	fromPrepaid, fromCredit int64
	declineCode, resolved   string // "" for NULL
}

func (r ruleRefill) insert() string {
	null := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return "'" + s + "'"
	}
	return fmt.Sprintf(`INSERT INTO refill(id, meter_serial, account_number, amount, state, tombstone, from_prepaid,
		from_credit, decline_code, created, resolved) VALUES('%s', '%s', '%s', %d, '%s', %t, %d, %d, %s, '2026-03-02T09:30:00Z', %s)`,
		r.id, m1, acctA, r.amount, r.state, r.tombstone, r.fromPrepaid, r.fromCredit, null(r.declineCode), null(r.resolved))
}

func TestTheDatabaseRefusesRowsThatBreakTheMoneyRules(t *testing.T) {
	const at = "2026-03-02T09:31:00Z"
	okAccount := ruleAccount{number: "55555555"}
	accounts := map[string]ruleAccount{
		"number not eight digits":     {number: "5555555X"},
		"deposits below zero":         {deposits: -1, creditLimit: 1, creditUsed: 1},
		"prepaid below zero":          {prepaid: -1, posted: 1},
		"credit limit below zero":     {creditLimit: -1},
		"credit used above the limit": {prepaid: 1, creditUsed: 1},
		"credit used below zero":      {deposits: 1, creditUsed: -1},
		"reserved below zero":         {prepaid: 1, reserved: -1},
		"posted below zero":           {prepaid: 1, posted: -1},
		"figures that do not add up":  {deposits: 1},
	}
	// A declined refill changes no figure, so the valid row keeps the account and its ledger agreeing.
	okRefill := ruleRefill{state: "declined", amount: 1000, declineCode: "over_max", resolved: at}
	refills := map[string]ruleRefill{
		"id not 36 characters":          {id: "short", state: "declined", amount: 1000, declineCode: "over_max", resolved: at},
		"unknown state":                 {state: "refunded", amount: 1000, fromPrepaid: 1000, resolved: at},
		"drawn from prepaid below zero": {state: "posted", amount: 1000, fromPrepaid: -1, fromCredit: 1001, resolved: at},
		"drawn from credit below zero":  {state: "posted", amount: 1000, fromPrepaid: 1001, fromCredit: -1, resolved: at},
		"zero amount":                   {state: "declined", declineCode: "over_max", resolved: at},
		"tombstone not voided":          {state: "declined", tombstone: true, declineCode: "over_max", resolved: at},
		"tombstone with an amount":      {state: "voided", amount: 1000, tombstone: true, resolved: at},
		"declined without a code":       {state: "declined", amount: 1000, resolved: at},
		"a code but not declined":       {state: "posted", amount: 1000, fromPrepaid: 1000, declineCode: "over_max", resolved: at},
		"declined but drew funds":       {state: "declined", amount: 1000, fromPrepaid: 5, declineCode: "over_max", resolved: at},
		"drew other than the amount":    {state: "posted", amount: 1000, fromPrepaid: 999, resolved: at},
		"reserved but resolved":         {state: "reserved", amount: 1000, fromPrepaid: 1000, resolved: at},
		"resolved without a time":       {state: "posted", amount: 1000, fromPrepaid: 1000},
	}
	forEachStore(t, func(t *testing.T, b backend) {
		h := newHarnessOn(t, b)
		h.mustExec(t, okAccount.insert())
		for name, a := range accounts {
			if a.number == "" {
				a.number = "66666666"
			}
			assert.Error(t, h.exec(a.insert()), "an account with %s was written", name)
		}
		ok := okRefill // the stores' subtests run in parallel
		ok.id = newID(t)
		h.mustExec(t, ok.insert())
		for name, r := range refills {
			if r.id == "" {
				r.id = newID(t)
			}
			assert.Error(t, h.exec(r.insert()), "a refill with %s was written", name)
		}

		// A refill's row moves once, from reserved to posted or voided, and nothing else of it changes.
		m := h.meter(m1)
		id := newID(t)
		m.reserve(id, 50*dollar).answer(t)
		where := ` WHERE id = '` + id + `'`
		for name, set := range map[string]string{
			"declined after reserved": `state = 'declined', decline_code = 'over_max', from_prepaid = 0, from_credit = 0, resolved = created`,
			"moved to another meter":  `meter_serial = '` + m2 + `'`,
			"moved to another state":  `state = 'reserved'`,
		} {
			assert.Error(t, h.exec(`UPDATE refill SET `+set+where), "a reserved refill was %s", name)
		}
		m.post(id).answer(t)
		assert.Error(t, h.exec(`UPDATE refill SET state = 'voided'`+where), "a posted refill was voided")
		for _, set := range []string{"min_refill = 0", "max_refill = min_refill - 1"} {
			err := h.exec(`UPDATE meter SET ` + set + ` WHERE serial = '` + m1 + `'`)
			assert.Error(t, err, "a meter with %s was written", strings.Split(set, " ")[0])
		}
		require.NoError(t, h.store.CheckInvariants(h.ctx))
		if b.name == "postgres" {
			// Version 5 left one CHECK a table: a version 1 constraint it missed would still cost its
			// rebuilding for every statement (postgres_schema.go).
			assert.ElementsMatch(t, []string{"account.account_rules", "meter.meter_rules", "refill.refill_rules"},
				pgCheckConstraints(t, h.path, "account", "meter", "refill"))
		}
	})
}

// pgCheckConstraints lists the CHECK constraints of tables in the PostgreSQL database at url, as
// table.name.
func pgCheckConstraints(t *testing.T, url string, tables ...string) []string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint
		WHERE contype = 'c' AND conrelid::regclass::text = ANY($1)`, tables)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}
