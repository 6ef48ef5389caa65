package datacenter_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// Every malformed request is a 4xx with a JSON error saying what was wrong, and changes nothing.
const hexHead = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

const goodReport = `{"registers":{},"audit_seq":1,"audit_head":"` + hexHead + `"}`

func TestBadInput(t *testing.T) {
	huge := append([]byte(`{"amount_mills":100000,"report":{},"pad":"`), bytes.Repeat([]byte("x"), funds.MaxRequestBody)...)
	huge = append(huge, `"}`...)
	cases := []struct {
		name   string
		method string
		path   func(id string) string // the reserve path if nil
		body   string
		status int
		code   string
		says   []string // the message mentions each
	}{
		{name: "malformed JSON", body: `{amount_mills: 100000}`, says: []string{"malformed JSON", "expected a JSON object"}},
		{name: "truncated JSON", body: `{"amount_mills": 100000`, says: []string{"ends too early"}},
		{name: "empty body", body: ``, says: []string{"empty"}},
		{name: "body too large", body: string(huge), status: http.StatusRequestEntityTooLarge, code: funds.CodeBodyTooLarge, says: []string{"larger than"}},
		{name: "negative amount", body: `{"amount_mills":-100000}`, says: []string{"-100000", "positive"}},
		{name: "zero amount", body: `{"amount_mills":0}`, says: []string{"positive"}},
		{name: "missing amount", body: `{"report":` + goodReport + `}`, says: []string{"positive"}},
		{name: "null body", body: `null`, says: []string{"positive"}},
		{name: "amount as a string", body: `{"amount_mills":"100000"}`, says: []string{"amount_mills", "whole number", "string"}},
		{name: "amount as a float", body: `{"amount_mills":100.5}`, says: []string{"amount_mills", "whole number", "100.5"}},
		{name: "amount in exponent form", body: `{"amount_mills":1e5}`, says: []string{"amount_mills", "whole number"}},
		{name: "amount too large for int64", body: `{"amount_mills":99999999999999999999}`, says: []string{"amount_mills", "whole number"}},
		{name: "unknown field", body: `{"amount_mills":100000,"amount":100}`, says: []string{`unknown field "amount"`}},
		{name: "trailing data", body: `{"amount_mills":100000}{"amount_mills":1}`, says: []string{"after the JSON object"}},
		{name: "array instead of object", body: `[100000]`, says: []string{"not an object"}},
		{name: "negative register", body: `{"amount_mills":100000,"report":{"registers":{"pieces":-1},"audit_seq":1,"audit_head":"` + hexHead + `"}}`, says: []string{"registers.pieces"}},
		{name: "register as float", body: `{"amount_mills":100000,"report":{"registers":{"used_mills":1.5}}}`, says: []string{"registers.used_mills"}},
		{name: "registers that do not add up", body: `{"amount_mills":100000,"report":{"registers":{"available_mills":9223372036854775807,"control_mills":1},"audit_seq":1,"audit_head":"` + hexHead + `"}}`, says: []string{"registers.available_mills"}},
		{name: "no audit head", body: `{"amount_mills":100000,"report":{"registers":{},"audit_seq":1}}`, says: []string{"audit_head"}},
		{name: "audit seq zero", body: `{"amount_mills":100000,"report":{"registers":{},"audit_seq":0,"audit_head":"` + hexHead + `"}}`, says: []string{"audit_seq"}},
		{name: "bad UUID", path: func(string) string { return refillPath(m1, "not-a-uuid") }, body: `{"amount_mills":100000}`, says: []string{"not-a-uuid", "UUID"}},
		{name: "uppercase UUID", path: func(id string) string { return refillPath(m1, strings.ToUpper(id)) }, body: `{"amount_mills":100000}`, says: []string{"canonical"}},
		{name: "nil UUID", path: func(string) string { return refillPath(m1, "00000000-0000-0000-0000-000000000000") }, body: `{"amount_mills":100000}`, says: []string{"UUID"}},
		{name: "UUID without hyphens", path: func(id string) string { return refillPath(m1, strings.ReplaceAll(id, "-", "")) }, body: `{"amount_mills":100000}`, says: []string{"UUID"}},
		{name: "bad UUID on post", method: http.MethodPost, path: func(string) string { return refillPath(m1, "123") + "/post" }, says: []string{"UUID"}},
		{name: "bad UUID on void", method: http.MethodPost, path: func(string) string { return refillPath(m1, "123") + "/void" }, says: []string{"UUID"}},
		{name: "bad UUID on get", method: http.MethodGet, path: func(string) string { return refillPath(m1, "123") }, says: []string{"UUID"}},
		{name: "postal info with unknown field", method: http.MethodPost, path: func(string) string { return "/v1/meters/" + m1 + "/postal-info" },
			body: `{"audit_head":"ab","audit_seq":1,"extra":true}`, says: []string{`unknown field "extra"`}},
		{name: "postal info too long a head", method: http.MethodPost, path: func(string) string { return "/v1/meters/" + m1 + "/postal-info" },
			body: `{"audit_head":"` + strings.Repeat("a", 200) + `","audit_seq":1}`, says: []string{"audit_head"}},
		{name: "wrong method", method: http.MethodDelete, status: http.StatusMethodNotAllowed, code: funds.CodeBadRequest, says: []string{"DELETE", "PUT"}},
		{name: "unknown endpoint", method: http.MethodGet, path: func(string) string { return "/v1/meters/" + m1 + "/secrets" }, status: http.StatusNotFound, code: funds.CodeBadRequest, says: []string{"no such endpoint"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			held := newID(t)
			require.Equal(t, funds.DCReserved, h.meter(m1).reserve(held, 100*dollar).answer(t).State)
			before := h.figures(acctA)
			meterBefore, err := h.store.Meter(h.ctx, m1)
			require.NoError(t, err)

			id := newID(t)
			path := refillPath(m1, id)
			if tc.path != nil {
				path = tc.path(id)
			}
			method := tc.method
			if method == "" {
				method = http.MethodPut
			}
			status, code := tc.status, tc.code
			if status == 0 {
				status, code = http.StatusBadRequest, funds.CodeBadRequest
			}
			res := h.meter(m1).send(request{method: method, path: path, body: []byte(tc.body)})
			e := res.errorBody(t, status, code)
			for _, s := range tc.says {
				assert.Contains(t, e.Error.Message, s)
			}
			assert.NotContains(t, e.Error.Message, "goroutine", "no stack traces")

			assert.Equal(t, before, h.figures(acctA), "nothing changed")
			meterAfter, err := h.store.Meter(h.ctx, m1)
			require.NoError(t, err)
			assert.Equal(t, meterBefore, meterAfter)
			h.checkInvariants()
		})
	}
}
