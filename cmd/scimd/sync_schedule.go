package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// Directory sync inside "scimd serve": one engine, which runs the
// schedules (one cron entry per source with a schedule) and, through
// ldapsync.Control, the admin API's and the console's runs and
// decisions. Runs of one source never overlap: the job is skipped while
// its previous run is still going, and the engine's lock keeps other
// runs, replicas and "scimd sync" commands out; a scheduled run that
// finds the lock taken is skipped and logged.

// syncStopGrace bounds how long shutdown waits for cancelled runs to
// record their end.
const syncStopGrace = 30 * time.Second

// newSyncEngine returns serve's one sync engine, shared by the schedules
// and the admin API's and console's control (so that every run is in the
// metrics, registered on reg), or nil when no source is configured.
func newSyncEngine(cfg Config, dir *directory.Service, log *slog.Logger, reg prometheus.Registerer) (*ldapsync.Engine, error) {
	if len(cfg.Sources) == 0 {
		return nil, nil
	}
	return ldapsync.NewEngine(ldapsync.EngineConfig{Directory: dir, Logger: log, Registerer: reg,
		Lock: syncLocker(cfg.DatabaseURL, dir.Store())})
}

// syncControl returns the admin API's and the console's control of the
// configured sources over eng, cancelling its runs when ctx ends; nil
// (no sync) when eng is.
func syncControl(ctx context.Context, cfg Config, eng *ldapsync.Engine) api.SyncControl {
	if eng == nil {
		return nil
	}
	srcs := make([]ldapsync.OrgSource, len(cfg.Sources))
	for i, s := range cfg.Sources {
		srcs[i] = ldapsync.OrgSource{Org: s.Org, Source: s.Source}
	}
	return ldapsync.NewControl(ctx, eng, srcs)
}

// startSyncScheduler starts the schedules of cfg.Sources on eng (nil when
// no source is configured) and returns the function that stops them
// (cancelling runs under way and waiting for them to be recorded). Every
// source's organization must exist.
func startSyncScheduler(ctx context.Context, cfg Config, dir *directory.Service, eng *ldapsync.Engine,
	log *slog.Logger) (stop func(), err error) {
	if len(cfg.Sources) == 0 {
		return func() {}, nil
	}
	warnInsecure(log, cfg.Sources)
	jobs, err := syncJobs(ctx, cfg.Sources, dir, eng, log)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cronLogger{log})))
	for _, j := range jobs {
		if _, err := c.AddFunc(j.src.Schedule, func() { j.run(rctx) }); err != nil {
			cancel()
			return nil, fmt.Errorf("source %s/%s: schedule %q: %w", j.org.Name, j.src.Name, j.src.Schedule, err)
		}
		log.Info("directory sync scheduled", "org", j.org.Name, "source", j.src.Name, "schedule", j.src.Schedule)
	}
	c.Start()
	return func() {
		cancel()
		done := c.Stop()
		select {
		case <-done.Done():
		case <-time.After(syncStopGrace):
			log.Warn("directory sync runs still recording their end at shutdown")
		}
	}, nil
}

// syncJob is one scheduled source.
type syncJob struct {
	org store.Org
	src ldapsync.Source
	eng *ldapsync.Engine
	log *slog.Logger
}

// syncJobs resolves the organizations of the scheduled sources.
func syncJobs(ctx context.Context, sources []SourceConfig, dir *directory.Service, eng *ldapsync.Engine, log *slog.Logger) ([]syncJob, error) {
	var jobs []syncJob
	var missing []string
	for _, s := range sources {
		if s.Schedule == "" {
			continue
		}
		org, err := dir.Store().OrgByName(ctx, s.Org)
		if errors.Is(err, store.ErrNotFound) {
			missing = append(missing, fmt.Sprintf("%s (source %s)", s.Org, s.Name))
			continue
		}
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, syncJob{org: org, src: s.Source, eng: eng, log: log.With("org", org.Name, "source", s.Name)})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("directory sync: no organization %s (create it with scimd org create)", strings.Join(missing, ", "))
	}
	return jobs, nil
}

// run runs the source once, as the schedule does.
func (j syncJob) run(ctx context.Context) {
	_, err := j.eng.Run(ctx, j.org, j.src, ldapsync.Options{Trigger: "schedule"})
	switch {
	case errors.Is(err, ldapsync.ErrLocked):
		j.log.Info("scheduled directory sync skipped: another run of the source holds its lock")
	case err != nil:
		// The engine logged the run's outcome; this says the schedule goes on.
		j.log.Debug("scheduled directory sync did not succeed", "err", err)
	}
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
