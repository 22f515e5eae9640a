package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// DefaultBatchSize is how many entries the engine looks up, and changes
// it records, at a time.
const DefaultBatchSize = 500

// ErrLocked is returned by Run, Approve and Reject when another run of the
// same source (in this process or another replica) holds its lock.
var ErrLocked = errors.New("another run of this source holds its lock")

// EngineConfig is what an Engine is built from.
type EngineConfig struct {
	Directory *directory.Service // every write goes through it
	Logger    *slog.Logger       // nil: discard
	// Registerer receives the engine's metrics (nil: not registered).
	Registerer prometheus.Registerer
	Now        func() time.Time // nil: time.Now
	BatchSize  int              // 0: DefaultBatchSize
	// Lock takes a source's lock without waiting (nil: the store's
	// TryLock). A caller can add to the store's lock, e.g. a file lock
	// that keeps two processes sharing one SQLite file apart.
	Lock func(ctx context.Context, key string) (unlock func(), ok bool, err error)
}

// Engine turns directory reads into scimd users and teams, safely: it
// deactivates and removes memberships only after a provably complete
// read, holds mass changes and scope changes for approval, records every
// change of every run, and never runs a source twice at once. It is safe
// for concurrent use; runs of different sources proceed in parallel.
type Engine struct {
	dir   *directory.Service
	st    store.Store
	log   *slog.Logger
	now   func() time.Time
	batch int
	m     *metrics
	lockf func(ctx context.Context, key string) (unlock func(), ok bool, err error)
}

// NewEngine returns an engine; it fails only when its metrics cannot be
// registered.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.Directory == nil {
		return nil, errors.New("ldapsync: an engine needs a directory service")
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	e := &Engine{dir: cfg.Directory, st: cfg.Directory.Store(), log: cfg.Logger, now: cfg.Now, batch: cfg.BatchSize, m: m,
		lockf: cfg.Lock}
	if e.lockf == nil {
		e.lockf = e.st.TryLock
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.batch <= 0 {
		e.batch = DefaultBatchSize
	}
	return e, nil
}

// Options tune one run.
type Options struct {
	// DryRun computes the exact plan and writes nothing but the run
	// record and its planned changes.
	DryRun bool
	// Trigger says who started the run: "schedule", "manual", ….
	Trigger string
	// Progress, if not nil, receives a progress line now and then
	// (terminal style: "\r" then the line).
	Progress io.Writer
}

// LockKey is the name of the lock a source's runs hold.
func LockKey(orgID, source string) string { return "ldapsync:" + orgID + ":" + source }

// Run syncs one source of an organization and returns the run's record.
//
// It holds the source's lock for the whole run (ErrLocked when another
// run has it). A bind or connection failure fails the run before anything
// is written. Creates, updates, reactivations and membership additions
// are applied as users and groups stream in; deactivations and membership
// removals only at the end, and only when the read of users and groups
// was provably complete (otherwise they are recorded as skipped and the
// run fails with the reason) and within the source's thresholds (otherwise
// they are recorded as held and the run is held until Approve or Reject).
// Deactivations and membership removals are held, or not, separately.
// When the scope fingerprint differs from that of the last successful
// run, the run is a dry run held for approval. The error is non-nil when
// the run failed (it wraps ErrIncomplete for an incomplete read); the
// record is returned whenever the run was recorded.
func (e *Engine) Run(ctx context.Context, org store.Org, src Source, opts Options) (store.SyncRun, error) {
	src.ApplyPreset()
	unlock, err := e.lock(ctx, org, src.Name)
	if err != nil {
		return store.SyncRun{}, err
	}
	defer unlock()
	r, err := e.newRun(ctx, org, src, opts)
	if err != nil {
		return store.SyncRun{}, err
	}
	r.execute(ctx)
	return r.finish(ctx)
}

// lock takes a source's lock.
func (e *Engine) lock(ctx context.Context, org store.Org, source string) (func(), error) {
	unlock, ok, err := e.lockf(ctx, LockKey(org.ID, source))
	if err != nil {
		return nil, fmt.Errorf("locking source %q: %w", source, err)
	}
	if !ok {
		return nil, fmt.Errorf("source %q of organization %q: %w", source, org.Name, ErrLocked)
	}
	return unlock, nil
}

// userType is the organization's User resource type: the core User with
// the enterprise extension and the organization's own extensions.
func (e *Engine) userType(ctx context.Context, orgID string) (*schema.ResourceType, error) {
	rt := schema.NewUserType()
	defs, err := e.st.OrgSchemas(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("reading the organization's schemas: %w", err)
	}
	var exts []schema.Extension
	for _, d := range defs {
		if d.Kind != store.KindUser {
			continue
		}
		ext, err := schema.ParseExtensionDefinition(d.Definition)
		if err != nil {
			return nil, fmt.Errorf("organization schema %q: %w", d.URN, err)
		}
		exts = append(exts, ext)
	}
	if len(exts) > 0 {
		rt = rt.Extend(exts...)
	}
	return rt, nil
}

// newRun records a new run and prepares its state.
func (e *Engine) newRun(ctx context.Context, org store.Org, src Source, opts Options) (*syncRun, error) {
	rt, err := e.userType(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	m, err := NewMapper(src, rt)
	if err != nil {
		return nil, err
	}
	if err := e.closeInterrupted(ctx, org.ID, src.Name); err != nil {
		return nil, err
	}
	fp := src.Fingerprint()
	base, found, err := e.baseline(ctx, org.ID, src.Name)
	if err != nil {
		return nil, err
	}
	trigger := opts.Trigger
	if trigger == "" {
		trigger = "manual"
	}
	now := e.now().UTC()
	rec := store.SyncRun{OrgID: org.ID, ID: directory.NewID(), Source: src.Name, Trigger: trigger,
		Started: now, Status: store.SyncRunning, Fingerprint: fp}
	r := &syncRun{
		e: e, org: org, src: src, owner: directory.DirectorySource(src.Name), rec: rec,
		dry: opts.DryRun, rt: rt, m: m, own: m.ownership(), now: now, progress: opts.Progress,
		log:   e.log.With("org", org.Name, "source", src.Name, "run", rec.ID),
		users: newUserState(), teams: newTeamState(), ous: newOUState(),
	}
	if found && base.Fingerprint != fp {
		r.dry = true
		r.scopeChanged = fmt.Sprintf("the scope (server, bind DN, base DNs, filters or mapping) changed since the last "+
			"successful run %s: this run is a dry run; review it (scimd sync show %s) and approve it "+
			"(scimd sync approve %s) to apply it and accept the new scope", base.ID, rec.ID, rec.ID)
	}
	r.actor = directory.Actor{OrgID: org.ID, Source: r.owner, Name: "sync run " + rec.ID,
		Who: "sync:" + src.Name + ":" + rec.ID}
	r.out = newRecorder(e.st, org.ID, rec.ID, e.batch)
	if err := e.st.CreateSyncRun(ctx, rec); err != nil {
		return nil, fmt.Errorf("recording the run: %w", err)
	}
	if src.Insecure() {
		r.log.Warn("TLS certificate verification is OFF for this directory source (insecureSkipVerify): " +
			"anyone on the network path can impersonate the directory and feed the sync users")
	}
	if r.scopeChanged != "" {
		r.log.Warn("scope changed since the last successful run: forced dry run, held for approval", "baseline", base.ID)
	}
	r.log.Info("directory sync started", "trigger", trigger, "dry_run", r.dry)
	return r, nil
}
