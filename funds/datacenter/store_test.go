package datacenter_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// at is a time the tampering statements write, valid in both databases' timestamp columns.
const at = "'2026-03-02T09:30:00Z'"

func TestCheckInvariantsFindsTampering(t *testing.T) {
	forEachStore(t, testCheckInvariantsFindsTampering)
}

func testCheckInvariantsFindsTampering(t *testing.T, b backend) {
	cases := []struct {
		name string
		sql  string
		says []string
	}{
		{"a deposit row without its account update", `INSERT INTO deposit(account_number, amount, at) VALUES('12345678', 5000, ` + at + `)`,
			[]string{"account 12345678", "deposits $1,000.000", "Σ deposit rows $1,005.000"}},
		{"a hold moved between figures", `UPDATE account SET reserved = reserved - 1000, posted = posted + 1000 WHERE number = '12345678'`,
			[]string{"account 12345678", "reserved $199.000 != Σ reserved refills $200.000"}},
		{"credit taken from prepaid", `UPDATE account SET prepaid = prepaid + 1000, credit_used = credit_used + 1000 WHERE number = '12345678'`,
			[]string{"account 12345678", "credit used $1.000 != Σ credit drawn"}},
		{"the ledger changed by hand", `UPDATE account_ledger SET reserved = reserved + 1000 WHERE account_number = '12345678'`,
			[]string{"account 12345678", "the ledger (reserved $201.000", "does not match its rows ($200.000"}},
		{"a meter moved to another account under its refills", `UPDATE meter SET account_number = '87654321' WHERE serial = 'PM000001'`,
			[]string{"account 12345678", "is booked on it but its meter draws on account 87654321"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessOn(t, b)
			h.meter(m1).reserve(newID(t), 200*dollar).answer(t)
			h.checkInvariants()
			h.mustExec(t, tc.sql)
			err := h.store.CheckInvariants(h.ctx)
			require.ErrorIs(t, err, datacenter.ErrInvariant)
			for _, s := range tc.says {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

// TestRefillIsRefusedOnABrokenLedger: each transaction checks its account against the ledger the
// database keeps from the rows, so a broken one stops money moving on that account, and nothing changes.
func TestRefillIsRefusedOnABrokenLedger(t *testing.T) {
	forEachStore(t, testRefillIsRefusedOnABrokenLedger)
}

func testRefillIsRefusedOnABrokenLedger(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	h.meter(m1).reserve(newID(t), 200*dollar).answer(t)
	h.mustExec(t, `UPDATE account_ledger SET posted = posted + 1000 WHERE account_number = '12345678'`)
	before := h.figures(acctA)
	r := h.meter(m1).reserve(newID(t), 100*dollar)
	r.errorBody(t, http.StatusInternalServerError, funds.CodeInternal) // the cause is in the Data Center's log
	assert.Equal(t, before, h.figures(acctA), "the refused refill changed nothing")
}

// TestMigrationFromVersion1 opens a database of the first schema (HMAC secrets, no ledger) and checks
// that the ledger is filled from the rows, the secrets are gone (the meter must enroll: its HMAC-signed
// requests are refused), and a new enrollment token lets it in again.
func TestMigrationFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dc.db")
	ctx := context.Background()
	db, err := sql.Open("sqlite", datacenter.DSN(path))
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, datacenter.SchemaV1+`
		INSERT INTO account VALUES('12345678', 100000000, 99000000, 0, 0, 500000, 500000, 0, '2026-01-01T00:00:00Z');
		INSERT INTO deposit(account_number, amount, at) VALUES('12345678', 100000000, '2026-01-01T00:00:00Z');
		INSERT INTO meter(serial, account_number, secret, min_refill, max_refill, created)
			VALUES('PM000001', '12345678', randomblob(32), 10000, 5000000, '2026-01-01T00:00:00Z');
		INSERT INTO refill(id, meter_serial, account_number, amount, state, tombstone, from_prepaid, from_credit, created, resolved)
			VALUES('018f0000-0000-7000-8000-000000000001', 'PM000001', '12345678', 500000, 'posted', 0, 500000, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'),
			      ('018f0000-0000-7000-8000-000000000002', 'PM000001', '12345678', 500000, 'reserved', 0, 500000, 0, '2026-01-01T00:00:00Z', NULL);
		PRAGMA user_version = 1;`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	st, err := datacenter.OpenSQLite(ctx, path, datacenter.SQLiteOptions{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.CheckInvariants(ctx))
	a, err := st.Account(ctx, "12345678")
	require.NoError(t, err)
	assert.Equal(t, 500*funds.Dollar, a.Posted)
	assert.Equal(t, 500*funds.Dollar, a.Reserved)

	_, err = st.MeterKey(ctx, "PM000001")
	require.ErrorIs(t, err, datacenter.ErrNotEnrolled, "the HMAC secret is gone; the meter must enroll")
	raw, err := sql.Open("sqlite", datacenter.DSN(path))
	require.NoError(t, err)
	defer raw.Close()
	var cols int
	require.NoError(t, raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('meter') WHERE name = 'secret'`).Scan(&cols))
	assert.Zero(t, cols, "no secret column is left")

	token, err := st.IssueEnrollmentToken(ctx, "PM000001", time.Hour)
	require.NoError(t, err)
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.NoError(t, st.Enroll(ctx, "PM000001", token, pub))
	got, err := st.MeterKey(ctx, "PM000001")
	require.NoError(t, err)
	assert.Equal(t, pub, got)
}

// The schema itself refuses what would break the ledger, even for a writer that bypasses the code.
func TestSchemaRefusesBrokenLedger(t *testing.T) { forEachStore(t, testSchemaRefusesBrokenLedger) }

func testSchemaRefusesBrokenLedger(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	posted, reserved := newID(t), newID(t)
	h.meter(m1).reserve(posted, 100*dollar).answer(t)
	h.meter(m1).post(posted).answer(t)
	h.meter(m1).reserve(reserved, 50*dollar).answer(t)
	for name, stmt := range map[string]string{
		"invariant equation":         `UPDATE account SET prepaid = prepaid + 1 WHERE number = '12345678'`,
		"negative prepaid":           `UPDATE account SET prepaid = -1, deposits = deposits - prepaid - 1 WHERE number = '12345678'`,
		"credit over limit":          `UPDATE account SET credit_limit = 0, credit_used = 1, prepaid = prepaid + 1 WHERE number = '12345678'`,
		"money as a float":           `UPDATE account SET prepaid = 850000.5 WHERE number = '12345678'`,
		"bad account number":         `INSERT INTO account VALUES('1234567x', 0, 0, 0, 0, 0, 0, FALSE, ` + at + `)`,
		"posted refill changed":      `UPDATE refill SET state = 'voided', resolved = ` + at + ` WHERE id = '` + posted + `'`,
		"reserved back to declined":  `UPDATE refill SET state = 'declined', decline_code = 'x', resolved = ` + at + ` WHERE id = '` + reserved + `'`,
		"amount of a hold changed":   `UPDATE refill SET amount = 1, from_prepaid = 1 WHERE id = '` + reserved + `'`,
		"refill deleted":             `DELETE FROM refill WHERE id = '` + reserved + `'`,
		"zero amount, not tombstone": `INSERT INTO refill(id, meter_serial, account_number, amount, state, tombstone, from_prepaid, from_credit, created, resolved) VALUES('` + newID(t) + `', 'PM000001', '12345678', 0, 'voided', FALSE, 0, 0, ` + at + `, ` + at + `)`,
		"tombstone with an amount":   `INSERT INTO refill(id, meter_serial, account_number, amount, state, tombstone, from_prepaid, from_credit, created, resolved) VALUES('` + newID(t) + `', 'PM000001', '12345678', 5, 'voided', TRUE, 0, 0, ` + at + `, ` + at + `)`,
		"draw not equal to amount":   `INSERT INTO refill(id, meter_serial, account_number, amount, state, tombstone, from_prepaid, from_credit, created, resolved) VALUES('` + newID(t) + `', 'PM000001', '12345678', 5, 'posted', FALSE, 4, 0, ` + at + `, ` + at + `)`,
		"deposit deleted":            `DELETE FROM deposit`,
	} {
		assert.Error(t, h.exec(stmt), name)
	}
	h.checkInvariants()
	assert.Equal(t, figures{Deposits: 1000 * funds.Dollar, Prepaid: 850 * funds.Dollar, CreditLimit: 500 * funds.Dollar,
		Reserved: 50 * funds.Dollar, Posted: 100 * funds.Dollar, Refills: 2}, h.figures(acctA))
}

func TestReopenKeepsEverything(t *testing.T) { forEachStore(t, testReopenKeepsEverything) }

func testReopenKeepsEverything(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	id := newID(t)
	h.meter(m1).reserve(id, 100*dollar).answer(t)
	before := h.figures(acctA)
	h.srv.Close()
	require.NoError(t, h.store.Close())

	st, err := b.open(h.ctx, h.path, h.clock.Now, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	h.store = st
	h.srv = newServerFor(h)
	assert.Equal(t, before, h.figures(acctA))
	a := h.meter(m1).reserve(id, 100*dollar).answer(t)
	assert.Equal(t, funds.DCReserved, a.State, "the stored answer survives a restart")
	h.checkInvariants()
}

func TestAdminInputIsValidated(t *testing.T) { forEachStore(t, testAdminInputIsValidated) }

func testAdminInputIsValidated(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	ctx := h.ctx
	for name, err := range map[string]error{
		"short account number":  h.store.CreateAccount(ctx, "1234567", 0),
		"letters in number":     h.store.CreateAccount(ctx, "1234567a", 0),
		"negative credit limit": h.store.CreateAccount(ctx, "11112222", -1),
		"zero deposit":          h.store.Deposit(ctx, acctA, 0),
		"negative deposit":      h.store.Deposit(ctx, acctA, -funds.Dollar),
		"negative limit":        h.store.SetCreditLimit(ctx, acctA, -1),
		"serial with a space":   registerErr(h, "PM 1", acctA, funds.Dollar, 2*funds.Dollar),
		"empty serial":          registerErr(h, "", acctA, funds.Dollar, 2*funds.Dollar),
		"zero minimum":          registerErr(h, "PM7", acctA, 0, 2*funds.Dollar),
		"max below min":         registerErr(h, "PM7", acctA, 3*funds.Dollar, 2*funds.Dollar),
	} {
		assert.ErrorIs(t, err, datacenter.ErrInvalid, name)
	}
	assert.ErrorIs(t, h.store.CreateAccount(ctx, acctA, 0), datacenter.ErrExists)
	assert.ErrorIs(t, registerErr(h, m1, acctA, funds.Dollar, 2*funds.Dollar), datacenter.ErrExists)
	assert.ErrorIs(t, registerErr(h, "PM7", "11112222", funds.Dollar, 2*funds.Dollar), datacenter.ErrUnknownAccount)
	assert.ErrorIs(t, h.store.Deposit(ctx, "11112222", funds.Dollar), datacenter.ErrUnknownAccount)
	assert.ErrorIs(t, h.store.SetLocked(ctx, "11112222", true), datacenter.ErrUnknownAccount)
	_, err := h.store.Meter(ctx, "PM7")
	assert.ErrorIs(t, err, datacenter.ErrUnknownMeter)
	if b.name == sqliteBackend.name {
		_, err = datacenter.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db?mode=ro"), datacenter.SQLiteOptions{})
		assert.ErrorIs(t, err, datacenter.ErrInvalid)
	}
	assert.Equal(t, figures{Deposits: 1000 * funds.Dollar, Prepaid: 1000 * funds.Dollar, CreditLimit: 500 * funds.Dollar}, h.figures(acctA))
	h.checkInvariants()
}

func registerErr(h *harness, serial, account string, minRefill, maxRefill funds.Amount) error {
	_, err := h.store.RegisterMeter(h.ctx, serial, account, minRefill, maxRefill)
	return err
}
