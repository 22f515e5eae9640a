package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/console"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store/sqlstore"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "scimd serve [flags]", stderr)
	cf := addConfigFlags(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, pos)
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	return serve(ctx, cfg, ln, log, stdout, nil)
}

// serve runs the server on ln until ctx is cancelled, then drains in-flight
// requests for up to cfg.ShutdownGrace. ready, if not nil, is closed once
// the server accepts requests.
func serve(ctx context.Context, cfg Config, ln net.Listener, log *slog.Logger, stdout io.Writer, ready chan<- struct{}) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.Close()
	dir := directory.New(st)
	org, created, err := dir.EnsureOrg(ctx, cfg.DefaultOrg)
	if err != nil {
		ln.Close()
		return fmt.Errorf("ensuring organization %q: %w", cfg.DefaultOrg, err)
	}
	if created {
		tok, _, err := dir.CreateToken(ctx, org.ID, "bootstrap")
		if err != nil {
			ln.Close()
			return err
		}
		// Printed once, on the first start only; never logged.
		fmt.Fprintf(stdout, "bootstrap token for organization %q (shown once, store it now): %s\n", org.Name, tok)
	}
	if err := applyOrgPolicies(ctx, dir, cfg.Orgs, log); err != nil {
		ln.Close()
		return err
	}
	if err := applySchemas(ctx, st, cfg.Schemas, log); err != nil {
		ln.Close()
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(st.DB(), "scimd"))
	if st.ReadDB() != st.DB() { // SQLite: a separate pool of readers
		reg.MustRegister(collectors.NewDBStatsCollector(st.ReadDB(), "scimd_read"))
	}
	metrics := obs.NewMetrics(reg)
	syncEng, err := newSyncEngine(cfg, dir, log, reg)
	if err != nil {
		ln.Close()
		return err
	}
	stopSync, err := startSyncScheduler(ctx, cfg, dir, syncEng, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopSync()
	stopWebhooks, err := startWebhooks(ctx, cfg, st, log, reg)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopWebhooks()

	syncCtl := syncControl(ctx, cfg, syncEng)

	scimSrv := scim.New(scim.Config{
		PublicURL:    cfg.PublicURL,
		MaxResults:   cfg.MaxResults,
		MaxBodyBytes: cfg.MaxBodyBytes,
		RateLimit:    cfg.RateLimit,
		RateBurst:    cfg.RateBurst,

		BulkMaxOperations:   cfg.BulkMaxOperations,
		BulkMaxPayloadBytes: cfg.BulkMaxPayloadBytes,

		// Replicas must share the secret to accept each other's cursors.
		CursorSecret:  []byte(cfg.CursorSecret),
		CursorTimeout: cfg.CursorTimeout,
	}, dir, log)
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", scimSrv.Handler())
	mux.Handle("/scim/v2", scimSrv.Handler())
	mux.Handle(api.BasePath+"/", api.New(api.Config{Directory: dir, Sync: syncCtl, Webhooks: st, Logger: log}).Handler())
	mux.Handle(console.BasePath+"/", console.New(console.Config{Directory: dir, Sync: syncCtl, Webhooks: st, DefaultOrg: cfg.DefaultOrg, Log: log}).Handler())
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(pctx); err != nil {
			obs.Logger(r.Context(), log).Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unreachable")
			return
		}
		fmt.Fprintln(w, "ok")
	})

	srv := &http.Server{
		Handler:           obs.Middleware(mux, log, metrics),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		close(ready)
	}
	log.Info("scimd listening", "addr", ln.Addr().String(), "scim_base", "/scim/v2", "version", version)

	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "grace", cfg.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func openStore(ctx context.Context, cfg Config) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrating database: %w", err)
	}
	return st, nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
