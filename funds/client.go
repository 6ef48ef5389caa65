package funds

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DataCenter is what the refill protocol needs from the Data Center. DataCenterClient speaks it over
// HTTP; tests may put a fault-injecting transport under it. Every answer carries its Proof, the signed
// answer it was read from, already checked against the pinned Data Center key; requests that report
// the meter (reserve, balance, postal information) send a fresh Report the client reads itself.
type DataCenter interface {
	Reserve(ctx context.Context, id string, amount Amount) (RefillAnswer, error)
	Post(ctx context.Context, id string) (RefillAnswer, error)
	Void(ctx context.Context, id string) (RefillAnswer, error)
	Account(ctx context.Context) (AccountBalance, error)
	UploadPostalInfo(ctx context.Context) (PostalInfoReceipt, error)
}

// ErrNoConnection is wrapped by every failure to get an answer from the Data Center (network down,
// timeout, server error): the request may or may not have been processed.
var ErrNoConnection = errors.New("no connection to the Data Center")

// ConnectionError is a request that got no definite answer.
type ConnectionError struct {
	Op  string
	Err error
}

func (e *ConnectionError) Error() string {
	return fmt.Sprintf("%s: no connection to the Data Center: %v", e.Op, e.Err)
}
func (e *ConnectionError) Unwrap() []error { return []error{ErrNoConnection, e.Err} }

// APIError is a definite refusal from the Data Center (a 4xx with an ErrorBody).
type APIError struct {
	Op      string
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: Data Center refused (%d %s): %s", e.Op, e.Status, e.Code, e.Message)
}

// DataCenterClient calls the Data Center's HTTP API as one meter: it signs every request with the meter
// key and believes an answer only when the pinned Data Center key signed it for this request's nonce.
type DataCenterClient struct {
	BaseURL string // e.g. https://dc.example:8443
	Serial  string
	Keys    Keys
	HTTP    *http.Client     // a client with a timeout; http.DefaultClient is never used
	Now     func() time.Time // for the request timestamp; time.Now if nil
	// Reports reads the meter's report (registers and audit head) sent with a reserve, a balance inquiry
	// and a postal-information upload; usually Vault.Report.
	Reports func(ctx context.Context) (Report, error)
	Log     *slog.Logger

	// mu sends one request at a time, and each report is read just before its request is sent, so the
	// Data Center receives a meter's reports in the order they were read: a report older than one it
	// already has can then only come from a rolled-back vault.
	mu sync.Mutex
}

// DefaultRequestTimeout bounds one request so a silent network never hangs a refill.
const DefaultRequestTimeout = 10 * time.Second

// NewDataCenterClient returns a client with a bounded HTTP timeout.
func NewDataCenterClient(baseURL, serial string, keys Keys) *DataCenterClient {
	return &DataCenterClient{BaseURL: strings.TrimRight(baseURL, "/"), Serial: serial, Keys: keys,
		HTTP: &http.Client{Timeout: DefaultRequestTimeout}}
}

func (c *DataCenterClient) meterPath() string { return "/v1/meters/" + url.PathEscape(c.Serial) }

func (c *DataCenterClient) refillPath(id string) string {
	return c.meterPath() + "/refills/" + url.PathEscape(id)
}

// Reserve asks the Data Center to hold amount for refill id (idempotent by id).
func (c *DataCenterClient) Reserve(ctx context.Context, id string, amount Amount) (RefillAnswer, error) {
	var ans RefillAnswer
	proof, err := c.do(ctx, "reserve refill "+id, http.MethodPut, c.refillPath(id), func(r Report) any {
		return ReserveRequest{AmountMills: amount.Mills(), Report: r}
	}, &ans)
	ans.Proof = proof
	return ans, err
}

// Post tells the Data Center the refill was applied, so it moves the hold to posted.
func (c *DataCenterClient) Post(ctx context.Context, id string) (RefillAnswer, error) {
	var ans RefillAnswer
	proof, err := c.do(ctx, "post refill "+id, http.MethodPost, c.refillPath(id)+"/post", nil, &ans)
	ans.Proof = proof
	return ans, err
}

// Void tells the Data Center the refill will never be applied, so it releases any hold.
func (c *DataCenterClient) Void(ctx context.Context, id string) (RefillAnswer, error) {
	var ans RefillAnswer
	proof, err := c.do(ctx, "void refill "+id, http.MethodPost, c.refillPath(id)+"/void", nil, &ans)
	ans.Proof = proof
	return ans, err
}

// Account is the balance inquiry (an inspection).
func (c *DataCenterClient) Account(ctx context.Context) (AccountBalance, error) {
	var bal AccountBalance
	proof, err := c.do(ctx, "balance inquiry", http.MethodPost, c.meterPath()+"/account",
		func(r Report) any { return r }, &bal)
	bal.Proof = proof
	return bal, err
}

// UploadPostalInfo sends registers and the audit head (an inspection).
func (c *DataCenterClient) UploadPostalInfo(ctx context.Context) (PostalInfoReceipt, error) {
	var rec PostalInfoReceipt
	proof, err := c.do(ctx, "upload postal information", http.MethodPost, c.meterPath()+"/postal-info",
		func(r Report) any { return r }, &rec)
	rec.Proof = proof
	return rec, err
}

// RateTables downloads every rate table the Data Center has published. The answer is signed like any
// other; each table inside is signed on its own too, so the meter can keep it and check it again later.
func (c *DataCenterClient) RateTables(ctx context.Context) ([]SignedRates, error) {
	var ans RatesAnswer
	_, err := c.do(ctx, "download rate tables", http.MethodGet, c.meterPath()+"/rates", nil, &ans)
	return ans.Tables, err
}

// RatesSource is a Data Center that publishes rate tables (DataCenterClient is one).
type RatesSource interface {
	RateTables(ctx context.Context) ([]SignedRates, error)
}

// do sends one signed request. body, if not nil, builds the request body from a fresh report. Only an
// answer signed by the pinned Data Center key for this request's nonce is believed: anything else is no
// answer at all (a ConnectionError), so a fake Data Center can neither grant nor refuse.
func (c *DataCenterClient) do(ctx context.Context, op, method, path string, body func(Report) any, out any) (SignedAnswer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var data []byte
	if body != nil {
		if c.Reports == nil {
			return SignedAnswer{}, fmt.Errorf("%s: the client has no report source", op)
		}
		rep, err := c.Reports(ctx)
		if err != nil {
			return SignedAnswer{}, fmt.Errorf("%s: read report: %w", op, err)
		}
		if data, err = json.Marshal(body(rep)); err != nil {
			return SignedAnswer{}, fmt.Errorf("%s: encode: %w", op, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(data))
	if err != nil {
		return SignedAnswer{}, fmt.Errorf("%s: %w", op, err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ms, nonce := now().UnixMilli(), NewNonce()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSerial, c.Serial)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ms, 10))
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, hex.EncodeToString(c.Keys.Sign(RequestMessage(method, req.URL.EscapedPath(), ms, nonce, data))))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return SignedAnswer{}, &ConnectionError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return SignedAnswer{}, &ConnectionError{Op: op, Err: fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return SignedAnswer{}, &ConnectionError{Op: op, Err: fmt.Errorf("server answered %s", resp.Status)}
	}
	sig, _ := hex.DecodeString(resp.Header.Get(HeaderAnswerSig))
	proof := SignedAnswer{Serial: c.Serial, Nonce: nonce, Status: resp.StatusCode, Body: raw, Signature: sig}
	if !c.Keys.VerifyDataCenter(proof.Message(), proof.Signature) {
		c.log().Warn("answer not signed by the pinned Data Center key: ignored", "op", op, "status", resp.StatusCode)
		return SignedAnswer{}, &ConnectionError{Op: op, Err: ErrBadAnswer}
	}
	if resp.StatusCode >= 300 {
		var eb ErrorBody
		if jsonErr := json.Unmarshal(raw, &eb); jsonErr == nil && eb.Error.Code == CodeStaleReport {
			// Our report crossed a newer one on the way: no definite answer; the retry reads a fresh one.
			return SignedAnswer{}, &ConnectionError{Op: op, Err: fmt.Errorf("stale report: %s", eb.Error.Message)}
		}
		if jsonErr := json.Unmarshal(raw, &eb); jsonErr != nil || eb.Error.Code == "" {
			return SignedAnswer{}, &APIError{Op: op, Status: resp.StatusCode, Code: "unknown", Message: strings.TrimSpace(string(raw))}
		}
		return SignedAnswer{}, &APIError{Op: op, Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		// A 2xx we cannot read is no definite answer: retrying with the same id is safe.
		return SignedAnswer{}, &ConnectionError{Op: op, Err: fmt.Errorf("unreadable answer: %w", err)}
	}
	return proof, nil
}

func (c *DataCenterClient) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}
