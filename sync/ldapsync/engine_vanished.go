package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/store"
)

// Teams whose directory object is gone. A team the source created for a
// directory group that a provably complete group read no longer returns
// (deleted, moved out of the group base DN, or no longer matching the
// group filter) is archived, never deleted: it answers 404 from then on,
// keeps its history and frees its name. So is an OU team (Source.OUTeams)
// whose OU no user of a complete user read is in any more. Archiving a
// team ends its memberships, so each removed team counts against the
// membership-removal threshold with its members (at least one), and a
// mass disappearance is held like a mass deactivation. An incomplete read
// removes no team: it cannot tell a deleted group from one it did not
// receive. A group that comes back later (the same stable id) gets a new
// team: archived teams are invisible to the sync's lookups. A group
// deleted and created again under the same name gets its new team one run
// later: the old team holds the name until the end of the run that
// archives it, so that run records the new group as a conflict.
//
// Only the kind of team the source still reads is judged: with group
// sync turned off (no group base DN) its group teams are left alone, and
// with OUTeams turned off its OU teams (both are scope changes, previewed
// first).

// Why a team is removed (Detail.Reason of a team_removed change).
const (
	// ReasonGroupGone: the complete group read no longer returns the group.
	ReasonGroupGone = "ldap_group_gone"
	// ReasonOUGone: no user of the complete user read is in the OU any more.
	ReasonOUGone = "ldap_ou_gone"
)

// vanishedTeams returns a team_removed change for every live team of the
// source that the (complete) read no longer accounts for, and the
// memberships their removal ends, each team counting at least one.
func (r *syncRun) vanishedTeams(ctx context.Context) ([]*change, int, error) {
	groups, ous := r.src.SyncsGroups(), r.src.OUTeams
	var out []*change
	err := r.e.st.EachSourceState(ctx, r.org.ID, r.owner, store.KindGroup, func(t store.SourceState) error {
		reason := ""
		switch {
		case strings.HasPrefix(t.SourceID, ouSourcePrefix):
			if ous && !r.ous.isTeam[t.ID] {
				reason = ReasonOUGone
			}
		case groups && !r.teams.seen[t.ID]:
			reason = ReasonGroupGone
		}
		if reason != "" {
			out = append(out, &change{kind: ChangeTeamRemoved, id: t.ID, sourceID: t.SourceID, name: t.Name,
				d: Detail{Resource: store.KindGroup, Reason: reason}})
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("finding teams whose directory group is gone: %w", err)
	}
	memberships := 0
	for start := 0; start < len(out); start += r.e.batch {
		part := out[start:min(start+r.e.batch, len(out))]
		ids := make([]string, len(part))
		for i, c := range part {
			ids[i] = c.id
		}
		members, err := r.e.st.Members(ctx, r.org.ID, ids)
		if err != nil {
			return nil, 0, fmt.Errorf("reading the members of teams whose directory group is gone: %w", err)
		}
		for _, c := range part {
			c.d.Members = len(members[c.id])
			memberships += max(1, c.d.Members)
		}
	}
	return out, memberships, nil
}

// settleVanished archives (or records in state, with why) the teams
// whose directory object is gone.
func (r *syncRun) settleVanished(ctx context.Context, cs []*change, state, why string) error {
	ap := r.applier()
	for _, c := range cs {
		if state != store.ChangeApplied {
			c.state, c.d.Error = state, why
			if err := r.record(ctx, c); err != nil {
				return err
			}
			continue
		}
		err := ap.archiveTeam(ctx, c)
		if err == nil {
			r.log.Info("team archived: its directory object is gone", "team", c.name, "id", c.id, "reason", c.d.Reason,
				"members", c.d.Members)
		}
		if err := r.recordResult(ctx, c, nil, err); err != nil {
			return err
		}
	}
	return nil
}

// archiveTeam archives the team c.id, provided it is still the source's
// team for the same directory object.
func (a *applier) archiveTeam(ctx context.Context, c *change) error {
	err := a.dir.Archive(ctx, a.actor, store.KindGroup, c.id, func(r store.Resource) error { return a.mine(&r, c.sourceID) })
	if errors.Is(err, store.ErrNotFound) {
		return skip("the team no longer exists")
	}
	return err
}
