package datacenter_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
	pm "postmeter/meter"
)

// attacks lists every advAttack the harness plays, by the attacker's means: a fake or interposed Data
// Center on the network; write access to the meter's files; a compromised meter signing what it likes;
// a network attacker or a copy of the Data Center's database; someone at the touchscreen.
func attacks() []advAttack {
	return []advAttack{
		// A fake Data Center, or one in the middle.
		{"fake_data_center_grants_postage", func(w *world) (bool, string) {
			w.retarget(fakeDC(w, true))
			return refillRefused(w, 500*funds.Dollar)
		}},
		{"unsigned_answers", func(w *world) (bool, string) {
			w.retarget(fakeDC(w, false))
			return refillRefused(w, 500*funds.Dollar)
		}},
		{"answer_amount_rewritten", func(w *world) (bool, string) {
			w.retarget(proxy(w, func(req *http.Request, res *http.Response, body []byte) []byte {
				return bytes.Replace(body, []byte(`"amount_mills":50000`), []byte(`"amount_mills":500000`), 1)
			}))
			return refillRefused(w, 50*funds.Dollar)
		}},
		{"earlier_grant_replayed_to_the_meter", func(w *world) (bool, string) {
			var mu sync.Mutex
			var kept []byte
			var keptSig string
			w.retarget(proxy(w, func(req *http.Request, res *http.Response, body []byte) []byte {
				mu.Lock()
				defer mu.Unlock()
				if req.Method != http.MethodPut {
					return body
				}
				if kept == nil {
					kept, keptSig = body, res.Header.Get(funds.HeaderAnswerSig)
					return body
				}
				res.Header.Set(funds.HeaderAnswerSig, keptSig)
				return kept // the genuine grant of the first refill, for the second
			}))
			if _, err := w.m.Refill(w.ctx, w.sup, 20*funds.Dollar, nil); err != nil {
				w.t.Fatalf("the first refill through the recording proxy: %v", err)
			}
			return refillRefused(w, 20*funds.Dollar)
		}},
		{"fake_balance_answer_moves_the_inspection_clock", func(w *world) (bool, string) {
			before, _, err := w.vault.LastContact(w.ctx)
			require.NoError(w.t, err)
			w.retarget(fakeDC(w, true))
			_, err = w.m.GetBalance(w.ctx, w.sup)
			after, _, lerr := w.vault.LastContact(w.ctx)
			require.NoError(w.t, lerr)
			return err != nil && after.Equal(before), fmt.Sprintf("balance inquiry: %v; last contact unchanged", err)
		}},
		{"fake_data_center_at_enrollment", func(w *world) (bool, string) {
			keys, err := funds.OpenFileKeys(filepath.Join(w.t.TempDir(), "keys"))
			require.NoError(w.t, err)
			token, err := w.store.IssueEnrollmentToken(w.ctx, advOther, time.Hour)
			require.NoError(w.t, err)
			err = funds.Enroll(w.ctx, http.DefaultClient, fakeDC(w, true), advOther, token, keys, w.dcKey.Public().(ed25519.PublicKey))
			return errors.Is(err, funds.ErrBadAnswer) && keys.DataCenterKey() == nil, fmt.Sprint(err)
		}},

		// Write access to the meter's files, without its keys.
		{"forged_refill_with_unkeyed_audit", func(w *world) (bool, string) {
			w.raw(`INSERT INTO refills(id, amount, state, actor, created, updated, grant) VALUES
				('01900000-0000-7000-8000-00000000f00d', 1000000, 'confirmed', 'Sue', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', '')`,
				`UPDATE registers SET available = available + 1000000, control = control + 1000000`,
				`INSERT INTO audit SELECT seq + 1, at, actor, 'refill-applied', '01900000-0000-7000-8000-00000000f00d',
					available + 1000000, used, control + 1000000, pieces, touched, hash, randomblob(32)
					FROM audit ORDER BY seq DESC LIMIT 1`)
			return false, ""
		}},
		{"registers_raised", func(w *world) (bool, string) {
			w.raw(`UPDATE registers SET available = available + 1000000, control = control + 1000000`)
			return false, ""
		}},
		{"used_register_lowered", func(w *world) (bool, string) {
			w.raw(`UPDATE registers SET used = used - 1000, available = available + 1000`)
			return false, ""
		}},
		{"contact_receipt_edited", func(w *world) (bool, string) {
			w.raw(`UPDATE settings SET value = replace(value, '"status":200', '"status":201') WHERE key = 'contact_receipt'`)
			return false, ""
		}},
		{"inspection_clock_restarted", func(w *world) (bool, string) {
			w.raw(`UPDATE settings SET value = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+40 days') WHERE key = 'installed_at'`)
			return false, ""
		}},
		{"users_edited", func(w *world) (bool, string) {
			w.raw(`UPDATE settings SET value = replace(value, '"name":"Sue"', '"name":"Eve"') WHERE key = 'users'`)
			return false, ""
		}},
		{"piece_printed_made_spoiled", func(w *world) (bool, string) {
			w.raw(`UPDATE pieces SET state = 'spoiled' WHERE seq = 1`)
			return false, ""
		}},
		{"piece_account_code_changed", func(w *world) (bool, string) {
			w.raw(`UPDATE pieces SET account_code = 'Legal' WHERE seq = 1`)
			return false, ""
		}},
		{"newest_audit_entry_deleted", func(w *world) (bool, string) {
			w.raw(`DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)`)
			return false, ""
		}},
		{"suspect_mark_removed", func(w *world) (bool, string) {
			require.NoError(w.t, w.vault.SetSetting(w.ctx, "suspect", "2026-12-01T00:00:00Z", "system"))
			w.raw(`DELETE FROM settings WHERE key = 'suspect'`)
			return false, ""
		}},
		{"vault_of_another_meter", func(w *world) (bool, string) {
			dir := w.t.TempDir()
			keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
			require.NoError(w.t, err)
			require.NoError(w.t, keys.PinDataCenter(w.dcKey.Public().(ed25519.PublicKey)))
			v, err := funds.OpenVault(w.ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: advSerial})
			require.NoError(w.t, err)
			require.NoError(w.t, v.Close())
			w.closeMeter()
			copyFile(w.t, filepath.Join(dir, "meter.db"), w.vaultPath())
			return false, ""
		}},
		{"rolled_back_vault_file", func(w *world) (bool, string) {
			w.closeMeter()
			old := filepath.Join(w.t.TempDir(), "old.db")
			copyFile(w.t, w.vaultPath(), old)
			w.openMeter(w.srv.URL)
			for range 2 {
				_, err := w.m.PrintPiece(w.ctx, w.sup, pm.Job{Class: pm.ClassLetter, Weight: 10}, pm.MediumEnvelope)
				require.NoError(w.t, err)
			}
			_, err := w.m.GetBalance(w.ctx, w.sup) // the Data Center sees the newer registers
			require.NoError(w.t, err)
			w.closeMeter()
			copyFile(w.t, old, w.vaultPath()) // the postage of the two pieces is back
			return false, ""
		}},

		// Someone holding the device key (a copy of device.key), but not the Data Center's.
		{"forged_grant_with_the_device_key", func(w *world) (bool, string) {
			w.closeMeter()
			v, err := funds.OpenVault(w.ctx, w.vaultPath(), funds.VaultOptions{Keys: trustingKeys{w.keys}, Serial: advSerial})
			require.NoError(w.t, err)
			id := uuid.Must(uuid.NewV7()).String()
			require.NoError(w.t, v.CreateRefill(w.ctx, id, 1000*funds.Dollar, "Sue"))
			forged := selfSignedGrant(id, 1000*funds.Dollar)
			_, err = v.ApplyRefill(w.ctx, id, forged)
			require.NoError(w.t, err)
			require.NoError(w.t, v.ConfirmRefill(w.ctx, id))
			require.NoError(w.t, v.Close())
			return false, ""
		}},

		// A compromised meter signing what it likes with its own key.
		{"report_claims_ungranted_postage", func(w *world) (bool, string) {
			rep := w.report()
			rep.Registers.AvailableMills += 1_000_000
			rep.Registers.ControlMills += 1_000_000
			rep.AuditSeq++
			rep.AuditHead = strings.Repeat("ab", 32)
			status, body := w.send(http.MethodPut, "/v1/meters/"+advSerial+"/refills/"+uuid.Must(uuid.NewV7()).String(),
				funds.ReserveRequest{AmountMills: 10_000, Report: rep}, "", time.Time{})
			return false, fmt.Sprintf("%d %s", status, body)
		}},
		{"postal_info_sequence_down", func(w *world) (bool, string) {
			rep := w.report()
			rep.AuditSeq = 1
			status, body := w.send(http.MethodPost, "/v1/meters/"+advSerial+"/postal-info", rep, "", time.Time{})
			return false, fmt.Sprintf("%d %s", status, body)
		}},
		{"absurd_registers", func(w *world) (bool, string) {
			rep := w.report()
			rep.Registers = funds.RegisterReadings{AvailableMills: math.MaxInt64, ControlMills: 1}
			status, body := w.send(http.MethodPost, "/v1/meters/"+advSerial+"/postal-info", rep, "", time.Time{})
			return status == http.StatusBadRequest, fmt.Sprintf("%d %s", status, body)
		}},
		{"empty_postal_info", func(w *world) (bool, string) {
			status, body := w.send(http.MethodPost, "/v1/meters/"+advSerial+"/postal-info", json.RawMessage(`{}`), "", time.Time{})
			return status == http.StatusBadRequest, fmt.Sprintf("%d %s", status, body)
		}},
		{"acting_for_another_meter", func(w *world) (bool, string) {
			status, body := w.send(http.MethodPost, "/v1/meters/"+advOther+"/account", w.report(), "", time.Time{})
			return status == http.StatusForbidden, fmt.Sprintf("%d %s", status, body)
		}},
		{"tombstone_flood", func(w *world) (bool, string) {
			var last int
			for range datacenter.MaxTombstonesPerWindow + 20 {
				last, _ = w.send(http.MethodPost, "/v1/meters/"+advSerial+"/refills/"+uuid.Must(uuid.NewV7()).String()+"/void", nil, "", time.Time{})
			}
			return last == http.StatusTooManyRequests, fmt.Sprintf("void %d answered %d", datacenter.MaxTombstonesPerWindow+20, last)
		}},

		// A network attacker with captured traffic, or a copy of the Data Center's database.
		{"replayed_reserve", func(w *world) (bool, string) {
			nonce, at := funds.NewNonce(), time.Now()
			path := "/v1/meters/" + advSerial + "/refills/" + uuid.Must(uuid.NewV7()).String()
			req := funds.ReserveRequest{AmountMills: 10_000, Report: w.report()}
			first, _ := w.send(http.MethodPut, path, req, nonce, at)
			require.Equal(w.t, http.StatusOK, first)
			again, body := w.send(http.MethodPut, path, req, nonce, at)
			return again == http.StatusUnauthorized, fmt.Sprintf("the replay got %d %s", again, body)
		}},
		{"replayed_postal_info", func(w *world) (bool, string) {
			require.NoError(w.t, w.vault.SetSetting(w.ctx, "postal_info_sent", "now", "system"))
			nonce, at, rep := funds.NewNonce(), time.Now(), w.report()
			first, _ := w.send(http.MethodPost, "/v1/meters/"+advSerial+"/postal-info", rep, nonce, at)
			require.Equal(w.t, http.StatusOK, first)
			again, body := w.send(http.MethodPost, "/v1/meters/"+advSerial+"/postal-info", rep, nonce, at)
			return again >= 400, fmt.Sprintf("the replay got %d %s", again, body)
		}},
		{"request_replayed_after_the_window", func(w *world) (bool, string) {
			status, body := w.send(http.MethodPost, "/v1/meters/"+advSerial+"/account", w.report(), "", time.Now().Add(-6*time.Minute))
			return status == http.StatusUnauthorized, fmt.Sprintf("%d %s", status, body)
		}},
		{"stolen_data_center_database_signs_nothing", func(w *world) (bool, string) {
			m, err := w.store.Meter(w.ctx, advSerial)
			require.NoError(w.t, err)
			// All the database holds is the public key; the best an attacker can do is guess from it.
			guess := ed25519.NewKeyFromSeed(m.PublicKey)
			status, body := w.sendAs(guess, http.MethodPost, "/v1/meters/"+advSerial+"/account", w.report())
			return status == http.StatusUnauthorized, fmt.Sprintf("%d %s", status, body)
		}},
		{"serials_enumerated", func(w *world) (bool, string) {
			_, key, _ := ed25519.GenerateKey(nil)
			_, known := w.sendSerial(key, advSerial)
			_, unknown := w.sendSerial(key, "PM999999")
			return string(known) == string(unknown), "an unknown meter and a bad signature get the same answer: " + string(known)
		}},
		{"enrollment_token_reused", func(w *world) (bool, string) {
			token, err := w.store.IssueEnrollmentToken(w.ctx, advOther, time.Hour)
			require.NoError(w.t, err)
			first := enroll(w, advOther, token)
			again := enroll(w, advOther, token)
			return first == http.StatusOK && again == http.StatusForbidden, fmt.Sprintf("first %d, again %d", first, again)
		}},
		{"enrollment_token_guessed", func(w *world) (bool, string) {
			status := enroll(w, advSerial, strings.Repeat("0", 32))
			return status == http.StatusForbidden, strconv.Itoa(status)
		}},
		{"keys_in_other_case", func(w *world) (bool, string) {
			status, body := w.send(http.MethodPut, "/v1/meters/"+advSerial+"/refills/"+uuid.Must(uuid.NewV7()).String(),
				json.RawMessage(`{"AMOUNT_MILLS":100000,"report":`+mustJSON(w.report())+`}`), "", time.Time{})
			return status == http.StatusBadRequest, fmt.Sprintf("%d %s", status, body)
		}},
		{"duplicate_keys", func(w *world) (bool, string) {
			status, body := w.send(http.MethodPut, "/v1/meters/"+advSerial+"/refills/"+uuid.Must(uuid.NewV7()).String(),
				json.RawMessage(`{"amount_mills":1000,"amount_mills":100000,"report":`+mustJSON(w.report())+`}`), "", time.Time{})
			return status == http.StatusBadRequest, fmt.Sprintf("%d %s", status, body)
		}},

		// Someone at the touchscreen, or with a copy of meter.db.
		{"pin_hash_without_the_device_key", func(w *world) (bool, string) {
			users, err := pm.OpenUsers(w.ctx, w.vault, pm.UsersOptions{}) // no pepper: what a copy of meter.db gives
			require.NoError(w.t, err)
			_, err = users.SignIn(w.ctx, "Sue", advPIN)
			return err != nil, fmt.Sprintf("the right PIN without the pepper: %v", err)
		}},
		{"pin_guessed_at_the_screen", func(w *world) (bool, string) {
			users := w.m.Users()
			for i := range 5 {
				_, _ = users.SignIn(w.ctx, "Sue", fmt.Sprintf("%06d", i))
			}
			_, err := users.SignIn(w.ctx, "Sue", advPIN) // the sixth guess is right, but the lock holds
			return errors.Is(err, pm.ErrLockedOut), fmt.Sprintf("the right PIN after five wrong ones: %v", err)
		}},
	}
}

// retarget switches the meter to another Data Center address (a fake, or a proxy in the middle).
func (w *world) retarget(url string) {
	w.closeMeter()
	w.openMeter(url)
}

// refillRefused refills and reports whether it failed without adding anything.
func refillRefused(w *world, amount funds.Amount) (bool, string) {
	before, err := w.m.Registers(w.ctx)
	require.NoError(w.t, err)
	_, err = w.m.Refill(w.ctx, w.sup, amount, nil)
	after, rerr := w.m.Registers(w.ctx)
	require.NoError(w.t, rerr)
	return err != nil && after.Control == before.Control, fmt.Sprintf("refill: %v", err)
}

// fakeDC is a server that answers every meter request with success, signed by a key of its own if sign.
func fakeDC(w *world, sign bool) string {
	_, key, _ := ed25519.GenerateKey(nil)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req funds.ReserveRequest
		_ = json.Unmarshal(body, &req)
		parts := strings.Split(r.URL.Path, "/")
		id := ""
		if len(parts) > 5 {
			id = parts[5]
		}
		state := funds.DCReserved
		if strings.HasSuffix(r.URL.Path, "/post") {
			state = funds.DCPosted
		}
		out, _ := json.Marshal(map[string]any{"serial": advSerial, "time": time.Now().UTC(), "id": id, "state": state,
			"amount_mills": req.AmountMills, "account_number": advAccount, "prepaid_mills": 1_000_000_000})
		if sign {
			msg := funds.AnswerMessage(r.Header.Get(funds.HeaderSerial), r.Header.Get(funds.HeaderNonce), http.StatusOK, out)
			rw.Header().Set(funds.HeaderAnswerSig, hex.EncodeToString(ed25519.Sign(key, msg)))
		}
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write(out)
	}))
	w.t.Cleanup(srv.Close)
	return srv.URL
}

// proxy passes requests to the real Data Center and lets edit change each answer's body (and headers).
func proxy(w *world, edit func(req *http.Request, res *http.Response, body []byte) []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, err := http.NewRequest(r.Method, w.srv.URL+r.URL.Path, bytes.NewReader(body))
		require.NoError(w.t, err)
		out.Header = r.Header.Clone()
		res, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		answer, _ := io.ReadAll(res.Body)
		answer = edit(r, res, answer)
		for k, v := range res.Header {
			rw.Header()[k] = v
		}
		rw.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		rw.WriteHeader(res.StatusCode)
		_, _ = rw.Write(answer)
	}))
	w.t.Cleanup(srv.Close)
	return srv.URL
}

// report is the meter's honest report now.
func (w *world) report() funds.Report {
	rep, err := w.vault.Report(w.ctx)
	require.NoError(w.t, err)
	return rep
}

// send signs a request with the meter's own key (a compromised meter can sign anything). A zero at
// means now; an empty nonce a fresh one.
func (w *world) send(method, path string, body any, nonce string, at time.Time) (int, []byte) {
	w.t.Helper()
	var data []byte
	if body != nil {
		data = []byte(mustJSON(body))
	}
	if nonce == "" {
		nonce = funds.NewNonce()
	}
	if at.IsZero() {
		at = time.Now()
	}
	req, err := http.NewRequest(method, w.srv.URL+path, bytes.NewReader(data))
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(funds.HeaderSerial, advSerial)
	req.Header.Set(funds.HeaderTimestamp, strconv.FormatInt(at.UnixMilli(), 10))
	req.Header.Set(funds.HeaderNonce, nonce)
	req.Header.Set(funds.HeaderSignature, hex.EncodeToString(w.keys.Sign(funds.RequestMessage(method, req.URL.EscapedPath(), at.UnixMilli(), nonce, data))))
	return doRaw(w, req)
}

// sendAs signs a request as meter advSerial with another private key.
func (w *world) sendAs(key ed25519.PrivateKey, method, path string, body any) (int, []byte) {
	data := []byte(mustJSON(body))
	req, err := http.NewRequest(method, w.srv.URL+path, bytes.NewReader(data))
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", "application/json")
	signRequest(req, advSerial, key, time.Now(), funds.NewNonce(), data)
	return doRaw(w, req)
}

// sendSerial is a balance inquiry of serial signed with key.
func (w *world) sendSerial(key ed25519.PrivateKey, serial string) (int, []byte) {
	data := []byte(mustJSON(w.report()))
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/v1/meters/"+serial+"/account", bytes.NewReader(data))
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", "application/json")
	signRequest(req, serial, key, time.Now(), funds.NewNonce(), data)
	return doRaw(w, req)
}

func doRaw(w *world, req *http.Request) (int, []byte) {
	res, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(w.t, err)
	return res.StatusCode, body
}

// enroll posts an enrollment with a new key and returns the status.
func enroll(w *world, serial, token string) int {
	pub, _, _ := ed25519.GenerateKey(nil)
	data := mustJSON(funds.EnrollRequest{Token: token, PublicKey: hex.EncodeToString(pub)})
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/v1/meters/"+serial+"/enroll", strings.NewReader(data))
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", "application/json")
	status, _ := doRaw(w, req)
	return status
}

// selfSignedGrant is a grant for refill id signed by the attacker's own key.
func selfSignedGrant(id string, amount funds.Amount) funds.SignedAnswer {
	_, key, _ := ed25519.GenerateKey(nil)
	body := []byte(mustJSON(funds.RefillAnswer{Serial: advSerial, Time: time.Now().UTC(), ID: id, State: funds.DCReserved,
		AmountMills: amount.Mills()}))
	a := funds.SignedAnswer{Serial: advSerial, Nonce: funds.NewNonce(), Status: http.StatusOK, Body: body}
	a.Signature = ed25519.Sign(key, a.Message())
	return a
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
