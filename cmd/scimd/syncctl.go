package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// The admin API's hold on directory sync (api.SyncControl): the sources
// configured for each organization, run and decided with the sync engine.

// syncControl implements api.SyncControl over the configuration's
// sources.
type syncControl struct {
	base    context.Context // serve's: a run ends when the server stops, not when its client leaves
	sources []SourceConfig
	dir     *directory.Service
	eng     *ldapsync.Engine
	log     *slog.Logger
}

var _ api.SyncControl = (*syncControl)(nil)

// newSyncControl returns the admin API's sync control, or nil when no
// source is configured. Its engine registers no metrics (the scheduler's
// engine does).
func newSyncControl(ctx context.Context, cfg Config, dir *directory.Service, log *slog.Logger) (api.SyncControl, error) {
	if len(cfg.Sources) == 0 {
		return nil, nil
	}
	eng, err := ldapsync.NewEngine(ldapsync.EngineConfig{Directory: dir, Logger: log,
		Lock: syncLocker(cfg.DatabaseURL, dir.Store())})
	if err != nil {
		return nil, err
	}
	return &syncControl{base: ctx, sources: cfg.Sources, dir: dir, eng: eng, log: log}, nil
}

// orgSources returns the organization and its configured sources (an
// organization without sources: no error, none).
func (c *syncControl) orgSources(ctx context.Context, orgID string) (store.Org, []SourceConfig, error) {
	var org store.Org
	var out []SourceConfig
	ids := map[string]string{} // org name -> id
	for _, s := range c.sources {
		id, ok := ids[s.Org]
		if !ok {
			o, err := c.dir.Store().OrgByName(ctx, s.Org)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return org, nil, err
			default:
				id = o.ID
				if o.ID == orgID {
					org = o
				}
			}
			ids[s.Org] = id
		}
		if id == orgID {
			out = append(out, s)
		}
	}
	return org, out, nil
}

// Sources lists the organization's configured sources.
func (c *syncControl) Sources(ctx context.Context, orgID string) ([]api.SyncSource, error) {
	_, srcs, err := c.orgSources(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]api.SyncSource, len(srcs))
	for i, s := range srcs {
		out[i] = api.SyncSource{Name: s.Name, Schedule: s.Schedule}
	}
	return out, nil
}

// runContext is ctx without its cancellation (a client that leaves does
// not cut a run short), cancelled when the server stops.
func (c *syncControl) runContext(ctx context.Context) (context.Context, func()) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(c.base, cancel)
	return rctx, func() { stop(); cancel() }
}

// Run runs one source now.
func (c *syncControl) Run(ctx context.Context, orgID, source string, dryRun bool, by string) (store.SyncRun, error) {
	org, srcs, err := c.orgSources(ctx, orgID)
	if err != nil {
		return store.SyncRun{}, err
	}
	for _, s := range srcs {
		if s.Name != source {
			continue
		}
		rctx, done := c.runContext(ctx)
		defer done()
		c.log.Info("directory sync run started from the admin API", "org", org.Name, "source", source, "dry_run", dryRun, "by", by)
		run, err := c.eng.Run(rctx, org, s.Source, ldapsync.Options{DryRun: dryRun, Trigger: "manual"})
		if errors.Is(err, ldapsync.ErrLocked) {
			return run, api.SyncConflict(fmt.Sprintf("source %q is running already; try again when its run has ended", source))
		}
		if run.ID == "" {
			return run, err
		}
		return run, nil // the run records why it failed
	}
	return store.SyncRun{}, api.SyncNotFound(fmt.Sprintf("no directory source %q is configured for this organization", source))
}

// Approve applies a held run's changes.
func (c *syncControl) Approve(ctx context.Context, orgID, runID, by string) (store.SyncRun, error) {
	return c.decide(ctx, orgID, runID, by, true)
}

// Reject drops a held run's changes.
func (c *syncControl) Reject(ctx context.Context, orgID, runID, by string) (store.SyncRun, error) {
	return c.decide(ctx, orgID, runID, by, false)
}

func (c *syncControl) decide(ctx context.Context, orgID, runID, by string, approve bool) (store.SyncRun, error) {
	org, err := c.org(ctx, orgID)
	if err != nil {
		return store.SyncRun{}, err
	}
	rctx, done := c.runContext(ctx)
	defer done()
	var run store.SyncRun
	if approve {
		run, err = c.eng.Approve(rctx, org, runID)
	} else {
		run, err = c.eng.Reject(rctx, org, runID)
	}
	switch {
	case errors.Is(err, ldapsync.ErrLocked):
		return run, api.SyncConflict("a run of the source is under way; decide once it has ended")
	case errors.Is(err, ldapsync.ErrNotHeld): // superseded runs included
		return run, api.SyncConflict(err.Error())
	case err != nil:
		return run, err
	}
	verb := "rejected"
	if approve {
		verb = "approved"
	}
	c.log.Info("held directory sync run "+verb+" from the admin API", "org", org.Name, "source", run.Source, "run", runID, "by", by)
	return run, nil
}

// org finds an organization by id: among the configured sources' first,
// else among all (a source removed from the configuration may have left
// held runs).
func (c *syncControl) org(ctx context.Context, orgID string) (store.Org, error) {
	org, _, err := c.orgSources(ctx, orgID)
	if err != nil || org.ID != "" {
		return org, err
	}
	orgs, err := c.dir.Store().Orgs(ctx)
	if err != nil {
		return store.Org{}, err
	}
	for _, o := range orgs {
		if o.ID == orgID {
			return o, nil
		}
	}
	return store.Org{}, api.SyncNotFound("no such organization")
}
