package datacenter

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"postmeter/funds"
)

// Options configures NewServer.
type Options struct {
	// Now is the server's clock, against which request timestamps are checked; time.Now if nil.
	Now func() time.Time
	// Logger receives one line per request; slog.Default() if nil.
	Logger *slog.Logger
}

// Server is the Data Center's HTTP API (funds/protocol.go) over a Store. It is an http.Handler.
type Server struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
	mux   *http.ServeMux
}

// NewServer returns the HTTP API over store.
func NewServer(store Store, opts Options) *Server {
	s := &Server{store: store, now: opts.Now, log: opts.Logger, mux: http.NewServeMux()}
	if s.now == nil {
		s.now = time.Now
	}
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
		{http.MethodGet, "/v1/meters/{serial}/account", s.balance},
		{http.MethodPost, "/v1/meters/{serial}/postal-info", s.postalInfo},
	}
	allowed := map[string]string{}
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.path, s.authenticated(jsonOnly(rt.h)))
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

// ServeHTTP serves one request and logs one line: method, path, status, duration.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
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
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "duration", time.Since(start)}
		if rec.code != "" {
			attrs = append(attrs, "code", rec.code)
		}
		s.log.Info("request", attrs...)
	}()
	s.route(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	code   string // the error code, when an error was written
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// meterHandler handles an authenticated request of meter serial with its (already read) body. It returns
// the value to send with 200, or an error mapped by toAPIError.
type meterHandler func(ctx context.Context, serial string, r *http.Request, body []byte) (any, error)

func (s *Server) reserve(ctx context.Context, serial string, r *http.Request, body []byte) (any, error) {
	id := r.PathValue("id")
	if err := ValidateRefillID(id); err != nil {
		return nil, err
	}
	var req funds.ReserveRequest
	if err := decodeJSON(body, &req, `{"amount_mills":125000,"registers":{"available_mills":0,"used_mills":0,"control_mills":0,"pieces":0}}`); err != nil {
		return nil, err
	}
	if err := validateRefillAmount(funds.Amount(req.AmountMills)); err != nil {
		return nil, err
	}
	return s.store.Reserve(ctx, serial, id, funds.Amount(req.AmountMills), req.Registers)
}

func (s *Server) getRefill(ctx context.Context, serial string, r *http.Request, _ []byte) (any, error) {
	return s.store.Refill(ctx, serial, r.PathValue("id"))
}

// post and void take no parameters: a body, if any, was signed and is ignored.
func (s *Server) post(ctx context.Context, serial string, r *http.Request, _ []byte) (any, error) {
	return s.store.Post(ctx, serial, r.PathValue("id"))
}

func (s *Server) void(ctx context.Context, serial string, r *http.Request, _ []byte) (any, error) {
	return s.store.Void(ctx, serial, r.PathValue("id"))
}

func (s *Server) balance(ctx context.Context, serial string, _ *http.Request, _ []byte) (any, error) {
	return s.store.Balance(ctx, serial)
}

func (s *Server) postalInfo(ctx context.Context, serial string, _ *http.Request, body []byte) (any, error) {
	var info funds.PostalInfo
	if err := decodeJSON(body, &info, `{"registers":{"available_mills":0,"used_mills":0,"control_mills":0,"pieces":0},"audit_head":"<hex sha-256>","audit_seq":0}`); err != nil {
		return nil, err
	}
	return s.store.UploadPostalInfo(ctx, serial, info)
}
