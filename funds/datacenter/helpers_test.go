package datacenter_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// tb is what both *testing.T and *rapid.T offer.
type tb interface {
	require.TestingT
	Helper()
}

// clock is the server's injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Standard fixture: account A (prepaid $1,000.00, credit line $500.00) with meters M1 ($10–$5,000) and
// M2 ($1–$200); account B (prepaid $100.00, no credit) with meter M3 ($10–$1,000).
const (
	acctA = "12345678"
	acctB = "87654321"
	m1    = "PM000001"
	m2    = "PM000002"
	m3    = "PM000003"
)

type harness struct {
	t       tb
	dcKey   ed25519.PrivateKey
	ctx     context.Context
	store   datacenter.Store
	backend backend
	srv     *httptest.Server
	clock   *clock
	path    string // where the database is: a file (SQLite) or a URL (PostgreSQL)
	meters  map[string]*meter
}

// meter signs requests the way a meter does (a tiny stand-in for the real refill client in funds). Its
// reports are always consistent: control is what the Data Center posted to it, and each report has the
// next audit seq.
type meter struct {
	h      *harness
	serial string
	key    ed25519.PrivateKey
	seq    int64
}

// newHarness is the fixture on a SQLite store, for tests of the HTTP layer; store tests use
// forEachStore and newHarnessOn.
func newHarness(t *testing.T) *harness {
	return newHarnessOn(t, sqliteBackend)
}

// openHarnessOn opens the fixture on the empty database at path of backend b.
func openHarnessOn(t tb, b backend, path string) *harness {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	st, err := b.open(ctx, path, clk.Now, log)
	require.NoError(t, err)
	_, dcKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	h := &harness{t: t, dcKey: dcKey, ctx: ctx, store: st, backend: b, clock: clk, path: path, meters: map[string]*meter{}}
	h.srv = httptest.NewServer(datacenter.NewServer(st, datacenter.Options{Now: clk.Now, Logger: log, Key: dcKey}))
	require.NoError(t, st.CreateAccount(ctx, acctA, 500*funds.Dollar))
	require.NoError(t, st.Deposit(ctx, acctA, 1000*funds.Dollar))
	require.NoError(t, st.CreateAccount(ctx, acctB, 0))
	require.NoError(t, st.Deposit(ctx, acctB, 100*funds.Dollar))
	h.register(m1, acctA, 10*funds.Dollar, 5000*funds.Dollar)
	h.register(m2, acctA, 1*funds.Dollar, 200*funds.Dollar)
	h.register(m3, acctB, 10*funds.Dollar, 1000*funds.Dollar)
	return h
}

func (h *harness) Close() {
	h.srv.Close()
	require.NoError(h.t, h.store.Close())
}

func (h *harness) register(serial, account string, minRefill, maxRefill funds.Amount) {
	h.t.Helper()
	token, err := h.store.RegisterMeter(h.ctx, serial, account, minRefill, maxRefill)
	require.NoError(h.t, err)
	pub, key, err := ed25519.GenerateKey(nil)
	require.NoError(h.t, err)
	require.NoError(h.t, h.store.Enroll(h.ctx, serial, token, pub))
	h.meters[serial] = &meter{h: h, serial: serial, key: key}
}

// report is a consistent report of the meter: control equals what was posted to it, and the audit seq
// is one above the last report's.
func (m *meter) report() funds.Report {
	m.h.t.Helper()
	refills, err := m.h.store.Refills(m.h.ctx)
	require.NoError(m.h.t, err)
	var posted int64
	for _, r := range refills {
		if r.Meter == m.serial && r.State == funds.DCPosted {
			posted += r.Amount.Mills()
		}
	}
	m.seq++
	head := sha256.Sum256([]byte(m.serial + itoa(m.seq)))
	return funds.Report{Registers: funds.RegisterReadings{AvailableMills: posted, ControlMills: posted},
		AuditSeq: m.seq, AuditHead: hex.EncodeToString(head[:])}
}

func (h *harness) meter(serial string) *meter { return h.meters[serial] }

// account returns the stored account with its refills.
func (h *harness) account(number string) datacenter.Account {
	h.t.Helper()
	a, err := h.store.Account(h.ctx, number)
	require.NoError(h.t, err)
	return a
}

func (h *harness) checkInvariants() {
	h.t.Helper()
	require.NoError(h.t, h.store.CheckInvariants(h.ctx))
}

// request is one signed HTTP request; zero fields are filled in by send.
type request struct {
	method, path string
	body         []byte
	serial       string             // X-Meter-Serial; the meter's serial if empty
	key          ed25519.PrivateKey // signing key; the meter's key if nil
	at           time.Time          // signing time; the server's clock if zero
	nonce        string             // a fresh one if empty
	noAuth       bool               // send no auth headers at all
	contentType  string             // Content-Type of a body; application/json if empty
}

type response struct {
	status int
	body   []byte
	proof  funds.SignedAnswer
}

func (m *meter) send(r request) response {
	t := m.h.t
	t.Helper()
	if r.serial == "" {
		r.serial = m.serial
	}
	if r.key == nil {
		r.key = m.key
	}
	if r.at.IsZero() {
		r.at = m.h.clock.Now()
	}
	if r.nonce == "" {
		r.nonce = funds.NewNonce()
	}
	req, err := http.NewRequest(r.method, m.h.srv.URL+r.path, bytes.NewReader(r.body))
	require.NoError(t, err)
	if len(r.body) > 0 {
		req.Header.Set("Content-Type", cmp.Or(r.contentType, "application/json"))
	}
	if !r.noAuth {
		signRequest(req, r.serial, r.key, r.at, r.nonce, r.body)
	}
	return do(t, m.h, req)
}

// signRequest sets the headers a meter signs a request with.
func signRequest(req *http.Request, serial string, key ed25519.PrivateKey, at time.Time, nonce string, body []byte) {
	req.Header.Set(funds.HeaderSerial, serial)
	req.Header.Set(funds.HeaderTimestamp, strconv.FormatInt(at.UnixMilli(), 10))
	req.Header.Set(funds.HeaderNonce, nonce)
	msg := funds.RequestMessage(req.Method, req.URL.EscapedPath(), at.UnixMilli(), nonce, body)
	req.Header.Set(funds.HeaderSignature, hex.EncodeToString(ed25519.Sign(key, msg)))
}

func refillPath(serial, id string) string { return "/v1/meters/" + serial + "/refills/" + id }

func (m *meter) reserveBody(amount int64) []byte {
	b, _ := json.Marshal(funds.ReserveRequest{AmountMills: amount, Report: m.report()})
	return b
}

func (m *meter) reserve(id string, amount int64) response {
	m.h.t.Helper()
	return m.send(request{method: http.MethodPut, path: refillPath(m.serial, id), body: m.reserveBody(amount)})
}

func (m *meter) post(id string) response {
	m.h.t.Helper()
	return m.send(request{method: http.MethodPost, path: refillPath(m.serial, id) + "/post"})
}

func (m *meter) void(id string) response {
	m.h.t.Helper()
	return m.send(request{method: http.MethodPost, path: refillPath(m.serial, id) + "/void"})
}

func (m *meter) get(id string) response {
	m.h.t.Helper()
	return m.send(request{method: http.MethodGet, path: refillPath(m.serial, id)})
}

func (m *meter) balance() response {
	m.h.t.Helper()
	body, _ := json.Marshal(m.report())
	return m.send(request{method: http.MethodPost, path: "/v1/meters/" + m.serial + "/account", body: body})
}

// answer decodes a 200 RefillAnswer.
func (r response) answer(t tb) funds.RefillAnswer {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var a funds.RefillAnswer
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&a))
	require.NotNil(t, a.Account, "every answer carries the account balance")
	return a
}

// errorBody decodes an error response and checks its status and code.
func (r response) errorBody(t tb, status int, code string) funds.ErrorBody {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	var e funds.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&e), "error body %s", r.body)
	require.Equal(t, code, e.Error.Code, "message: %s", e.Error.Message)
	require.NotEmpty(t, e.Error.Message)
	return e
}

func newID(t tb) string {
	t.Helper()
	u, err := uuid.NewV7()
	require.NoError(t, err)
	return u.String()
}

// figures are an account's money, for before/after comparisons.
type figures struct {
	Deposits, Prepaid, CreditLimit, CreditUsed, Reserved, Posted funds.Amount
	Locked                                                       bool
	Refills                                                      int
}

func (h *harness) figures(number string) figures {
	h.t.Helper()
	a := h.account(number)
	return figures{a.Deposits, a.Prepaid, a.CreditLimit, a.CreditUsed, a.Reserved, a.Posted, a.Locked, len(a.Refills)}
}

func (h *harness) meterAccount(serial string) string {
	h.t.Helper()
	m, err := h.store.Meter(h.ctx, serial)
	require.NoError(h.t, err)
	return m.Account
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// do sends a hand-built request and checks that the answer is JSON signed by the Data Center's key for
// the request's serial and nonce.
func do(t tb, h *harness, req *http.Request) response {
	t.Helper()
	res, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"), "every response is JSON: %s", body)
	sig, err := hex.DecodeString(res.Header.Get(funds.HeaderAnswerSig))
	require.NoError(t, err)
	proof := funds.SignedAnswer{Serial: req.Header.Get(funds.HeaderSerial), Nonce: req.Header.Get(funds.HeaderNonce),
		Status: res.StatusCode, Body: body, Signature: sig}
	require.True(t, ed25519.Verify(h.dcKey.Public().(ed25519.PublicKey), proof.Message(), sig), "every answer is signed: %s", body)
	return response{status: res.StatusCode, body: body, proof: proof}
}

func newServerFor(h *harness) *httptest.Server {
	return httptest.NewServer(datacenter.NewServer(h.store, datacenter.Options{Now: h.clock.Now, Logger: slog.New(slog.DiscardHandler), Key: h.dcKey}))
}
