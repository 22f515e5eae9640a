package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/scimd/scimd/store"
)

// Control is the admin API's and the console's hold on directory sync:
// the configured sources of every organization, run on demand and their
// held runs decided with one Engine (the scheduler's, so that every run
// is in its metrics). Package api and package console each declare the
// interface it implements (SyncControl).

// OrgSource is a configured source of the organization named Org.
type OrgSource struct {
	Org    string // the organization's name
	Source Source
}

// SourceInfo is a configured source as an admin sees it.
type SourceInfo struct {
	Name     string
	Schedule string // cron spec; "" when the source only runs on demand
}

// ErrUnknownSource is returned by Control for a source that is not
// configured for the organization, or an organization that does not
// exist.
var ErrUnknownSource = errors.New("unknown directory source or organization")

// controlErr is an error of Control with a text fit to show an admin;
// errors.Is matches its kind (ErrUnknownSource, ErrLocked).
type controlErr struct {
	kind error
	msg  string
}

func (e *controlErr) Error() string { return e.msg }
func (e *controlErr) Unwrap() error { return e.kind }

// Control runs the configured sources of an organization on demand and
// decides its held runs. Its errors have texts fit to show an admin:
// ErrUnknownSource for a source or organization it does not know;
// ErrLocked when another run of the source holds its lock; ErrNotHeld
// (ErrSuperseded included) for a run that cannot be decided. It is safe
// for concurrent use.
type Control struct {
	base    context.Context
	eng     *Engine
	st      store.Store
	sources []OrgSource
}

// NewControl returns the Control of sources over eng. A run or decision
// it starts does not end when its caller's context is cancelled (an admin
// who leaves the page does not cut a run short), only when base is (the
// server stops). It logs who ran or decided what with the engine's
// logger.
func NewControl(base context.Context, eng *Engine, sources []OrgSource) *Control {
	return &Control{base: base, eng: eng, st: eng.st, sources: slices.Clone(sources)}
}

// orgSources returns the organization of id (the zero Org when no
// configured source names it) and its configured sources.
func (c *Control) orgSources(ctx context.Context, orgID string) (store.Org, []Source, error) {
	var org store.Org
	var out []Source
	ids := map[string]string{} // org name -> id ("" when there is no such organization)
	for _, s := range c.sources {
		id, ok := ids[s.Org]
		if !ok {
			o, err := c.st.OrgByName(ctx, s.Org)
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
		if id != "" && id == orgID {
			out = append(out, s.Source)
		}
	}
	return org, out, nil
}

// Sources lists the organization's configured sources (none for an
// organization without any, or an unknown one).
func (c *Control) Sources(ctx context.Context, orgID string) ([]SourceInfo, error) {
	_, srcs, err := c.orgSources(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]SourceInfo, len(srcs))
	for i, s := range srcs {
		out[i] = SourceInfo{Name: s.Name, Schedule: s.Schedule}
	}
	return out, nil
}

// runContext is ctx without its cancellation (a caller that leaves does
// not cut a run or decision short), cancelled when base is.
func (c *Control) runContext(ctx context.Context) (context.Context, func()) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(c.base, cancel)
	return rctx, func() { stop(); cancel() }
}

// Run runs one source of the organization now, to its end (a dry run
// writes only its record and planned changes), with trigger "manual"; by
// names the admin, for the log. It returns the run as recorded even when
// the run failed (its Status and Error say why), with a nil error unless
// no run was recorded.
func (c *Control) Run(ctx context.Context, orgID, source string, dryRun bool, by string) (store.SyncRun, error) {
	ctx, done := c.runContext(ctx)
	defer done()
	org, srcs, err := c.orgSources(ctx, orgID)
	if err != nil {
		return store.SyncRun{}, err
	}
	i := slices.IndexFunc(srcs, func(s Source) bool { return s.Name == source })
	if i < 0 {
		return store.SyncRun{}, &controlErr{kind: ErrUnknownSource,
			msg: fmt.Sprintf("no directory source %q is configured for this organization", source)}
	}
	c.eng.log.Info("directory sync run started by an admin", "org", org.Name, "source", source, "dry_run", dryRun, "by", by)
	run, err := c.eng.Run(ctx, org, srcs[i], Options{DryRun: dryRun, Trigger: "manual"})
	switch {
	case errors.Is(err, ErrLocked):
		return run, &controlErr{kind: ErrLocked, msg: fmt.Sprintf("source %q is running already; try again when its run has ended", source)}
	case run.ID == "":
		return run, err
	}
	return run, nil // the run records why it failed
}

// Approve applies a held run's held changes (Engine.Approve); by names
// the admin, for the log.
func (c *Control) Approve(ctx context.Context, orgID, runID, by string) (store.SyncRun, error) {
	return c.decide(ctx, orgID, runID, by, true)
}

// Reject drops a held run's held changes (Engine.Reject); by names the
// admin, for the log.
func (c *Control) Reject(ctx context.Context, orgID, runID, by string) (store.SyncRun, error) {
	return c.decide(ctx, orgID, runID, by, false)
}

func (c *Control) decide(ctx context.Context, orgID, runID, by string, approve bool) (store.SyncRun, error) {
	ctx, done := c.runContext(ctx)
	defer done()
	org, err := c.org(ctx, orgID)
	if err != nil {
		return store.SyncRun{}, err
	}
	var run store.SyncRun
	if approve {
		run, err = c.eng.Approve(ctx, org, runID, by)
	} else {
		run, err = c.eng.Reject(ctx, org, runID, by)
	}
	if errors.Is(err, ErrLocked) {
		return run, &controlErr{kind: ErrLocked, msg: "a run of the source is under way; decide once it has ended"}
	}
	if err != nil {
		return run, err // ErrNotHeld's text says why
	}
	verb := "rejected"
	if approve {
		verb = "approved"
	}
	c.eng.log.Info("held directory sync run "+verb+" by an admin", "org", org.Name, "source", run.Source, "run", runID, "by", by)
	return run, nil
}

// org finds an organization by id: among the configured sources' first,
// else among all (a source removed from the configuration may have left
// held runs).
func (c *Control) org(ctx context.Context, orgID string) (store.Org, error) {
	org, _, err := c.orgSources(ctx, orgID)
	if err != nil || org.ID != "" {
		return org, err
	}
	o, err := c.st.Org(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Org{}, &controlErr{kind: ErrUnknownSource, msg: "no such organization"}
	}
	return o, err
}
