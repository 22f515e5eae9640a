package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// syncRun is the state of one run. What it keeps for the whole run is
// what deciding needs: the ids of the users and teams seen (to find
// leavers and to remove only memberships of members the run has seen),
// canonical DN → id maps of users and teams (to resolve managers and
// members), uid → id (posixGroup memberUid), the few managers and nested
// groups resolved after their read, and the deactivations and membership
// removals, decided only at the end. Entries themselves are dropped batch
// by batch.
type syncRun struct {
	e        *Engine
	org      store.Org
	src      Source
	owner    string // "ldap:<name>"
	rec      store.SyncRun
	dry      bool // write nothing but the run and its changes
	rt       *schema.ResourceType
	m        *Mapper
	own      owned
	now      time.Time
	actor    directory.Actor
	log      *slog.Logger
	progress io.Writer
	out      *recorder

	// scopeChanged is set (the message) when the run is a forced dry run.
	scopeChanged string

	users userState
	teams teamState
	ous   ouState

	usersComp, groupsComp Completeness
	usersErr, groupsErr   error
	groupsRead            bool
	held                  []string // why parts of the run are held
	fatal                 error    // the run could not go on
	lastProgress          int
}

// fail records why the run cannot go on (the first reason wins).
func (r *syncRun) fail(err error) {
	if r.fatal == nil {
		r.fatal = err
	}
}

// execute reads the directory and applies (or plans) the changes.
func (r *syncRun) execute(ctx context.Context) {
	conn, err := Dial(ctx, r.src)
	if err != nil {
		r.e.m.code(r.org.Name, r.src.Name, errorCode(err))
		r.fail(fmt.Errorf("connecting to the directory: %w", err))
		return
	}
	defer conn.Close()
	if err := r.readUsers(ctx, conn); err != nil {
		r.fail(err)
		return
	}
	if err := r.resolveManagers(ctx); err != nil {
		r.fail(err)
		return
	}
	if err := r.syncOUTeams(ctx); err != nil {
		r.fail(err)
		return
	}
	if r.src.SyncsGroups() {
		if err := r.readGroups(ctx, conn); err != nil {
			r.fail(err)
			return
		}
		if err := r.resolveNested(ctx); err != nil {
			r.fail(err)
			return
		}
	}
	if err := r.settle(ctx); err != nil {
		r.fail(err)
	}
}

// usersComplete: every user in scope was read.
func (r *syncRun) usersComplete() bool {
	return r.fatal == nil && r.usersErr == nil && r.usersComp.Complete
}

// groupsComplete: every group in scope was read, with all its members
// (vacuously true for a source without groups).
func (r *syncRun) groupsComplete() bool {
	if !r.src.SyncsGroups() {
		return r.fatal == nil
	}
	return r.fatal == nil && r.groupsRead && r.groupsErr == nil && r.groupsComp.Complete
}

// incompleteReason says why the read was not complete ("" when it was).
func (r *syncRun) incompleteReason() string {
	var why []string
	if !r.usersComplete() {
		why = append(why, "users: "+compReason(r.usersComp, r.usersErr))
	}
	if r.src.SyncsGroups() && !r.groupsComplete() {
		why = append(why, "groups: "+compReason(r.groupsComp, r.groupsErr))
	}
	return strings.Join(why, "; ")
}

func compReason(c Completeness, err error) string {
	switch {
	case c.Reason != "":
		return c.Reason
	case err != nil:
		return err.Error()
	}
	return "not read"
}

// finish writes the run's outcome and returns its record; the error is
// non-nil when the run failed. A run that ends held or succeeded
// supersedes the source's earlier held runs (held.go).
func (r *syncRun) finish(ctx context.Context) (store.SyncRun, error) {
	wctx := context.WithoutCancel(ctx) // a cancelled run is still recorded
	if err := r.out.flush(wctx); err != nil {
		r.fail(err)
	}
	rec := r.rec
	end := r.e.now().UTC()
	rec.Ended = &end
	rec.Complete = r.usersComplete() && r.groupsComplete()
	rec.Counts = r.out.snapshot()
	rec.Counts["users_read"] = r.usersComp.Entries
	if r.src.SyncsGroups() {
		rec.Counts["groups_read"] = r.groupsComp.Entries
	}
	var runErr error
	switch {
	case r.fatal != nil:
		rec.Status, rec.Error = store.SyncFailed, r.fatal.Error()
		runErr = r.fatal
	case !rec.Complete:
		rec.Status = store.SyncFailed
		rec.Error = "incomplete directory read, so nobody was deactivated and no membership was removed: " + r.incompleteReason()
		runErr = fmt.Errorf("%w: %s", ErrIncomplete, r.incompleteReason())
	case r.scopeChanged != "":
		rec.Status, rec.Error = store.SyncHeld, strings.Join(append([]string{r.scopeChanged}, r.held...), "; ")
	case len(r.held) > 0:
		rec.Status = store.SyncHeld
		rec.Error = strings.Join(r.held, "; ") + fmt.Sprintf("; approve (scimd sync approve %s) or reject (scimd sync reject %s) them", rec.ID, rec.ID)
	case r.dry:
		rec.Status = store.SyncDryRun
	default:
		rec.Status = store.SyncSucceeded
	}
	if r.dry && rec.Status == store.SyncFailed {
		rec.Error += " (dry run: nothing was written)"
	}
	if err := r.e.st.UpdateSyncRun(wctx, rec); err != nil {
		return rec, errors.Join(runErr, fmt.Errorf("recording the end of run %s: %w", rec.ID, err))
	}
	if err := r.supersede(wctx, rec); err != nil { // held.go
		runErr = errors.Join(runErr, err)
	}
	r.e.m.duration.WithLabelValues(r.org.Name, r.src.Name, string(rec.Status)).Observe(end.Sub(rec.Started).Seconds())
	switch rec.Status {
	case store.SyncHeld:
		r.e.m.held.WithLabelValues(r.org.Name, r.src.Name).Inc()
	case store.SyncSucceeded:
		r.e.m.success(r.org.Name, r.src.Name, end)
	}
	if r.progress != nil && r.lastProgress > 0 {
		fmt.Fprintln(r.progress)
	}
	level := slog.LevelInfo
	if rec.Status == store.SyncFailed || rec.Status == store.SyncHeld {
		level = slog.LevelWarn
	}
	r.log.Log(wctx, level, "directory sync ended", "status", rec.Status, "complete", rec.Complete,
		"counts", rec.Counts, "error", rec.Error, "duration", end.Sub(rec.Started).String())
	return rec, runErr
}

// record records a change (the metrics see it too).
func (r *syncRun) record(ctx context.Context, c *change) error {
	r.e.m.changes.WithLabelValues(r.org.Name, r.src.Name, c.kind, c.state).Inc()
	return r.out.add(ctx, c)
}

// planned is the state of a change the run decided to make: applied, or
// planned in a dry run.
func (r *syncRun) planned() string {
	if r.dry {
		return store.ChangePlanned
	}
	return store.ChangeApplied
}

// tick writes a progress line every so many entries.
func (r *syncRun) tick(force bool) {
	if r.progress == nil {
		return
	}
	n := r.users.read + r.teams.read
	if !force && n-r.lastProgress < r.e.batch {
		return
	}
	r.lastProgress = max(n, 1)
	fmt.Fprintf(r.progress, "\r%s: %d users, %d groups read; %d changes", r.src.Name, r.users.read, r.teams.read, r.out.total())
}
