package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/store"
)

// Config configures a Worker. Zero values take the defaults.
type Config struct {
	Store      Store // required
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: no metrics registered
	// Issuer is the iss claim of SETs: scimd's public URL (default "scimd").
	Issuer string

	// PollInterval is how often the worker looks for new events (default
	// 5s); a due retry wakes it earlier.
	PollInterval time.Duration
	// Timeout bounds one delivery request, answer included (default 10s).
	Timeout time.Duration
	// Lease is how long a claim on a webhook lasts without renewal (every
	// attempt renews it); it must exceed twice Timeout, so that a lease
	// never runs out under a request in flight. Default 1m.
	Lease time.Duration
	// BackoffBase is the delay after the first failed attempt (default
	// 5s); each further failure doubles it, up to BackoffMax (default 1h).
	// Each delay is drawn between half and all of that (jitter).
	BackoffBase, BackoffMax time.Duration
	// Concurrency is how many webhooks are delivered at once (default 4);
	// one webhook is always delivered one event at a time.
	Concurrency int
	// Batch is how many events one claim reads at a time (default 100,
	// at most 1000).
	Batch int

	// Client sends the requests (default: a client that follows no
	// redirects: a 3xx answer is a failure).
	Client *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Owner names this worker in leases (default host-pid-random).
	Owner string
}

// Worker delivers every organization's webhooks. Several workers, in one
// process or in replicas sharing a PostgreSQL database, share the work:
// a lease in the webhook's row lets one deliver a webhook at a time.
type Worker struct {
	cfg  Config
	log  *slog.Logger
	m    *metrics
	wake chan struct{}

	mu   sync.Mutex
	busy map[string]bool // org/id being delivered by this worker
	wg   sync.WaitGroup
}

// New checks cfg, reporting every problem, and returns a Worker.
func New(cfg Config) (*Worker, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.PollInterval, 5*time.Second)
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.Lease, time.Minute)
	def(&cfg.BackoffBase, 5*time.Second)
	def(&cfg.BackoffMax, time.Hour)
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4
	}
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}
	// The store returns at most 1000 events a query; a larger batch would
	// look like a last, short page.
	cfg.Batch = min(cfg.Batch, 1000)
	if cfg.Issuer == "" {
		cfg.Issuer = "scimd"
	}
	var errs []error
	if cfg.Store == nil {
		errs = append(errs, errors.New("webhooks: a store is required"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"poll interval", cfg.PollInterval}, {"timeout", cfg.Timeout}, {"lease", cfg.Lease},
		{"backoff base", cfg.BackoffBase}, {"backoff maximum", cfg.BackoffMax}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("webhooks: %s %v is negative", d.name, d.v))
		}
	}
	if cfg.Lease <= 2*cfg.Timeout {
		errs = append(errs, fmt.Errorf("webhooks: lease %v must exceed twice the timeout %v", cfg.Lease, cfg.Timeout))
	}
	if cfg.BackoffMax < cfg.BackoffBase {
		errs = append(errs, fmt.Errorf("webhooks: backoff maximum %v is below the base %v", cfg.BackoffMax, cfg.BackoffBase))
	}
	if cfg.Concurrency < 0 || cfg.Batch < 0 {
		errs = append(errs, errors.New("webhooks: concurrency and batch must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Owner == "" {
		cfg.Owner = defaultOwner()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Worker{cfg: cfg, log: log.With("component", "webhooks"), m: m,
		wake: make(chan struct{}, 1), busy: map[string]bool{}}, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Wake makes the worker poll now instead of at its next tick.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled, then waits for the deliveries in
// flight to end (a request cut short is not counted as an attempt: its
// event is sent again later) and returns.
func (w *Worker) Run(ctx context.Context) error {
	defer w.wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-w.wake:
		}
		d := w.cfg.PollInterval
		if next := w.poll(ctx); !next.IsZero() {
			d = min(d, max(next.Sub(w.cfg.Now()), time.Millisecond))
		}
		timer.Reset(d)
	}
}

// poll starts a delivery for every enabled webhook with events after its
// cursor that is due and free, and returns the earliest time a webhook it
// skipped becomes due (zero when none).
func (w *Worker) poll(ctx context.Context) time.Time {
	hooks, err := w.cfg.Store.EnabledWebhooks(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("listing webhooks", "err", err)
		}
		return time.Time{}
	}
	w.m.backlog.Reset()
	w.m.lastOK.Reset()
	now := w.cfg.Now()
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, h := range hooks {
		w.m.backlog.WithLabelValues(h.OrgID, h.ID).Set(float64(max(h.LatestSeq-h.State.Cursor, 0)))
		if h.State.LastSuccess != nil {
			w.m.lastOK.WithLabelValues(h.OrgID, h.ID).Set(float64(h.State.LastSuccess.UnixNano()) / 1e9)
		}
		switch {
		case h.LatestSeq <= h.State.Cursor:
		case h.State.NextAttempt.After(now):
			earliest(h.State.NextAttempt)
		case h.Lease.Owner != w.cfg.Owner && h.Lease.Until.After(now):
			earliest(h.Lease.Until)
		default:
			w.start(ctx, h)
		}
	}
	return next
}

// start delivers h on a goroutine unless this worker is delivering it
// already or is at its concurrency limit.
func (w *Worker) start(ctx context.Context, h store.Webhook) {
	key := h.OrgID + "/" + h.ID
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.busy[key] || len(w.busy) >= w.cfg.Concurrency {
		return
	}
	w.busy[key] = true
	w.wg.Go(func() {
		more := w.serve(ctx, h)
		w.mu.Lock()
		delete(w.busy, key)
		w.mu.Unlock()
		if more {
			w.Wake()
		}
	})
}
