package ldapsync

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The safety rules (reference directory-sync.md §2, §6): "not returned"
// means "left" only after a provably complete read; deactivations and
// membership removals above the source's thresholds wait for an admin;
// a changed scope is previewed before it is applied.

// settle decides the run's deactivations, membership removals and team
// removals: it finds the leavers and the teams whose directory object is
// gone (complete reads only), then applies, holds or skips the lot.
func (r *syncRun) settle(ctx context.Context) error {
	// Deactivating anyone takes a complete read of users and groups alike
	// (every page, every range chunk): an error anywhere may mean the
	// directory is not answering as it should.
	complete := r.usersComplete() && r.groupsComplete()
	deact := r.users.deactivations
	r.users.deactivations = nil
	active := 0
	if complete {
		leavers, n, err := r.leavers(ctx)
		if err != nil {
			return err
		}
		deact, active = append(deact, leavers...), n
	}
	if r.dry {
		active += r.users.created // planned creates are not in the store
	}
	t := r.src.Thresholds
	state, why := r.planned(), ""
	switch {
	case !complete:
		state, why = store.ChangeSkipped, "not applied: the directory read was incomplete"
	case len(deact) > 0 && breach(len(deact), active, t.MaxDeactivations, t.MaxDeactivationPercent):
		state = store.ChangeHeld
		r.held = append(r.held, fmt.Sprintf("%d deactivations exceed the threshold (at most %s, and %s of the source's %d active users)",
			len(deact), countLimit(t.MaxDeactivations), pctLimit(t.MaxDeactivationPercent), active))
	}
	if err := r.settleDeactivations(ctx, deact, state, why); err != nil {
		return err
	}

	// Membership removals, and the teams whose directory group or OU is
	// gone (complete reads only): archiving a team ends its memberships,
	// so they count, and are held or applied, together.
	removals := r.teams.removals
	r.teams.removals = nil
	var gone []*change
	goneMemberships := 0
	if complete {
		var err error
		if gone, goneMemberships, err = r.vanishedTeams(ctx); err != nil {
			return err
		}
	}
	n, base := len(removals)+goneMemberships, r.teams.memberships+goneMemberships
	state, why = r.planned(), ""
	switch {
	case !complete:
		state, why = store.ChangeSkipped, "not applied: the directory read was incomplete"
	case n > 0 && breach(n, base, t.MaxMembershipRemovals, t.MaxMembershipRemovalPercent):
		state = store.ChangeHeld
		of := ""
		if len(gone) > 0 {
			of = fmt.Sprintf(" (%d of them by removing %d teams whose directory group or OU is gone)", goneMemberships, len(gone))
		}
		r.held = append(r.held, fmt.Sprintf("%d membership removals%s exceed the threshold (at most %s, and %s of the source's %d memberships)",
			n, of, countLimit(t.MaxMembershipRemovals), pctLimit(t.MaxMembershipRemovalPercent), base))
	}
	if state != store.ChangeApplied {
		for _, c := range removals {
			c.state, c.d.Error = state, why
			if err := r.record(ctx, c); err != nil {
				return err
			}
		}
	} else if err := r.applyMembers(ctx, removals, state); err != nil {
		return err
	}
	return r.settleVanished(ctx, gone, state, why) // engine_vanished.go
}

// settleDeactivations applies or records deactivations in state.
func (r *syncRun) settleDeactivations(ctx context.Context, cs []*change, state, why string) error {
	ap := r.applier()
	for _, c := range cs {
		if state != store.ChangeApplied {
			c.state, c.d.Error = state, why
			if err := r.record(ctx, c); err != nil {
				return err
			}
			continue
		}
		if err := r.recordResult(ctx, c, nil, ap.setActive(ctx, c, false, c.d.Reason)); err != nil {
			return err
		}
	}
	return nil
}

// leavers returns a deactivation for every active user of the source the
// (complete) read did not return, and the number of active users of the
// source.
func (r *syncRun) leavers(ctx context.Context) ([]*change, int, error) {
	var out []*change
	active := 0
	err := r.e.st.EachSourceState(ctx, r.org.ID, r.owner, store.KindUser, func(u store.SourceState) error {
		if !u.Active {
			return nil
		}
		active++
		if !r.users.seen[u.ID] {
			out = append(out, &change{kind: ChangeDeactivate, id: u.ID, sourceID: u.SourceID, name: u.Name,
				d: Detail{Resource: store.KindUser, Reason: directory.ReasonLeft}})
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("finding leavers: %w", err)
	}
	return out, active, nil
}

// breach reports whether n changes out of base exceed a count limit or a
// percentage limit (nil: no such limit).
func breach(n, base int, maxCount *int, maxPct *float64) bool {
	if maxCount != nil && n > *maxCount {
		return true
	}
	if maxPct != nil {
		if base <= 0 {
			return n > 0
		}
		return float64(n)*100/float64(base) > *maxPct
	}
	return false
}

func countLimit(v *int) string {
	if v == nil {
		return "any number"
	}
	return fmt.Sprint(*v)
}

func pctLimit(v *float64) string {
	if v == nil {
		return "any share"
	}
	return fmt.Sprintf("%g%%", *v)
}

// baseline returns the source's last successful or approved run: the
// scope the next run must match to be applied without a preview.
func (e *Engine) baseline(ctx context.Context, orgID, source string) (store.SyncRun, bool, error) {
	for _, limit := range []int{50, 1 << 20} {
		runs, err := e.st.SyncRuns(ctx, orgID, source, limit)
		if err != nil {
			return store.SyncRun{}, false, fmt.Errorf("reading the runs of source %q: %w", source, err)
		}
		for _, run := range runs {
			if run.Status == store.SyncSucceeded || run.Status == store.SyncApproved {
				return run, true, nil
			}
		}
		if len(runs) < limit {
			break
		}
	}
	return store.SyncRun{}, false, nil
}

// closeInterrupted marks the runs of a source still recorded as running
// failed: the caller holds the source's lock, so none of them is.
func (e *Engine) closeInterrupted(ctx context.Context, orgID, source string) error {
	runs, err := e.st.SyncRuns(ctx, orgID, source, 50)
	if err != nil {
		return fmt.Errorf("reading the runs of source %q: %w", source, err)
	}
	for _, run := range runs {
		if run.Status != store.SyncRunning {
			continue
		}
		end := e.now().UTC()
		run.Ended, run.Status = &end, store.SyncFailed
		run.Error = "interrupted: the process running it stopped before the run ended (nothing was deactivated after that)"
		if err := e.st.UpdateSyncRun(ctx, run); err != nil {
			return fmt.Errorf("closing interrupted run %s: %w", run.ID, err)
		}
	}
	return nil
}

// laterPlan returns the deactivations, membership removals and team
// removals of the newest complete run of the source that started after
// run (in practice a --dry-run: a later run ending held or succeeded
// supersedes run, so run is no longer approved), keyed by kind
// and resource; ok is false when there is no such run.
func (e *Engine) laterPlan(ctx context.Context, run store.SyncRun) (plan map[string]bool, later store.SyncRun, ok bool, err error) {
	runs, err := e.st.SyncRuns(ctx, run.OrgID, run.Source, 0)
	if err != nil {
		return nil, later, false, err
	}
	// Newest first (by start, then by id, time-ordered): the runs before
	// run in the list are the later ones.
	for _, r := range runs {
		if r.ID == run.ID {
			break
		}
		if r.Complete && r.Status != store.SyncRunning {
			later, ok = r, true
			break
		}
	}
	if !ok {
		return nil, later, false, nil
	}
	cs, err := e.st.SyncChanges(ctx, run.OrgID, later.ID, "")
	if err != nil {
		return nil, later, false, err
	}
	plan = map[string]bool{}
	for _, sc := range cs {
		switch sc.Kind {
		case ChangeDeactivate, ChangeTeamRemoved:
			plan[sc.Kind+"\x00"+sc.ResourceID] = true
		case ChangeMemberRemove:
			d, err := ParseDetail(sc)
			if err != nil {
				return nil, later, false, err
			}
			plan[ChangeMemberRemove+"\x00"+memberKey(sc.ResourceID, d.Member)] = true
		}
	}
	return plan, later, true, nil
}
