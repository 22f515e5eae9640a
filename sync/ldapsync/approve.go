package ldapsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Approval: an admin lets a held run's listed changes through, once,
// instead of turning a safety off. Approve applies exactly the changes the
// run recorded as held (a mass change) or planned (a scope-change preview),
// each re-checked first: a user who came back since, or a change someone
// else made in the meantime, is not overridden, and the reason is recorded
// as a not_applied change of the run. Reject drops them.

// ErrNotHeld is returned by Approve and Reject for a run that is not held
// (for a held run a newer run superseded, the error is ErrSuperseded too).
var ErrNotHeld = errors.New("only a held run can be approved or rejected")

// Approve applies the held (and, for a scope-change preview, planned)
// changes of a held run and marks the run approved: for a scope-change
// preview, its scope becomes the accepted one. It holds the source's lock
// (ErrLocked when a run of the source is under way). Only the newest held
// run of a source can be decided (see held.go). by names who decides, as
// audit events name actors ("admin:ann@example.com", "cli:root"); the
// events of the changes an approval applies name them ("" names the run).
func (e *Engine) Approve(ctx context.Context, org store.Org, runID, by string) (store.SyncRun, error) {
	return e.decide(ctx, org, runID, true, by)
}

// Reject marks the held and planned changes of a held run rejected and
// the run rejected; nothing is applied. A rejected scope change stays
// unaccepted: the next run is a preview again.
func (e *Engine) Reject(ctx context.Context, org store.Org, runID, by string) (store.SyncRun, error) {
	return e.decide(ctx, org, runID, false, by)
}

func (e *Engine) decide(ctx context.Context, org store.Org, runID string, approve bool, by string) (store.SyncRun, error) {
	run, err := e.st.SyncRun(ctx, org.ID, runID)
	if errors.Is(err, store.ErrNotFound) {
		return run, fmt.Errorf("no sync run %q in organization %q", runID, org.Name)
	}
	if err != nil {
		return run, err
	}
	unlock, err := e.lock(ctx, org, run.Source)
	if err != nil {
		return run, err
	}
	defer unlock()
	if run, err = e.st.SyncRun(ctx, org.ID, runID); err != nil { // decided meanwhile?
		return run, err
	}
	if run.Status == store.SyncSuperseded {
		return run, e.supersededError(ctx, run)
	}
	if run.Status != store.SyncHeld {
		return run, fmt.Errorf("run %s is %s: %w", runID, run.Status, ErrNotHeld)
	}
	all, err := e.st.SyncChanges(ctx, org.ID, runID, "")
	if err != nil {
		return run, err
	}
	var pending []store.SyncChange
	last := 0
	for _, sc := range all {
		last = max(last, sc.Seq)
		if sc.State == store.ChangeHeld || sc.State == store.ChangePlanned {
			pending = append(pending, sc)
		}
	}
	if run.Counts == nil {
		run.Counts = map[string]int{}
	}
	if !approve {
		seqs := make([]int, len(pending))
		for i, sc := range pending {
			seqs[i] = sc.Seq
		}
		if err := e.st.SetSyncChangeState(ctx, org.ID, runID, seqs, store.ChangeRejected); err != nil {
			return run, err
		}
		run.Status = store.SyncRejected
		run.Counts["rejected"] = len(seqs)
		run.Error = fmt.Sprintf("rejected: %d changes dropped (was: %s)", len(seqs), run.Error)
		if err := e.st.UpdateSyncRun(ctx, run); err != nil {
			return run, err
		}
		e.log.Info("held sync run rejected", "org", org.Name, "source", run.Source, "run", runID, "changes", len(seqs))
		return run, nil
	}
	return e.approve(ctx, org, run, pending, last, by)
}

// approve applies pending (in order) and records the outcome.
func (e *Engine) approve(ctx context.Context, org store.Org, run store.SyncRun, pending []store.SyncChange, last int, by string) (store.SyncRun, error) {
	rt, err := e.userType(ctx, org.ID)
	if err != nil {
		return run, err
	}
	plan, later, hasLater, err := e.laterPlan(ctx, run)
	if err != nil {
		return run, fmt.Errorf("reading the runs since %s: %w", run.ID, err)
	}
	ap := &applier{dir: e.dir, orgID: org.ID, owner: directory.DirectorySource(run.Source), rt: rt,
		actor: directory.Actor{OrgID: org.ID, Source: directory.DirectorySource(run.Source), Name: "approval of sync run " + run.ID,
			Who: "sync:" + run.Source + ":" + run.ID + ":approval"}}
	if by != "" { // the events of the approved changes name who approved them
		ap.actor.Who = by
	}
	notes := newRecorder(e.st, org.ID, run.ID, e.batch)
	notes.startAt(last)
	byState := map[string][]int{}
	for _, sc := range pending {
		c, err := fromRecord(sc)
		if err != nil {
			return run, err
		}
		aerr := e.approveOne(ctx, ap, c, plan, hasLater, later)
		if cerr := ctx.Err(); cerr != nil {
			return run, cerr // nothing recorded for the rest: approve again
		}
		var stale []AttrChange
		var se *staleError
		if errors.As(aerr, &se) {
			stale, aerr = se.stale, nil
		}
		settleOutcome(c, stale, aerr)
		state := c.state
		if c.kind == ChangeConflict {
			state = store.ChangeSkipped
		}
		byState[state] = append(byState[state], sc.Seq)
		if state != store.ChangeApplied || len(stale) > 0 {
			note := &change{kind: ChangeNotApplied, id: c.id, sourceID: c.sourceID, name: c.name, state: state,
				d: Detail{Resource: c.d.Resource, Seq: c.seq, Error: c.d.Error}}
			if err := notes.add(ctx, note); err != nil {
				return run, err
			}
		}
	}
	for state, seqs := range byState {
		if err := e.st.SetSyncChangeState(ctx, org.ID, run.ID, seqs, state); err != nil {
			return run, err
		}
	}
	if err := notes.flush(ctx); err != nil {
		return run, err
	}
	applied := len(byState[store.ChangeApplied])
	notApplied := len(pending) - applied
	run.Status = store.SyncApproved
	run.Counts["approved_applied"] = applied
	run.Counts["approved_not_applied"] = notApplied
	run.Error = fmt.Sprintf("approved: %d changes applied, %d not applied (see the not_applied changes)", applied, notApplied)
	if err := e.st.UpdateSyncRun(ctx, run); err != nil {
		return run, err
	}
	e.m.success(org.Name, run.Source, e.now())
	e.log.Info("held sync run approved", "org", org.Name, "source", run.Source, "run", run.ID,
		"applied", applied, "not_applied", notApplied)
	return run, nil
}

// staleError carries the attributes an approved update left alone.
type staleError struct{ stale []AttrChange }

func (e *staleError) Error() string { return "some attributes changed since" }

// approveOne re-checks and applies one listed change.
func (e *Engine) approveOne(ctx context.Context, ap *applier, c *change, plan map[string]bool, hasLater bool, later store.SyncRun) error {
	withStale := func(stale []AttrChange, err error) error {
		if err == nil && len(stale) > 0 {
			return &staleError{stale}
		}
		return err
	}
	switch c.kind {
	case ChangeCreate, ChangeTeamCreate:
		kind := store.KindUser
		if c.kind == ChangeTeamCreate {
			kind = store.KindGroup
		}
		if c.d.Doc == nil {
			return skip("no document was recorded for this create")
		}
		got, err := e.st.BySourceIDs(ctx, ap.orgID, ap.owner, kind, []string{c.sourceID})
		if err != nil {
			return err
		}
		if r, ok := got[c.sourceID]; ok {
			return skip("the directory entry already has %s %s", kind, r.ID)
		}
		if kind == store.KindGroup {
			return ap.createTeam(ctx, c, c.d.Doc)
		}
		return ap.createUser(ctx, c, c.d.Doc, c.d.Reason)
	case ChangeUpdate:
		return withStale(ap.updateUser(ctx, c))
	case ChangeAdopt:
		return withStale(ap.adoptUser(ctx, c))
	case ChangeTeamUpdate:
		return withStale(ap.updateTeam(ctx, c))
	case ChangeReactivate:
		return ap.setActive(ctx, c, true, "")
	case ChangeDeactivate:
		if hasLater && !plan[ChangeDeactivate+"\x00"+c.id] {
			return skip("the later complete run %s did not find user %q gone (it came back, or changed since): not deactivated", later.ID, c.name)
		}
		return ap.setActive(ctx, c, false, c.d.Reason)
	case ChangeTeamRemoved:
		if hasLater && !plan[ChangeTeamRemoved+"\x00"+c.id] {
			return skip("the later complete run %s did not find team %q's directory object gone (it came back, or changed since): not archived", later.ID, c.name)
		}
		return ap.archiveTeam(ctx, c)
	case ChangeMemberAdd:
		return ap.members(ctx, c.id, []string{c.d.Member}, nil)
	case ChangeMemberRemove:
		if hasLater && !plan[ChangeMemberRemove+"\x00"+memberKey(c.id, c.d.Member)] {
			return skip("the later complete run %s no longer removes this membership: kept", later.ID)
		}
		return ap.members(ctx, c.id, nil, []string{c.d.Member})
	}
	return skip("a %s change is not applied by an approval", c.kind)
}
