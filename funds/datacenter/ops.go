package datacenter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"postmeter/funds"
)

// Operations, as people who run HTTP services expect them: GET /healthz (the process is up), GET
// /readyz (the database answers and its schema is this program's), GET /metrics (Prometheus), and a
// request id on every request and its log line. These answers are neither JSON nor signed: they are for
// the operators' probes and scrapers, not for meters.

// HeaderRequestID carries a request's id: a caller's own (a load balancer's) if it is sane, else one the
// Data Center makes; it is sent back and is in the request's log line.
const HeaderRequestID = "X-Request-Id"

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID is the request's id: the caller's if sane, else 16 random hex digits.
func requestID(r *http.Request) string {
	if id := r.Header.Get(HeaderRequestID); saneRequestID.MatchString(id) {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pinger is a Store that can say whether its database is ready (PostgresStore, SQLiteStore).
type pinger interface {
	Ping(ctx context.Context) error
}

// retrier is a Store that retries transactions (PostgresStore).
type retrier interface {
	Retries() int64
}

// grouper is a Store that commits concurrent requests in groups (PostgresStore).
type grouper interface {
	GroupStats() (groups, members, fellBack int64)
}

// metrics are the Server's Prometheus collectors, in a registry of its own.
type metrics struct {
	reg      *prometheus.Registry
	refills  *prometheus.CounterVec   // by outcome: reserved, declined, posted, voided, refused
	declines *prometheus.CounterVec   // by decline code
	latency  *prometheus.HistogramVec // by route and status
}

func newMetrics(store Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		refills: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "datacenter_refill_requests_total",
			Help: "Refill requests (reserve, post, void) by outcome: the refill's state, or refused.",
		}, []string{"op", "outcome"}),
		declines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "datacenter_refill_declines_total",
			Help: "Reserves declined, by decline code.",
		}, []string{"code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "datacenter_request_duration_seconds",
			Help:    "Time to answer a request, by route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "status"}),
	}
	m.reg.MustRegister(m.refills, m.declines, m.latency)
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "datacenter_suspect_meters",
		Help: "Meters marked suspect (refills refused until an administrator clears them); -1 if the database did not answer.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sus, err := store.Suspects(ctx)
		if err != nil {
			return -1
		}
		return float64(len(sus))
	}))
	if r, ok := store.(retrier); ok {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "datacenter_store_retries_total",
			Help: "Store transactions run again after a serialization failure, a deadlock or a racing insert.",
		}, func() float64 { return float64(r.Retries()) }))
	}
	if g, ok := store.(grouper); ok {
		stat := func(pick func(groups, members, fellBack int64) int64) func() float64 {
			return func() float64 { return float64(pick(g.GroupStats())) }
		}
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "datacenter_store_groups_total",
			Help: "Transactions that committed several meters' requests at once (group commit).",
		}, stat(func(g, _, _ int64) int64 { return g })))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "datacenter_store_grouped_requests_total",
			Help: "Requests committed in those groups.",
		}, stat(func(_, m, _ int64) int64 { return m })))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "datacenter_store_group_fallbacks_total",
			Help: "Requests run again alone after their group was rolled back (a request refused, two of one account, a statement refused).",
		}, stat(func(_, _, f int64) int64 { return f })))
	}
	return m
}

// countRefill counts a refill request's outcome.
func (m *metrics) countRefill(op string, ans funds.RefillAnswer, err error) {
	if err != nil {
		m.refills.WithLabelValues(op, "refused").Inc()
		return
	}
	m.refills.WithLabelValues(op, ans.State).Inc()
	if ans.Decline != nil && op == "reserve" {
		m.declines.WithLabelValues(ans.Decline.Code).Inc()
	}
}

// observe records a request's latency under its route pattern (not its path: serials and ids would
// make a series each).
func (m *metrics) observe(r *http.Request, status int, d time.Duration) {
	route := r.Pattern
	if route == "" {
		route = "other"
	}
	m.latency.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}

// opsRoutes are the operators' endpoints ops serves.
var opsRoutes = []string{"GET /healthz", "GET /readyz", "GET /metrics"}

// Routes lists every endpoint the server serves as "METHOD /pattern" (docs/datacenter-openapi.json
// must describe each: TestOpenAPIDescribesEveryRoute).
func (s *Server) Routes() []string {
	return append(append([]string{}, s.routes...), opsRoutes...)
}

// ops serves /healthz, /readyz and /metrics, or returns false for any other request.
func (s *Server) ops(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	case "/readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		p, ok := s.store.(pinger)
		if !ok {
			_, _ = w.Write([]byte("ok\n"))
			return true
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: the database does not answer or its schema is not this program's\n"))
			return true
		}
		_, _ = w.Write([]byte("ok\n"))
	case "/metrics":
		promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	default:
		return false
	}
	return true
}

// Ping implements pinger for the SQLite store: the file answers and its schema is this program's.
func (s *SQLiteStore) Ping(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v != schemaVersion {
		return fmt.Errorf("database schema version %d, this program's %d", v, schemaVersion)
	}
	return nil
}
