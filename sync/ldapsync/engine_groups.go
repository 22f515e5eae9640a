package ldapsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Groups → teams: stream the groups, create or rename their teams, and
// bring their user members in step; nested groups (members that are
// groups of the source) become sub-teams once every group is known.
// Memberships are added as they are found; removals wait for the end.

type teamState struct {
	read    int
	pending []pendingGroup
	seen    map[string]bool   // ids of the teams the read returned
	byDN    map[string]string // canonical DN → team id
	names   map[string]string // dry run: folded name → id of a planned team
	// nested are the teams with members that may be groups, resolved
	// when every group is known.
	nested   []nestedFix
	removals []*change
	// memberships counts the current members of the teams read: the
	// base of the membership-removal percentage.
	memberships int
}

type pendingGroup struct {
	g   DirGroup
	err error
}

type nestedFix struct {
	id, name string
	dns      []string // member DNs that are no user of the run
}

func newTeamState() teamState {
	return teamState{seen: map[string]bool{}, byDN: map[string]string{}, names: map[string]string{}}
}

func (s *teamState) see(id string, g DirGroup) {
	s.seen[id] = true
	s.byDN[g.DNKey] = id
}

// readGroups streams the groups and applies them batch by batch.
func (r *syncRun) readGroups(ctx context.Context, conn *Conn) error {
	comp, err := conn.Groups(ctx, r.m, func(g DirGroup, gerr error) error {
		r.teams.read++
		r.teams.pending = append(r.teams.pending, pendingGroup{g, gerr})
		if len(r.teams.pending) >= r.e.batch {
			return r.flushGroups(ctx)
		}
		return nil
	})
	r.groupsRead = true
	r.groupsComp, r.groupsErr = comp, err
	r.e.m.read.WithLabelValues(r.org.Name, r.src.Name, "group").Add(float64(comp.Entries))
	if err != nil && !errors.Is(err, ErrIncomplete) {
		return fmt.Errorf("reading groups: %w", err)
	}
	if err != nil {
		code := comp.ResultCode
		if code == 0 { // a member list cut short, or an entry without identity
			code = 1
		}
		r.e.m.code(r.org.Name, r.src.Name, code)
		r.log.Warn("incomplete group read: no membership will be removed", "reason", comp.Reason)
	}
	return r.flushGroups(ctx)
}

type teamItem struct {
	g     DirGroup
	id    string
	isNew bool
}

// flushGroups applies the pending batch of groups.
func (r *syncRun) flushGroups(ctx context.Context) error {
	batch := r.teams.pending
	r.teams.pending = nil
	if len(batch) == 0 {
		return nil
	}
	ids := make([]string, 0, len(batch))
	for _, p := range batch {
		ids = append(ids, p.g.SourceID)
	}
	existing, err := r.e.st.BySourceIDs(ctx, r.org.ID, r.owner, store.KindGroup, ids)
	if err != nil {
		return err
	}
	var items []teamItem
	var known []string
	for _, p := range batch {
		cur, exists := existing[p.g.SourceID]
		exists = exists && p.g.SourceID != ""
		if exists {
			r.teams.see(cur.ID, p.g)
		}
		if p.err != nil {
			c := &change{kind: ChangeError, sourceID: p.g.SourceID, name: p.g.DN, state: ChangeFailed,
				d: Detail{Resource: store.KindGroup, DN: p.g.DN, Error: p.err.Error()}}
			if exists {
				c.id = cur.ID
			}
			if err := r.record(ctx, c); err != nil {
				return err
			}
			continue
		}
		if !exists {
			id, ok, err := r.newTeam(ctx, p.g)
			if err != nil {
				return err
			}
			if ok {
				items = append(items, teamItem{g: p.g, id: id, isNew: true})
			}
			continue
		}
		if cur.Name != p.g.Name {
			c := &change{kind: ChangeTeamUpdate, id: cur.ID, sourceID: p.g.SourceID, name: p.g.Name,
				d: Detail{Resource: store.KindGroup, DN: p.g.DN,
					Attrs: []AttrChange{{Path: []string{"displayName"}, Old: cur.Attrs["displayName"], New: p.g.Name}}}}
			if err := r.applyUpdate(ctx, c); err != nil {
				return err
			}
		}
		items = append(items, teamItem{g: p.g, id: cur.ID})
		known = append(known, cur.ID)
	}
	current, err := r.e.st.Members(ctx, r.org.ID, known)
	if err != nil {
		return fmt.Errorf("reading team members: %w", err)
	}
	for _, it := range items {
		if err := r.teamMembers(ctx, it, current[it.id]); err != nil {
			return err
		}
	}
	r.tick(false)
	return nil
}

// newTeam creates (or plans) the team of a group; ok is false when it
// could not be (a conflict or a failure, recorded).
func (r *syncRun) newTeam(ctx context.Context, g DirGroup) (id string, ok bool, err error) {
	c := &change{kind: ChangeTeamCreate, id: directory.NewID(), sourceID: g.SourceID, name: g.Name,
		d: Detail{Resource: store.KindGroup, DN: g.DN}}
	doc := teamDoc(g.Name)
	fold := store.Fold(g.Name)
	if other, taken := r.teams.names[fold]; taken {
		return "", false, r.conflict(ctx, c, fmt.Sprintf("team name %q is that of another group of this directory (team %s)", g.Name, other), r.owner, other)
	}
	clashWith := func() (bool, error) {
		holder, found, err := r.findByName(ctx, store.KindGroup, g.Name)
		if err != nil || !found {
			return false, err
		}
		return true, r.conflict(ctx, c, fmt.Sprintf("team name %q belongs to team %s, owned by %q", g.Name, holder.ID, holder.Source),
			holder.Source, holder.ID)
	}
	if r.dry {
		if found, err := clashWith(); found || err != nil {
			return "", false, err
		}
		c.state, c.d.Doc = store.ChangePlanned, doc
		r.teams.names[fold] = c.id
	} else {
		aerr := r.applier().createTeam(ctx, c, doc)
		var cl *clash
		if errors.As(aerr, &cl) {
			if found, err := clashWith(); found || err != nil {
				return "", false, err
			}
		}
		if aerr != nil {
			return "", false, r.recordResult(ctx, c, nil, aerr)
		}
		c.state = store.ChangeApplied
	}
	r.teams.see(c.id, g)
	return c.id, true, r.record(ctx, c)
}

// teamMembers brings a team's user members in step with its group and
// notes the members that may be sub-teams.
func (r *syncRun) teamMembers(ctx context.Context, it teamItem, cur []store.Member) error {
	r.teams.memberships += len(cur)
	want := map[string]bool{}
	var add []*change
	var nested []string
	member := func(id, label string) {
		if want[id] {
			return
		}
		want[id] = true
		add = append(add, r.memberChange(ChangeMemberAdd, it.id, it.g.Name, id, store.KindUser, label))
	}
	for _, dn := range it.g.MemberDNs {
		if id, ok := r.users.byDN[dn]; ok {
			member(id, dn)
		} else {
			nested = append(nested, dn)
		}
	}
	for _, uid := range it.g.MemberUIDs {
		if id, ok := r.users.byUID[store.Fold(uid)]; ok {
			member(id, uid)
		}
	}
	have := map[string]bool{}
	hasTeams := false
	for _, m := range cur {
		if m.Kind != store.KindUser {
			hasTeams = true
			continue
		}
		have[m.ID] = true
		// Only a member the run has seen may be removed: a user who left
		// the directory keeps the memberships, inactive.
		if r.users.seen[m.ID] && !want[m.ID] {
			r.teams.removals = append(r.teams.removals,
				r.memberChange(ChangeMemberRemove, it.id, it.g.Name, m.ID, store.KindUser, m.Display))
		}
	}
	if len(nested) > 0 || hasTeams {
		r.teams.nested = append(r.teams.nested, nestedFix{id: it.id, name: it.g.Name, dns: nested})
	}
	var missing []*change
	for _, c := range add {
		if !have[c.d.Member] {
			missing = append(missing, c)
		}
	}
	return r.applyMembers(ctx, missing, r.planned())
}

func (r *syncRun) memberChange(kind, team, teamName, member string, memberKind store.Kind, label string) *change {
	return &change{kind: kind, id: team, name: teamName,
		d: Detail{Resource: store.KindGroup, Member: member, MemberKind: memberKind, MemberName: label}}
}

// resolveNested brings the sub-teams of every team in step, now that
// every group of the run is known.
func (r *syncRun) resolveNested(ctx context.Context) error {
	fixes := r.teams.nested
	r.teams.nested = nil
	for start := 0; start < len(fixes); start += r.e.batch {
		part := fixes[start:min(start+r.e.batch, len(fixes))]
		ids := make([]string, len(part))
		for i, f := range part {
			ids[i] = f.id
		}
		current, err := r.e.st.Members(ctx, r.org.ID, ids)
		if err != nil {
			return fmt.Errorf("reading team members: %w", err)
		}
		for _, f := range part {
			want := map[string]bool{}
			var add []*change
			have := map[string]bool{}
			for _, m := range current[f.id] {
				if m.Kind == store.KindGroup {
					have[m.ID] = true
				}
			}
			for _, dn := range f.dns {
				id, ok := r.teams.byDN[dn]
				if !ok || id == f.id || want[id] {
					continue
				}
				want[id] = true
				if !have[id] {
					add = append(add, r.memberChange(ChangeMemberAdd, f.id, f.name, id, store.KindGroup, dn))
				}
			}
			for _, m := range current[f.id] {
				if m.Kind == store.KindGroup && r.teams.seen[m.ID] && !want[m.ID] {
					r.teams.removals = append(r.teams.removals,
						r.memberChange(ChangeMemberRemove, f.id, f.name, m.ID, store.KindGroup, m.Display))
				}
			}
			if err := r.applyMembers(ctx, add, r.planned()); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyMembers records membership changes in state; applied ones are
// written first, one write per team (a failing write is retried member
// by member, so one bad member does not fail the others).
func (r *syncRun) applyMembers(ctx context.Context, cs []*change, state string) error {
	if state != store.ChangeApplied {
		for _, c := range cs {
			c.state = state
			if err := r.record(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}
	ap := r.applier()
	for start := 0; start < len(cs); {
		end := start + 1
		for end < len(cs) && cs[end].id == cs[start].id && cs[end].kind == cs[start].kind {
			end++
		}
		group := cs[start:end]
		start = end
		applyMemberGroup(ctx, ap, group)
		for _, c := range group {
			if err := r.recordResult(ctx, c, nil, c.applyErr); err != nil {
				return err
			}
		}
	}
	return nil
}
