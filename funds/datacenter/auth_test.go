package datacenter_test

import (
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
func TestAuthentication(t *testing.T) {
	wrongSecret := make([]byte, datacenter.SecretLen)
	cases := []struct {
		name   string
		edit   func(h *harness, r *request)
		status int
		code   string
	}{
		{"no auth headers", func(h *harness, r *request) { r.noAuth = true }, http.StatusUnauthorized, funds.CodeUnknownMeter},
		{"unknown meter", func(h *harness, r *request) { r.serial = "PM999999" }, http.StatusUnauthorized, funds.CodeUnknownMeter},
		{"signed with another secret", func(h *harness, r *request) { r.secret = wrongSecret }, http.StatusUnauthorized, funds.CodeBadSignature},
		{"signed with another meter's secret", func(h *harness, r *request) { r.secret = h.meter(m2).secret }, http.StatusUnauthorized, funds.CodeBadSignature},
		{"timestamp six minutes old", func(h *harness, r *request) { r.at = h.clock.Now().Add(-6 * time.Minute) }, http.StatusUnauthorized, funds.CodeStaleRequest},
		{"timestamp six minutes ahead", func(h *harness, r *request) { r.at = h.clock.Now().Add(6 * time.Minute) }, http.StatusUnauthorized, funds.CodeStaleRequest},
		{"server clock moved on", func(h *harness, r *request) {
			r.at = h.clock.Now()
			h.clock.Advance(5*time.Minute + time.Second)
		}, http.StatusUnauthorized, funds.CodeStaleRequest},
		{"another meter signs for this path", func(h *harness, r *request) {
			r.serial, r.secret = m2, h.meter(m2).secret
		}, http.StatusForbidden, funds.CodeSerialMismatch},
	}
	ops := []struct {
		name string
		req  func(id string) request
	}{
		{"reserve", func(id string) request {
			return request{method: http.MethodPut, path: refillPath(m1, id), body: reserveBody(100 * dollar)}
		}},
		{"post", func(id string) request { return request{method: http.MethodPost, path: refillPath(m1, id) + "/post"} }},
		{"void", func(id string) request { return request{method: http.MethodPost, path: refillPath(m1, id) + "/void"} }},
		{"get", func(id string) request { return request{method: http.MethodGet, path: refillPath(m1, id)} }},
		{"balance", func(id string) request { return request{method: http.MethodGet, path: "/v1/meters/" + m1 + "/account"} }},
		{"postal-info", func(id string) request {
			return request{method: http.MethodPost, path: "/v1/meters/" + m1 + "/postal-info", body: []byte(`{"audit_head":"ab","audit_seq":1}`)}
		}},
	}
	for _, tc := range cases {
		for _, op := range ops {
			t.Run(tc.name+"/"+op.name, func(t *testing.T) {
				h := newHarness(t)
				held := newID(t)
				require.Equal(t, funds.DCReserved, h.meter(m1).reserve(held, 100*dollar).answer(t).State)
				before := h.figures(acctA)
				meterBefore, err := h.store.Meter(h.ctx, m1)
				require.NoError(t, err)

				id := held // post/void/get act on the held refill; reserve uses a fresh id
				if op.name == "reserve" {
					id = newID(t)
				}
				r := op.req(id)
				tc.edit(h, &r)
				h.clock.Advance(time.Second) // a contact would now show a new time
				res := h.meter(m1).send(r)
				res.errorBody(t, tc.status, tc.code)

				assert.Equal(t, before, h.figures(acctA))
				meterAfter, err := h.store.Meter(h.ctx, m1)
				require.NoError(t, err)
				assert.Equal(t, meterBefore, meterAfter, "no contact recorded, no postal info stored")
				got, err := h.store.Refill(h.ctx, m1, held)
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
	r := request{method: http.MethodPut, path: refillPath(m1, id), body: reserveBody(10 * dollar)}
	sig := funds.Sign(m.secret, r.method, r.path, h.clock.Now(), r.body)
	req, err := http.NewRequest(r.method, h.srv.URL+r.path, bytesReader(reserveBody(4000*dollar)))
	require.NoError(t, err)
	req.Header.Set(funds.HeaderSerial, m1)
	req.Header.Set(funds.HeaderTimestamp, itoa(h.clock.Now().Unix()))
	req.Header.Set(funds.HeaderSignature, sig)
	res := do(t, h, req)
	res.errorBody(t, http.StatusUnauthorized, funds.CodeBadSignature)
	assert.Equal(t, 0, h.figures(acctA).Refills)

	// Replaying a signed request within the window is harmless: the same stored answer.
	first := m.reserve(id, 10*dollar).answer(t)
	again := m.reserve(id, 10*dollar).answer(t)
	assert.Equal(t, first, again)
	assert.Equal(t, 10*funds.Dollar, h.account(acctA).Reserved)
}
