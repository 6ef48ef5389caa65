package datacenter_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// The OpenAPI document of the meter API, in docs/.
const openAPIPath = "../../docs/datacenter-openapi.json"

type openAPIOp struct {
	OperationID string `json:"operationId"`
	RequestBody *struct {
		Content map[string]struct {
			Example json.RawMessage `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
}

func loadOpenAPI(t *testing.T) (version string, ops map[string]openAPIOp) {
	t.Helper()
	b, err := os.ReadFile(openAPIPath)
	require.NoError(t, err)
	var doc struct {
		OpenAPI string                          `json:"openapi"`
		Paths   map[string]map[string]openAPIOp `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	ops = map[string]openAPIOp{}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return doc.OpenAPI, ops
}

// TestOpenAPIDescribesEveryRoute: the document and the server agree on the routes, both ways.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	version, ops := loadOpenAPI(t)
	assert.Equal(t, "3.1.0", version)
	h := newHarness(t)
	srv := datacenter.NewServer(h.store, datacenter.Options{Key: h.dcKey})
	var documented []string
	for route := range ops {
		documented = append(documented, route)
	}
	served := srv.Routes()
	slices.Sort(documented)
	slices.Sort(served)
	assert.Equal(t, served, documented, "docs/datacenter-openapi.json and the server's routes")
}

// TestOpenAPIExamplesAreAccepted plays every operation of the document, with its request example, in
// a meter's order (enroll, reserve, get, post, void, balance, postal info, rates, then the operators'
// endpoints), and requires the server to accept each.
func TestOpenAPIExamplesAreAccepted(t *testing.T) {
	_, ops := loadOpenAPI(t)
	order := []string{"enroll", "reserve", "getRefill", "post", "void", "balance", "postalInfo", "rates", "healthz", "readyz", "metrics"}
	byID := map[string]string{}
	for route, op := range ops {
		byID[op.OperationID] = route
	}
	require.ElementsMatch(t, order, slices.Collect(func(yield func(string) bool) {
		for id := range byID {
			if !yield(id) {
				return
			}
		}
	}), "every operation is played here")

	h := newHarness(t)
	const newMeter = "PM000009"
	token, err := h.store.RegisterMeter(h.ctx, newMeter, acctA, funds.Dollar, 200*funds.Dollar)
	require.NoError(t, err)
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	id, voidID := "0190c7a2-5f1e-7c3d-8a4b-2e6f9d0c1b3a", newID(t)
	m := h.meter(m1)
	for _, opID := range order {
		route := byID[opID]
		method, path, _ := strings.Cut(route, " ")
		op := ops[route]
		var body []byte
		if op.RequestBody != nil {
			body = op.RequestBody.Content["application/json"].Example
			require.NotEmpty(t, body, "%s has a request example", opID)
		}
		serial := m1
		if opID == "enroll" {
			serial = newMeter
			body = []byte(strings.NewReplacer("<enrollment-token>", token, "<meter-public-key>", hex.EncodeToString(pub)).Replace(string(body)))
		}
		refill := id
		if opID == "void" {
			refill = voidID // the example id is posted by now
		}
		path = strings.NewReplacer("{serial}", serial, "{id}", refill).Replace(path)
		var status int
		switch {
		case strings.HasPrefix(path, "/v1/") && opID != "enroll":
			status = m.send(request{method: method, path: path, body: body}).status
		default:
			req, err := http.NewRequest(method, h.srv.URL+path, bytesReader(body))
			require.NoError(t, err)
			if len(body) > 0 {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := h.srv.Client().Do(req)
			require.NoError(t, err)
			res.Body.Close()
			status = res.StatusCode
		}
		assert.Equal(t, http.StatusOK, status, "%s %s with the document's example", method, path)
	}
	got, err := h.store.MeterKey(h.ctx, newMeter)
	require.NoError(t, err)
	assert.Equal(t, ed25519.PublicKey(pub), got, "the enroll example enrolled the meter")
	a := h.account(acctA)
	assert.Equal(t, 125*funds.Dollar, a.Posted, "the reserve and post examples moved $125.000")
}
