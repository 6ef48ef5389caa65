package datacenter

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"postmeter/funds"
)

// Options configures NewServer.
type Options struct {
	// Now is the server's clock, against which request timestamps are checked; time.Now if nil.
	Now func() time.Time
	// Logger receives one line per request; slog.Default() if nil.
	Logger *slog.Logger
	// Key signs every answer (required): meters believe only answers signed by the key they pinned.
	Key ed25519.PrivateKey
	// MaxInFlight bounds the meters' requests handled at once (DefaultMaxInFlight if zero); the others
	// wait their turn, parked, before any work is done for them.
	MaxInFlight int
}

// DefaultMaxInFlight is Options.MaxInFlight's default, per CPU. Both stores commit the requests that
// arrive together as one group (sqlite_group.go, postgres_group.go), so the bound is also how large a
// group can grow: at 4 per CPU the PostgreSQL store's groups held three requests and its fleet did a third
// of what it does at 32; at 64 its two groups in progress always have the next requests ready, and the
// fleet did 2,019–2,101 refills/s against 1,802–1,836 at 32 (issue 15, README's Performance). The bound
// still matters: with a thousand requests verifying signatures at once, a request whose answer from the
// database has arrived waits behind all of them in Go's run queue, and its whole group with it; the
// requests over the bound wait parked, which costs nothing.
const DefaultMaxInFlight = 64

// Server is the Data Center's HTTP API (funds/protocol.go) over a Store. It is an http.Handler.
type Server struct {
	key   ed25519.PrivateKey
	store Store
	now   func() time.Time
	log   *slog.Logger
	mux   *http.ServeMux

	metrics *metrics // ops.go
	routes  []string // "METHOD /pattern" of every endpoint, for Routes

	// keys are the meters' enrolled keys as last read from the store (serial → ed25519.PublicKey), so a
	// request needs no read of its own for its key. Nothing depends on them being current: a request
	// verified with a key the store no longer has is refused in its transaction (Request.Key), and a
	// signature that fails with a kept key is checked again with the store's.
	keys sync.Map

	inFlight chan struct{} // one slot per meter request being handled (Options.MaxInFlight)
}

// NewServer returns the HTTP API over store.
func NewServer(store Store, opts Options) *Server {
	if len(opts.Key) != ed25519.PrivateKeySize {
		panic("datacenter.NewServer: Options.Key must be the Data Center's Ed25519 key")
	}
	s := &Server{key: opts.Key, store: store, now: opts.Now, log: opts.Logger, mux: http.NewServeMux(),
		metrics: newMetrics(store)}
	if s.now == nil {
		s.now = time.Now
	}
	n := opts.MaxInFlight
	if n <= 0 {
		n = DefaultMaxInFlight * runtime.GOMAXPROCS(0)
	}
	s.inFlight = make(chan struct{}, n)
	if s.log == nil {
		s.log = slog.Default()
	}
	routes := []struct {
		method, path string
		h            meterHandler
	}{
		{http.MethodPut, "/v1/meters/{serial}/refills/{id}", s.reserve},
		{http.MethodGet, "/v1/meters/{serial}/refills/{id}", s.getRefill},
		{http.MethodPost, "/v1/meters/{serial}/refills/{id}/post", s.post},
		{http.MethodPost, "/v1/meters/{serial}/refills/{id}/void", s.void},
		{http.MethodPost, "/v1/meters/{serial}/account", s.balance},
		{http.MethodPost, "/v1/meters/{serial}/postal-info", s.postalInfo},
		{http.MethodGet, "/v1/meters/{serial}/rates", s.rates},
	}
	s.mux.HandleFunc("POST /v1/meters/{serial}/enroll", s.enroll)
	s.routes = append(s.routes, "POST /v1/meters/{serial}/enroll")
	allowed := map[string]string{"/v1/meters/{serial}/enroll": http.MethodPost}
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.path, s.authenticated(jsonOnly(rt.h)))
		s.routes = append(s.routes, rt.method+" "+rt.path)
		if allowed[rt.path] != "" {
			allowed[rt.path] += ", "
		}
		allowed[rt.path] += rt.method
	}
	for path, allow := range allowed {
		s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, s.log, &apiError{http.StatusMethodNotAllowed, funds.CodeBadRequest,
				"method " + r.Method + " is not allowed here; use " + allow})
		})
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, s.log, &apiError{http.StatusNotFound, funds.CodeBadRequest,
			"no such endpoint " + r.URL.Path + "; the API is under /v1/meters/{serial}/"})
	})
	return s
}

// ServeHTTP serves one request and logs one line: request id, method, path, status, duration. The
// operators' endpoints (/healthz, /readyz, /metrics) are served apart (ops.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.ops(w, r) {
		return
	}
	start := time.Now()
	reqID := requestID(r)
	w.Header().Set(HeaderRequestID, reqID)
	rec := &statusRecorder{ResponseWriter: w}
	defer rec.flush(s.key, r)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p,
				"stack", string(debug.Stack()))
			if rec.status == 0 {
				writeError(rec, s.log, &apiError{http.StatusInternalServerError, funds.CodeInternal,
					"internal error at the Data Center; try again later with the same refill id"})
			}
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		took := time.Since(start)
		s.metrics.observe(r, status, took)
		attrs := []any{"request_id", reqID, "method", r.Method, "path", r.URL.Path, "status", status, "duration", took}
		if rec.code != "" {
			attrs = append(attrs, "code", rec.code)
		}
		s.log.Info("request", attrs...)
	}()
	s.route(rec, r)
}

// statusRecorder keeps the answer until the handler is done, so that it can be signed as a whole:
// the signature covers the meter's serial, the request's nonce, the status and the body.
type statusRecorder struct {
	http.ResponseWriter
	status int
	code   string // the error code, when an error was written
	body   bytes.Buffer
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// flush signs and sends the kept answer.
func (r *statusRecorder) flush(key ed25519.PrivateKey, req *http.Request) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	msg := funds.AnswerMessage(req.Header.Get(funds.HeaderSerial), req.Header.Get(funds.HeaderNonce), r.status, r.body.Bytes())
	r.ResponseWriter.Header().Set(funds.HeaderAnswerSig, hex.EncodeToString(funds.SignEd25519(key, msg)))
	r.ResponseWriter.WriteHeader(r.status)
	_, _ = r.ResponseWriter.Write(r.body.Bytes())
}

// public is the Data Center's public key, which meters pin.
func (s *Server) public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

func (s *Server) reserve(ctx context.Context, req meterRequest) (any, error) {
	id := req.r.PathValue("id")
	if err := ValidateRefillID(id); err != nil {
		return nil, err
	}
	var body funds.ReserveRequest
	if err := decodeJSON(req.body, &body, `{"amount_mills":125000,"report":`+reportExample+`}`); err != nil {
		return nil, err
	}
	if err := validateRefillAmount(funds.Amount(body.AmountMills)); err != nil {
		return nil, err
	}
	ans, err := s.store.Reserve(ctx, req.Request, id, funds.Amount(body.AmountMills), body.Report)
	s.metrics.countRefill("reserve", ans, err)
	return s.stamp(req.Serial, ans), err
}

const reportExample = `{"registers":{"available_mills":0,"used_mills":0,"control_mills":0,"pieces":0},"audit_seq":1,"audit_head":"<64 hex digits>"}`

// stamp puts the meter's serial and the Data Center's time in a refill answer before it is signed.
func (s *Server) stamp(serial string, ans funds.RefillAnswer) funds.RefillAnswer {
	ans.Serial, ans.Time = serial, s.now().UTC()
	return ans
}

func (s *Server) getRefill(ctx context.Context, req meterRequest) (any, error) {
	ans, err := s.store.Refill(ctx, req.Request, req.r.PathValue("id"))
	return s.stamp(req.Serial, ans), err
}

// post and void take no parameters: a body, if any, was signed and is ignored.
func (s *Server) post(ctx context.Context, req meterRequest) (any, error) {
	ans, err := s.store.Post(ctx, req.Request, req.r.PathValue("id"))
	s.metrics.countRefill("post", ans, err)
	return s.stamp(req.Serial, ans), err
}

func (s *Server) void(ctx context.Context, req meterRequest) (any, error) {
	ans, err := s.store.Void(ctx, req.Request, req.r.PathValue("id"))
	s.metrics.countRefill("void", ans, err)
	return s.stamp(req.Serial, ans), err
}

func (s *Server) balance(ctx context.Context, req meterRequest) (any, error) {
	var rep funds.Report
	if err := decodeJSON(req.body, &rep, reportExample); err != nil {
		return nil, err
	}
	bal, err := s.store.Balance(ctx, req.Request, rep)
	bal.Serial, bal.Time = req.Serial, s.now().UTC()
	return bal, err
}

func (s *Server) postalInfo(ctx context.Context, req meterRequest) (any, error) {
	var info funds.PostalInfo
	if err := decodeJSON(req.body, &info, reportExample); err != nil {
		return nil, err
	}
	rec, err := s.store.UploadPostalInfo(ctx, req.Request, info)
	rec.Serial = req.Serial
	return rec, err
}
