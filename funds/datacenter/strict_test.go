package datacenter_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// encoding/json matches keys case-insensitively and lets the last of two equal keys win; the Data
// Center refuses both, at any depth, and changes nothing.
func TestStrictJSONKeys(t *testing.T) {
	postal := "/v1/meters/" + m1 + "/postal-info"
	cases := []struct {
		name, path, body string
		says             []string
	}{
		{"key in capitals", "", `{"AMOUNT_MILLS":100000}`, []string{`"AMOUNT_MILLS"`, "case-sensitive", `"amount_mills"`}},
		{"key in mixed case", "", `{"Amount_Mills":100000}`, []string{`"Amount_Mills"`, "case-sensitive"}},
		{"nested key in capitals", "", `{"amount_mills":100000,"report":{"registers":{"Pieces":31}}}`, []string{`"report.registers.Pieces"`, `"pieces"`}},
		{"duplicate key", "", `{"amount_mills":1000,"amount_mills":100000}`, []string{`"amount_mills" appears twice`}},
		{"duplicate key, other case", "", `{"amount_mills":1000,"AMOUNT_MILLS":100000}`, []string{`"AMOUNT_MILLS"`}},
		{"duplicate nested key", "", `{"amount_mills":100000,"report":{"registers":{"pieces":1,"pieces":2}}}`, []string{`"report.registers.pieces" appears twice`}},
		{"duplicate object", "", `{"amount_mills":100000,"report":{},"report":{}}`, []string{`"report" appears twice`}},
		{"postal info duplicate", postal, `{"audit_head":"ab","audit_seq":1,"audit_seq":2}`, []string{`"audit_seq" appears twice`}},
		{"postal info in capitals", postal, `{"AUDIT_HEAD":"ab","audit_seq":1}`, []string{`"AUDIT_HEAD"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			before := h.figures(acctA)
			meterBefore, err := h.store.Meter(h.ctx, m1)
			require.NoError(t, err)
			path, method := tc.path, http.MethodPost
			if path == "" {
				path, method = refillPath(m1, newID(t)), http.MethodPut
			}
			e := h.meter(m1).send(request{method: method, path: path, body: []byte(tc.body)}).
				errorBody(t, http.StatusBadRequest, funds.CodeBadRequest)
			for _, s := range tc.says {
				assert.Contains(t, e.Error.Message, s)
			}
			assert.Equal(t, before, h.figures(acctA), "nothing changed")
			meterAfter, err := h.store.Meter(h.ctx, m1)
			require.NoError(t, err)
			assert.Equal(t, meterBefore, meterAfter, "not even the contact")
		})
	}
}

// A request with a body must label it application/json; a charset, if any, is UTF-8.
func TestRequestBodyMustBeJSON(t *testing.T) {
	h := newHarness(t)
	m := h.meter(m1)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "json"} {
		e := m.send(request{method: http.MethodPut, path: refillPath(m1, newID(t)), body: m.reserveBody(100 * dollar), contentType: ct}).
			errorBody(t, http.StatusUnsupportedMediaType, datacenter.CodeUnsupportedMediaType)
		assert.Contains(t, e.Error.Message, "Content-Type: application/json", ct)
	}
	// No Content-Type at all.
	path := refillPath(m1, newID(t))
	body := m.reserveBody(100 * dollar)
	req, err := http.NewRequest(http.MethodPut, h.srv.URL+path, bytesReader(body))
	require.NoError(t, err)
	signAs(req, m, body, h.clock.Now())
	e := do(t, h, req).errorBody(t, http.StatusUnsupportedMediaType, datacenter.CodeUnsupportedMediaType)
	assert.Contains(t, e.Error.Message, "no Content-Type")
	// A body on a post is refused the same way.
	m.send(request{method: http.MethodPost, path: refillPath(m1, newID(t)) + "/void", body: []byte(`{}`), contentType: "text/plain"}).
		errorBody(t, http.StatusUnsupportedMediaType, datacenter.CodeUnsupportedMediaType)
	assert.Equal(t, 0, h.figures(acctA).Refills)

	ans := m.send(request{method: http.MethodPut, path: refillPath(m1, newID(t)), body: m.reserveBody(100 * dollar),
		contentType: "application/json; charset=UTF-8"}).answer(t)
	assert.Equal(t, funds.DCReserved, ans.State)
}

func signAs(req *http.Request, m *meter, body []byte, at time.Time) {
	signRequest(req, m.serial, m.key, at, funds.NewNonce(), body)
}

// noRedirects is a client that shows a redirect instead of following it.
func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// rawGet sends a GET with exactly this request target over a connection of its own (an HTTP client
// would clean or rewrite it) and returns the status, Content-Type and body; redirects are not followed.
func rawGet(t *testing.T, base, target string, header http.Header) (int, string, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	var b strings.Builder
	b.WriteString("GET " + target + " HTTP/1.1\r\nHost: datacenter\r\nConnection: close\r\n")
	for k, vs := range header {
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	_, err = io.WriteString(conn, b.String())
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

// Paths that ServeMux would clean and redirect (with an HTML 307) are refused with a JSON 400 instead,
// so no meter request is ever redirected.
func TestNonCanonicalPathsAreRefusedNotRedirected(t *testing.T) {
	h := newHarness(t)
	for _, target := range []string{
		"/v1/meters/" + m1 + "/../" + m1 + "/account",
		"//v1/meters/" + m1 + "/account",
		"/v1/meters//" + m1 + "/account",
		"/v1/meters/" + m1 + "/./account",
		"/v1/meters/" + m1 + "/%2e%2e/" + m1 + "/account",
		"/..",
		"/v1/meters/" + m1 + "/refills/" + newID(t) + "/post/..",
	} {
		status, ct, body := rawGet(t, h.srv.URL, target, nil)
		assert.Equal(t, http.StatusBadRequest, status, "%s: %s", target, body)
		assert.Equal(t, "application/json", ct, target)
		e := response{status: status, body: body}.errorBody(t, http.StatusBadRequest, funds.CodeBadRequest)
		assert.Contains(t, e.Error.Message, "canonical form")
	}
	// A trailing slash is canonical but no endpoint: a JSON 404.
	status, ct, body := rawGet(t, h.srv.URL, "/v1/meters/"+m1+"/account/", nil)
	assert.Equal(t, "application/json", ct)
	response{status: status, body: body}.errorBody(t, http.StatusNotFound, funds.CodeBadRequest)
}

// Headers over MaxRequestHeaderBytes get a JSON 431, both from the handler and from Serve's server
// (whose own plain-text limit is far above it).
func TestOversizedHeadersGetJSON431(t *testing.T) {
	h := newHarness(t)
	big := http.Header{"X-Padding": {strings.Repeat("p", datacenter.MaxRequestHeaderBytes)}}
	target := refillPath(m1, "01a23301-2b37-70fe-83bd-b7a54c7aa407") // a GET endpoint
	check := func(base string) {
		t.Helper()
		status, ct, body := rawGet(t, base, target, big)
		assert.Equal(t, "application/json", ct, "%s", body)
		e := response{status: status, body: body}.errorBody(t, http.StatusRequestHeaderFieldsTooLarge, datacenter.CodeHeadersTooLarge)
		assert.Contains(t, e.Error.Message, strconv.Itoa(datacenter.MaxRequestHeaderBytes))
		// Just under the limit is not refused for its size (here: unsigned, so 401).
		small := http.Header{"X-Padding": {strings.Repeat("p", datacenter.MaxRequestHeaderBytes-1024)}}
		status, ct, body = rawGet(t, base, target, small)
		assert.Equal(t, "application/json", ct)
		response{status: status, body: body}.errorBody(t, http.StatusUnauthorized, funds.CodeUnauthorized)
	}
	check(h.srv.URL)

	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	quiet := slog.New(slog.DiscardHandler)
	go func() {
		done <- datacenter.ListenAndServe(ctx, datacenter.NewServer(h.store, datacenter.Options{Logger: quiet, Key: h.dcKey}),
			datacenter.ServeConfig{Addr: "127.0.0.1:0", Logger: quiet, Ready: func(a net.Addr) { addrs <- a }})
	}()
	select {
	case a := <-addrs:
		check("http://" + a.String())
	case err := <-done:
		t.Fatalf("server stopped before listening: %v", err)
	}
	cancel()
	require.NoError(t, <-done)
}

// 404 and 405 are JSON error bodies too.
func TestUnknownEndpointsAndMethodsGetJSON(t *testing.T) {
	h := newHarness(t)
	for _, target := range []string{"/", "/v2/meters", "/favicon.ico", "/v1/meters/" + m1} {
		status, ct, body := rawGet(t, h.srv.URL, target, nil)
		assert.Equal(t, "application/json", ct, target)
		response{status: status, body: body}.errorBody(t, http.StatusNotFound, funds.CodeBadRequest)
	}
	req, err := http.NewRequest(http.MethodPatch, h.srv.URL+"/v1/meters/"+m1+"/account", nil)
	require.NoError(t, err)
	res := do(t, h, req)
	res.errorBody(t, http.StatusMethodNotAllowed, funds.CodeBadRequest)
}
