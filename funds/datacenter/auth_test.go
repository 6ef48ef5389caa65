package datacenter_test

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// Every refused request is refused before anything is read or changed: the account figures, the refills
// and the meter's last contact stay as they were.
func TestAuthentication(t *testing.T) { forEachStore(t, testAuthentication) }

func testAuthentication(t *testing.T, b backend) {
	_, wrongKey, _ := ed25519.GenerateKey(nil)
	cases := []struct {
		name   string
		edit   func(h *harness, r *request)
		status int
		code   string
	}{
		{"no auth headers", func(h *harness, r *request) { r.noAuth = true }, http.StatusUnauthorized, funds.CodeUnauthorized},
		{"unknown meter", func(h *harness, r *request) { r.serial = "PM999999" }, http.StatusUnauthorized, funds.CodeUnauthorized},
		{"signed with another key", func(h *harness, r *request) { r.key = wrongKey }, http.StatusUnauthorized, funds.CodeUnauthorized},
		{"signed with another meter's key", func(h *harness, r *request) { r.key = h.meter(m2).key }, http.StatusUnauthorized, funds.CodeUnauthorized},
		{"nonce not hex", func(h *harness, r *request) { r.nonce = "zz" + funds.NewNonce()[2:] }, http.StatusUnauthorized, funds.CodeUnauthorized},
		{"timestamp six minutes old", func(h *harness, r *request) { r.at = h.clock.Now().Add(-6 * time.Minute) }, http.StatusUnauthorized, funds.CodeStaleRequest},
		{"timestamp six minutes ahead", func(h *harness, r *request) { r.at = h.clock.Now().Add(6 * time.Minute) }, http.StatusUnauthorized, funds.CodeStaleRequest},
		{"server clock moved on", func(h *harness, r *request) {
			r.at = h.clock.Now()
			h.clock.Advance(5*time.Minute + time.Second)
		}, http.StatusUnauthorized, funds.CodeStaleRequest},
		{"another meter signs for this path", func(h *harness, r *request) {
			r.serial, r.key = m2, h.meter(m2).key
		}, http.StatusForbidden, funds.CodeSerialMismatch},
	}
	type op struct {
		name string
		req  func(h *harness, id string) request
	}
	ops := []op{
		{"reserve", func(h *harness, id string) request {
			return request{method: http.MethodPut, path: refillPath(m1, id), body: h.meter(m1).reserveBody(100 * dollar)}
		}},
		{"post", func(h *harness, id string) request {
			return request{method: http.MethodPost, path: refillPath(m1, id) + "/post"}
		}},
		{"void", func(h *harness, id string) request {
			return request{method: http.MethodPost, path: refillPath(m1, id) + "/void"}
		}},
		{"get", func(h *harness, id string) request { return request{method: http.MethodGet, path: refillPath(m1, id)} }},
		{"balance", func(h *harness, id string) request {
			return request{method: http.MethodPost, path: "/v1/meters/" + m1 + "/account", body: reportBody(h.meter(m1))}
		}},
		{"postal-info", func(h *harness, id string) request {
			return request{method: http.MethodPost, path: "/v1/meters/" + m1 + "/postal-info", body: reportBody(h.meter(m1))}
		}},
	}
	for _, tc := range cases {
		for _, op := range ops {
			t.Run(tc.name+"/"+op.name, func(t *testing.T) {
				h := newHarnessOn(t, b)
				held := newID(t)
				require.Equal(t, funds.DCReserved, h.meter(m1).reserve(held, 100*dollar).answer(t).State)
				before := h.figures(acctA)
				meterBefore, err := h.store.Meter(h.ctx, m1)
				require.NoError(t, err)

				id := held // post/void/get act on the held refill; reserve uses a fresh id
				if op.name == "reserve" {
					id = newID(t)
				}
				r := op.req(h, id)
				tc.edit(h, &r)
				h.clock.Advance(time.Second) // a contact would now show a new time
				res := h.meter(m1).send(r)
				res.errorBody(t, tc.status, tc.code)

				assert.Equal(t, before, h.figures(acctA))
				meterAfter, err := h.store.Meter(h.ctx, m1)
				require.NoError(t, err)
				assert.Equal(t, meterBefore, meterAfter, "no contact recorded, no postal info stored")
				got, err := h.store.Refill(h.ctx, datacenter.Request{Serial: m1}, held)
				require.NoError(t, err)
				assert.Equal(t, funds.DCReserved, got.State)
			})
		}
	}
}

func TestTamperedRequestIsRefused(t *testing.T) {
	h := newHarness(t)
	m := h.meter(m1)
	id := newID(t)
	// Signed for $10, sent with $4,000: the body hash no longer matches.
	nonce := funds.NewNonce()
	req, err := http.NewRequest(http.MethodPut, h.srv.URL+refillPath(m1, id), bytesReader(m.reserveBody(4000*dollar)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	signRequest(req, m1, m.key, h.clock.Now(), nonce, m.reserveBody(10*dollar))
	res := do(t, h, req)
	res.errorBody(t, http.StatusUnauthorized, funds.CodeUnauthorized)
	assert.Equal(t, 0, h.figures(acctA).Refills)

	// Sending the same request again with a new nonce (a meter's retry) gets the same stored answer.
	first := m.reserve(id, 10*dollar).answer(t)
	again := m.reserve(id, 10*dollar).answer(t)
	first.Time, again.Time = time.Time{}, time.Time{}
	assert.Equal(t, first, again)
	assert.Equal(t, 10*funds.Dollar, h.account(acctA).Reserved)
}

func reportBody(m *meter) []byte {
	b, _ := json.Marshal(m.report())
	return b
}
