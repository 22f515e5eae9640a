// Package obs is scimd's HTTP observability: a request id on every request
// (and every log line about it), structured access logs, Prometheus metrics
// by route and status, and panic recovery. It knows nothing of SCIM; the
// handlers name their route with SetRoute and log through Logger.
package obs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const (
	keyInfo ctxKey = iota
)

// info is the per-request record the middleware shares with handlers.
type info struct {
	id    string
	route string
	org   string
	log   *slog.Logger
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	if i, ok := ctx.Value(keyInfo).(*info); ok {
		return i.id
	}
	return ""
}

// Logger returns the logger for a request, carrying its request id.
func Logger(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if i, ok := ctx.Value(keyInfo).(*info); ok && i.log != nil {
		return i.log
	}
	return fallback
}

// SetRoute names the route that serves the request (a low-cardinality
// label such as "/Users/{id}").
func SetRoute(ctx context.Context, route string) {
	if i, ok := ctx.Value(keyInfo).(*info); ok {
		i.route = route
	}
}

// SetOrg records the authenticated organization for the access log.
func SetOrg(ctx context.Context, org string) {
	if i, ok := ctx.Value(keyInfo).(*info); ok {
		i.org = org
		i.log = i.log.With("org", org)
	}
}

// Metrics are the HTTP metrics; register them once per registry.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics creates the HTTP metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scimd_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scimd_http_request_duration_seconds",
			Help:    "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Middleware wraps next with request ids (X-Request-Id, taken from the
// client when it is a sane token, else generated), an access log line per
// request and metrics.
func Middleware(next http.Handler, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !saneID(id) {
			id = newID()
		}
		i := &info{id: id, route: "unmatched", log: log.With("request_id", id)}
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), keyInfo, i)))
		d := time.Since(start)
		if m != nil {
			m.requests.WithLabelValues(i.route, r.Method, strconv.Itoa(rec.code)).Inc()
			m.latency.WithLabelValues(i.route, r.Method).Observe(d.Seconds())
		}
		i.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", i.route), slog.Int("status", rec.code),
			slog.Int64("bytes", rec.bytes), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.String("user_agent", r.UserAgent()))
	})
}

func saneID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return false
		}
	}
	return true
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type recorder struct {
	http.ResponseWriter
	code    int
	bytes   int64
	written bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.code, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.written = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
