package funds

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests play the attacker of DESIGN.md (Trust): someone with the vault file and sqlite3, who drops
// the triggers, edits rows and, where it helps, writes audit rows of their own. Every attack must make
// OpenVault refuse with the check that names what was found.

// scene is a genuine vault with some history, closed, and what the attacks need to know about it.
type scene struct {
	path       string
	refill     string // confirmed
	oldRefill  Refill // the same refill while it was applied
	closed     string // abandoned and closed
	usersOn    string // the users setting before the clerk was disabled
	usersOff   string // the users setting now
	keysDir    string
	grantOther SignedAnswer // the genuine grant of refill, to replay for another
}

func newScene(t *testing.T, then func(v *Vault)) scene {
	t.Helper()
	ctx := context.Background()
	v, path := openTestVault(t)
	s := scene{path: path, keysDir: filepath.Join(filepath.Dir(path), "keys")}
	s.refill = uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, s.refill, 100*Dollar, "sue"))
	s.grantOther = testGrant(s.refill, 100*Dollar)
	_, err := v.ApplyRefill(ctx, s.refill, s.grantOther)
	require.NoError(t, err)
	s.oldRefill, err = v.Refill(ctx, s.refill)
	require.NoError(t, err)
	require.NoError(t, v.ConfirmRefill(ctx, s.refill))
	s.closed = uuid.Must(uuid.NewV7()).String()
	require.NoError(t, v.CreateRefill(ctx, s.closed, 20*Dollar, "sue"))
	require.NoError(t, v.AbandonRefill(ctx, s.closed, "", "cancelled"))
	require.NoError(t, v.CloseRefill(ctx, s.closed))

	s.usersOn = `{"users":[{"name":"ann","enabled":true},{"name":"sue","enabled":true}]}`
	s.usersOff = `{"users":[{"name":"ann","enabled":false},{"name":"sue","enabled":true}]}`
	require.NoError(t, v.SetSetting(ctx, "users", s.usersOn, "sue"))
	require.NoError(t, v.SetSetting(ctx, "users", s.usersOff, "sue"))
	require.NoError(t, v.SetSetting(ctx, "last_contact", "2026-11-01T09:00:00Z", "system"))
	require.NoError(t, v.SetSetting(ctx, "low_funds_warning", "50000", "sue"))
	_, err = v.RecordContact(ctx, testReceipt(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)), "system")
	require.NoError(t, err)

	p1, err := v.Debit(ctx, 730, PieceInfo{MailClass: "First-Class letter", AccountCode: "SALES", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.MarkPrinted(ctx, p1.Seq))
	p2, err := v.Debit(ctx, 500, PieceInfo{MailClass: "First-Class letter", AccountCode: "LEGAL", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)
	require.NoError(t, v.MarkPrinted(ctx, p2.Seq))
	_, err = v.Debit(ctx, 1200, PieceInfo{MailClass: "Priority", MailingDate: "2026-11-25", Actor: "ann"})
	require.NoError(t, err)
	if then != nil {
		then(v)
	}
	require.NoError(t, v.Verify(ctx))
	require.NoError(t, v.Close())
	return s
}

var vaultTriggers = []string{"registers_ascend", "registers_keep", "pieces_keep", "refills_keep",
	"refills_transitions", "audit_no_update", "audit_no_delete"}

// attack opens the file as sqlite3 would, drops the guards and runs fn.
func attack(t *testing.T, path string, fn func(db *sql.DB)) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	for _, trig := range vaultTriggers {
		_, err := db.Exec("DROP TRIGGER IF EXISTS " + trig)
		require.NoError(t, err)
	}
	fn(db)
	require.NoError(t, db.Close())
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	res, err := db.Exec(query, args...)
	require.NoError(t, err, query)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.NotZero(t, n, "the attack changed nothing: %s", query)
}

// macKeys stands in for the device key the attacker has, or guesses.
type macKeys struct {
	Keys
	mac func(purpose string, msg []byte) []byte
}

func (k macKeys) MAC(purpose string, msg []byte) []byte { return k.mac(purpose, msg) }

// unkeyed is the old chain: plain SHA-256, which anyone can recompute.
var unkeyed = macKeys{mac: func(_ string, msg []byte) []byte { s := sha256.Sum256(msg); return s[:] }}

// stolenKey is the real device key, as a thief of the key file would use it.
func stolenKey(t *testing.T, s scene) macKeys {
	device, err := os.ReadFile(filepath.Join(s.keysDir, deviceKeyFile))
	require.NoError(t, err)
	return macKeys{mac: func(purpose string, msg []byte) []byte { return MACWith(DeriveKey(device, purpose), msg) }}
}

// forgeAudit appends an entry after the newest one that records the registers and the touched rows
// exactly as the vault would, hashed with keys.
func forgeAudit(t *testing.T, db *sql.DB, keys Keys, kind, body string, touched touchList) {
	t.Helper()
	ctx := context.Background()
	var seq int64
	var prev []byte
	require.NoError(t, db.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev))
	regs, err := readRegisters(ctx, db)
	require.NoError(t, err)
	e := AuditEntry{Seq: seq + 1, At: time.Now().UTC().Format(time.RFC3339Nano), Actor: "mallory", Kind: kind,
		Body: body, Registers: regs, Touched: touched.String()}
	hash := auditHash(keys, prev, &e)
	_, err = db.Exec(insertAuditSQL, e.Seq, e.At, e.Actor, e.Kind, e.Body, regs.Available, regs.Used, regs.Control,
		regs.Pieces, e.Touched, prev, hash)
	require.NoError(t, err)
}

// forgeRefill adds a confirmed refill of amount with grant, raises the registers to match and audits it
// with keys: attack (a) of the brief, done as well as the attacker can.
func forgeRefill(t *testing.T, db *sql.DB, keys Keys, amount Amount, grant string) {
	t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7()).String()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	mustExec(t, db, `INSERT INTO refills(id, amount, state, actor, created, updated, grant)
		VALUES(?, ?, 'confirmed', 'mallory', ?, ?, ?)`, id, amount, now, now, grant)
	mustExec(t, db, `UPDATE registers SET available = available + ?, control = control + ?`, amount, amount)
	r, err := readRefill(ctx, db, id)
	require.NoError(t, err)
	regs, err := readRegisters(ctx, db)
	require.NoError(t, err)
	var touched touchList
	touched.refill(r)
	touched.registers(regs)
	forgeAudit(t, db, keys, "refill-applied", id+" "+amount.MillsString(), touched)
}

// refused opens the tampered vault and returns the check it failed.
func refused(t *testing.T, path string) *VerifyError {
	t.Helper()
	v, err := OpenVault(context.Background(), path, testVaultOptions(t, path))
	if err == nil {
		v.Close()
	}
	var ve *VerifyError
	require.True(t, errors.As(err, &ve), "open must refuse a tampered vault, got %v", err)
	t.Log(ve.Error())
	return ve
}

func TestTamperForgedRefillWithUnkeyedHash(t *testing.T) {
	s := newScene(t, nil)
	attack(t, s.path, func(db *sql.DB) { forgeRefill(t, db, unkeyed, 1000*Dollar, "") })
	ve := refused(t, s.path)
	assert.Equal(t, "audit chain", ve.Check, ve.Error())
}

func TestTamperRegistersRaisedWithUnkeyedAudit(t *testing.T) {
	s := newScene(t, nil)
	attack(t, s.path, func(db *sql.DB) {
		// Every sum still adds up: the genuine refill grows with the registers.
		mustExec(t, db, `UPDATE registers SET available = available + 1000000, control = control + 1000000`)
		mustExec(t, db, `UPDATE refills SET amount = amount + 1000000 WHERE id = ?`, s.refill)
		r, err := readRefill(context.Background(), db, s.refill)
		require.NoError(t, err)
		regs, err := readRegisters(context.Background(), db)
		require.NoError(t, err)
		var touched touchList
		touched.refill(r)
		touched.registers(regs)
		forgeAudit(t, db, unkeyed, "refill-applied", s.refill, touched)
	})
	ve := refused(t, s.path)
	assert.Equal(t, "audit chain", ve.Check, ve.Error())
}

// With the device key stolen the chain and the row digests can be made to agree; the grant cannot.
func TestTamperForgedRefillWithDeviceKeyButNoGrant(t *testing.T) {
	mallory := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	encode := func(a SignedAnswer) string { b, _ := json.Marshal(a); return string(b) }
	tests := []struct {
		name  string
		grant func(s scene, id string) string
	}{
		{"no grant", func(scene, string) string { return "" }},
		{"grant signed by another key", func(scene, string) string {
			return encode(signAnswer(mallory, testSerial, 200, RefillAnswer{Serial: testSerial, ID: "any", State: DCReserved, AmountMills: (1000 * Dollar).Mills()}))
		}},
		{"genuine grant of another refill", func(s scene, _ string) string { return encode(s.grantOther) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, nil)
			attack(t, s.path, func(db *sql.DB) { forgeRefill(t, db, stolenKey(t, s), 1000*Dollar, tt.grant(s, "")) })
			ve := refused(t, s.path)
			assert.Equal(t, "refill grant", ve.Check, ve.Error())
		})
		t.Run("after a checkpoint/"+tt.name, func(t *testing.T) {
			s := newScene(t, func(v *Vault) { require.NoError(t, v.Checkpoint(context.Background(), "system")) })
			attack(t, s.path, func(db *sql.DB) { forgeRefill(t, db, stolenKey(t, s), 1000*Dollar, tt.grant(s, "")) })
			ve, atOpen := refusedSealed(t, s.path)
			assert.Equal(t, "refill grant", ve.Check, ve.Error())
			assert.True(t, atOpen, "a credit written after the checkpoint has its grant checked at open")
		})
	}
}

func TestTamperContactReceiptWithDeviceKey(t *testing.T) {
	s := newScene(t, nil)
	mallory := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	late := signAnswer(mallory, testSerial, 200, AccountBalance{Serial: testSerial, Time: time.Now().Add(24 * time.Hour)})
	b, err := json.Marshal(late)
	require.NoError(t, err)
	attack(t, s.path, func(db *sql.DB) {
		mustExec(t, db, `UPDATE settings SET value = ? WHERE key = ?`, string(b), contactReceiptKey)
		var touched touchList
		touched.setting(contactReceiptKey, string(b))
		forgeAudit(t, db, stolenKey(t, s), "setting", contactReceiptKey, touched)
	})
	ve := refused(t, s.path)
	assert.Equal(t, "contact receipt", ve.Check, ve.Error())
}

// Edits with sqlite3 alone, no audit row: each row must match the last entry that wrote it.
func TestTamperRowEdits(t *testing.T) {
	later, err := json.Marshal(testReceipt(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.NoError(t, err)
	tests := []struct {
		name  string
		edit  func(t *testing.T, s scene, db *sql.DB)
		check string
	}{
		{"last_contact edited", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE settings SET value = '2027-01-01T00:00:00Z' WHERE key = 'last_contact'`)
		}, "row history"},
		{"contact receipt replaced by a later genuine one", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE settings SET value = ? WHERE key = ?`, string(later), contactReceiptKey)
		}, "row history"},
		{"user disabled", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE settings SET value = ? WHERE key = 'users'`, `{"users":[]}`)
		}, "row history"},
		{"old version of the users put back", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE settings SET value = ? WHERE key = 'users'`, s.usersOn)
		}, "row history"},
		{"old version of a refill put back", func(t *testing.T, s scene, db *sql.DB) {
			r := s.oldRefill
			mustExec(t, db, `UPDATE refills SET state = ?, updated = ? WHERE id = ?`, r.State, r.Updated, r.ID)
		}, "row history"},
		{"piece printed to spoiled", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE pieces SET state = 'spoiled', note = 'jam' WHERE seq = 1`)
		}, "row history"},
		{"piece account code changed", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE pieces SET account_code = 'SALES' WHERE seq = 2`)
		}, "row history"},
		{"batch counter edited", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `UPDATE registers SET batch_count = 0, batch_value = 0`)
		}, "row history"},
		{"setting inserted", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `INSERT INTO settings(key, value) VALUES('inspection_days', '3650')`)
		}, "row unaudited"},
		{"refill inserted", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `INSERT INTO refills(id, amount, state, actor, created, updated) VALUES('x', 1000, 'closed', 'm', '', '')`)
		}, "row unaudited"},
		{"setting deleted", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `DELETE FROM settings WHERE key = 'low_funds_warning'`)
		}, "row missing"},
		{"refill deleted", func(t *testing.T, s scene, db *sql.DB) {
			mustExec(t, db, `DELETE FROM refills WHERE id = ?`, s.closed)
		}, "row missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, nil)
			attack(t, s.path, func(db *sql.DB) { tt.edit(t, s, db) })
			ve := refused(t, s.path)
			assert.Equal(t, tt.check, ve.Check, ve.Error())
		})
		// The same edit after a checkpoint sealed the whole scene: the open verifies only what came after
		// it, so an edited piece (the only rows not checked again at every open) is found by the full
		// verification in the background instead, which then stops every write.
		t.Run("after a checkpoint/"+tt.name, func(t *testing.T) {
			s := newScene(t, func(v *Vault) { require.NoError(t, v.Checkpoint(context.Background(), "system")) })
			attack(t, s.path, func(db *sql.DB) { tt.edit(t, s, db) })
			ve, atOpen := refusedSealed(t, s.path)
			assert.Equal(t, tt.check, ve.Check, ve.Error())
			assert.Equal(t, !strings.HasPrefix(tt.name, "piece "), atOpen, "found at open: %v", atOpen)
		})
	}
}

// refusedSealed opens a tampered vault whose history a checkpoint sealed. Either the open refuses it
// (atOpen), or the open succeeds and the full verification in the background finds the edit, after
// which the vault refuses to debit.
func refusedSealed(t *testing.T, path string) (ve *VerifyError, atOpen bool) {
	t.Helper()
	ctx := context.Background()
	v, err := OpenVault(ctx, path, testVaultOptions(t, path))
	if err != nil {
		require.True(t, errors.As(err, &ve), "open must refuse a tampered vault or open it, got %v", err)
		return ve, true
	}
	defer v.Close()
	err = v.BackgroundCheck().Wait(ctx)
	require.True(t, errors.As(err, &ve), "the background verification must find what the open did not, got %v", err)
	_, err = v.Debit(ctx, 100, PieceInfo{MailClass: "letter", MailingDate: "2026-11-25", Actor: "ann"})
	var refusedDebit *VerifyError
	require.True(t, errors.As(err, &refusedDebit), "no debit after the background verification failed: %v", err)
	assert.Equal(t, ve, refusedDebit)
	return ve, false
}

// Cutting off the newest entry leaves rows that match no entry: the one before recorded them older.
func TestTamperNewestAuditEntryDeleted(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		last func(t *testing.T, v *Vault)
	}{
		{"debit", func(t *testing.T, v *Vault) {
			_, err := v.Debit(ctx, 400, PieceInfo{Actor: "ann"})
			require.NoError(t, err)
		}},
		{"setting change", func(t *testing.T, v *Vault) {
			require.NoError(t, v.SetSetting(ctx, "low_funds_warning", "10000", "sue"))
		}},
		{"piece spoiled", func(t *testing.T, v *Vault) { require.NoError(t, v.MarkSpoiled(ctx, 3, "jam", "ann")) }},
		{"piece printed", func(t *testing.T, v *Vault) { require.NoError(t, v.MarkPrinted(ctx, 3)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, func(v *Vault) { tt.last(t, v) })
			attack(t, s.path, func(db *sql.DB) {
				mustExec(t, db, `DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)`)
			})
			ve := refused(t, s.path)
			assert.Equal(t, "row history", ve.Check, ve.Error())
		})
	}
}
