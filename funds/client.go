package funds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DataCenter is what the refill protocol needs from the Data Center. DataCenterClient speaks it over
// HTTP; tests may put a fault-injecting transport under it.
type DataCenter interface {
	Reserve(ctx context.Context, id string, amount Amount, regs RegisterReadings) (RefillAnswer, error)
	Post(ctx context.Context, id string) (RefillAnswer, error)
	Void(ctx context.Context, id string) (RefillAnswer, error)
	Account(ctx context.Context) (AccountBalance, error)
	UploadPostalInfo(ctx context.Context, info PostalInfo) (PostalInfoReceipt, error)
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

// DataCenterClient calls the Data Center's HTTP API as one meter, signing every request.
type DataCenterClient struct {
	BaseURL string // e.g. https://dc.example:8443
	Serial  string
	Secret  []byte
	HTTP    *http.Client     // a client with a timeout; http.DefaultClient is never used
	Now     func() time.Time // for the request timestamp; time.Now if nil
}

// DefaultRequestTimeout bounds one request so a silent network never hangs a refill.
const DefaultRequestTimeout = 10 * time.Second

// NewDataCenterClient returns a client with a bounded HTTP timeout.
func NewDataCenterClient(baseURL, serial string, secret []byte) *DataCenterClient {
	return &DataCenterClient{BaseURL: strings.TrimRight(baseURL, "/"), Serial: serial, Secret: secret,
		HTTP: &http.Client{Timeout: DefaultRequestTimeout}}
}

func (c *DataCenterClient) refillPath(id string) string {
	return "/v1/meters/" + url.PathEscape(c.Serial) + "/refills/" + url.PathEscape(id)
}

// Reserve asks the Data Center to hold amount for refill id (idempotent by id).
func (c *DataCenterClient) Reserve(ctx context.Context, id string, amount Amount, regs RegisterReadings) (RefillAnswer, error) {
	var ans RefillAnswer
	err := c.do(ctx, "reserve refill "+id, http.MethodPut, c.refillPath(id),
		ReserveRequest{AmountMills: amount.Mills(), Report: Report{Registers: regs}}, &ans)
	return ans, err
}

// Post tells the Data Center the refill was applied, so it moves the hold to posted.
func (c *DataCenterClient) Post(ctx context.Context, id string) (RefillAnswer, error) {
	var ans RefillAnswer
	err := c.do(ctx, "post refill "+id, http.MethodPost, c.refillPath(id)+"/post", nil, &ans)
	return ans, err
}

// Void tells the Data Center the refill will never be applied, so it releases any hold.
func (c *DataCenterClient) Void(ctx context.Context, id string) (RefillAnswer, error) {
	var ans RefillAnswer
	err := c.do(ctx, "void refill "+id, http.MethodPost, c.refillPath(id)+"/void", nil, &ans)
	return ans, err
}

// Account is the balance inquiry (an inspection).
func (c *DataCenterClient) Account(ctx context.Context) (AccountBalance, error) {
	var bal AccountBalance
	err := c.do(ctx, "balance inquiry", http.MethodGet, "/v1/meters/"+url.PathEscape(c.Serial)+"/account", nil, &bal)
	return bal, err
}

// UploadPostalInfo sends registers and the audit head (an inspection).
func (c *DataCenterClient) UploadPostalInfo(ctx context.Context, info PostalInfo) (PostalInfoReceipt, error) {
	var rec PostalInfoReceipt
	err := c.do(ctx, "upload postal information", http.MethodPost, "/v1/meters/"+url.PathEscape(c.Serial)+"/postal-info", info, &rec)
	return rec, err
}

func (c *DataCenterClient) do(ctx context.Context, op, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s: encode: %w", op, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ts := now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSerial, c.Serial)
	req.Header.Set(HeaderTimestamp, fmt.Sprint(ts.Unix()))
	req.Header.Set(HeaderSignature, "") // replaced by Ed25519 signing
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &ConnectionError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &ConnectionError{Op: op, Err: fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return &ConnectionError{Op: op, Err: fmt.Errorf("server answered %s", resp.Status)}
	}
	if resp.StatusCode >= 300 {
		var eb ErrorBody
		if jsonErr := json.Unmarshal(data, &eb); jsonErr != nil || eb.Error.Code == "" {
			return &APIError{Op: op, Status: resp.StatusCode, Code: "unknown", Message: strings.TrimSpace(string(data))}
		}
		return &APIError{Op: op, Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A 2xx we cannot read is no definite answer: retrying with the same id is safe.
		return &ConnectionError{Op: op, Err: fmt.Errorf("unreadable answer: %w", err)}
	}
	return nil
}
