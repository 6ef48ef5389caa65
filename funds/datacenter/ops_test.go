package datacenter_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// lockedBuffer is a log destination the server's goroutines may write to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func getText(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// TestOperations: /healthz, /readyz and /metrics answer the operators' probes and scrapers on each
// store; every request carries a request id into its JSON log line; /readyz says when the database is gone.
func TestOperations(t *testing.T) { forEachStore(t, testOperations) }

func testOperations(t *testing.T, b backend) {
	h := newHarnessOn(t, b)
	var logs lockedBuffer
	h.srv.Close()
	h.srv = httptest.NewServer(datacenter.NewServer(h.store, datacenter.Options{Now: h.clock.Now, Key: h.dcKey,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))

	status, body := getText(t, h.srv.URL+"/healthz")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)
	status, _ = getText(t, h.srv.URL+"/readyz")
	assert.Equal(t, http.StatusOK, status)

	id := newID(t)
	h.meter(m1).reserve(id, 100*dollar).answer(t)
	h.meter(m1).post(id).answer(t)
	declined := h.meter(m1).reserve(newID(t), 9000*dollar).answer(t) // above M1's maximum
	require.Equal(t, funds.DCDeclined, declined.State)
	h.meter(m1).post(newID(t)).errorBody(t, http.StatusNotFound, funds.CodeUnknownRefill)

	status, body = getText(t, h.srv.URL+"/metrics")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`datacenter_refill_requests_total{op="reserve",outcome="reserved"} 1`,
		`datacenter_refill_requests_total{op="reserve",outcome="declined"} 1`,
		`datacenter_refill_requests_total{op="post",outcome="posted"} 1`,
		`datacenter_refill_requests_total{op="post",outcome="refused"} 1`,
		`datacenter_refill_declines_total{code="` + declined.Decline.Code + `"} 1`,
		`datacenter_request_duration_seconds_count{route="PUT /v1/meters/{serial}/refills/{id}",status="200"} 2`,
		`datacenter_request_duration_seconds_count{route="POST /v1/meters/{serial}/refills/{id}/post",status="404"} 1`,
		`datacenter_suspect_meters 0`,
	} {
		assert.Contains(t, body, want)
	}
	if b.name == postgresBackend.name {
		assert.Contains(t, body, "datacenter_store_retries_total 0")
		assert.Contains(t, body, "datacenter_store_group_fallbacks_total 0")
	}

	// The request id: the caller's own if sane, else the Data Center's; in the answer and the log line.
	m := h.meter(m1)
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+refillPath(m1, id), nil)
	require.NoError(t, err)
	signRequest(req, m1, m.key, h.clock.Now(), funds.NewNonce(), nil)
	req.Header.Set(datacenter.HeaderRequestID, "lb-7f3a.42")
	res := do(t, h, req)
	require.Equal(t, http.StatusOK, res.status)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &v), "every log line is one JSON object: %s", l)
		lines = append(lines, v)
	}
	last := lines[len(lines)-1]
	assert.Equal(t, "request", last["msg"])
	assert.Equal(t, "lb-7f3a.42", last["request_id"])
	ids := map[any]bool{}
	for _, l := range lines {
		if l["msg"] == "request" {
			assert.NotEmpty(t, l["request_id"])
			ids[l["request_id"]] = true
		}
	}
	assert.Len(t, ids, 5, "each request its own id")
	req.Header.Set(datacenter.HeaderRequestID, "not sane; <script>")
	hres, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	hres.Body.Close()
	assert.Regexp(t, `^[0-9a-f]{16}$`, hres.Header.Get(datacenter.HeaderRequestID))

	// The database gone: the process is up, but not ready.
	require.NoError(t, h.store.Close())
	status, _ = getText(t, h.srv.URL+"/healthz")
	assert.Equal(t, http.StatusOK, status)
	status, body = getText(t, h.srv.URL+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status, body)
	h.store = reopened(t, h)
}

// reopened opens the harness's database again, so the harness's own cleanup can close it.
func reopened(t *testing.T, h *harness) datacenter.Store {
	st, err := h.backend.open(h.ctx, h.path, h.clock.Now, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return st
}
