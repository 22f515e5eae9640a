package userimport

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// Team paths. "Engineering/Platform" names the team Platform, a direct
// sub-team of Engineering (team names are unique in an organization, so
// the last name alone finds a team; the path says where it belongs). A
// missing team is created (owned by the import) under its parent; an
// existing team is never moved: a path that disagrees with where it is
// fails. The user becomes a direct member of the last team of the path;
// memberships the file does not list are left as they are.

// teamRef is a team a path resolved to.
type teamRef struct {
	id, name, source string
	planned          bool // dry run: the import would create it
}

// teamPlacer resolves and creates teams and adds members, caching the
// paths it resolved (one entry per distinct path of the file).
type teamPlacer struct {
	d     *directory.Service
	st    store.Store
	actor directory.Actor
	dry   bool
	group *schema.ResourceType
	cache map[string]teamRef // folded path -> team
}

// place makes userID ("" for a user a dry run would create) a direct
// member of the last team of each path, recording in res what failed and
// what was created. It returns only errors that must stop the import.
func (t *teamPlacer) place(ctx context.Context, userID string, paths [][]string, res *Result) error {
	var direct map[string]bool
	changed := false
	for _, names := range paths {
		p := JoinPath(names)
		team, notes, err := t.resolve(ctx, names)
		res.Notes = append(res.Notes, notes...)
		if err == nil && !mayChange(team.source) {
			err = rowErrorf("the team is managed by %s; an import does not change its members", sourceName(team.source))
		}
		if err != nil {
			if !isRowErr(err) {
				return err
			}
			res.Failed = append(res.Failed, fmt.Sprintf("team %s: %v", p, err))
			continue
		}
		if team.planned || userID == "" {
			changed = true
			continue
		}
		if direct == nil {
			if direct, err = t.directGroups(ctx, userID); err != nil {
				return err
			}
		}
		if direct[team.id] {
			continue
		}
		changed = true
		if t.dry {
			continue
		}
		_, err = t.d.Update(ctx, t.actor, store.KindGroup, team.id, func(g *store.Resource) (*store.MemberChange, error) {
			if !mayChange(g.Source) {
				return nil, rowErrorf("the team is managed by %s; an import does not change its members", sourceName(g.Source))
			}
			return &store.MemberChange{Add: []string{userID}}, nil
		})
		if err != nil {
			if !isRowErr(err) {
				return err
			}
			res.Failed = append(res.Failed, fmt.Sprintf("team %s: %v", p, err))
			continue
		}
		direct[team.id] = true
	}
	if changed && res.Status == Unchanged {
		res.Status = Updated
	}
	return nil
}

// resolve finds, or creates, the teams of a path and returns the last.
func (t *teamPlacer) resolve(ctx context.Context, names []string) (teamRef, []string, error) {
	var parent *teamRef
	var notes []string
	for i, name := range names {
		key := fold(JoinPath(names[:i+1]))
		ref, ok := t.cache[key]
		if !ok {
			g, found, err := t.lookup(ctx, name)
			if err != nil {
				return ref, notes, err
			}
			if found {
				ref = teamRef{id: g.ID, name: g.Name, source: g.Source}
				if parent != nil {
					if err := t.checkParent(ctx, ref, *parent); err != nil {
						return ref, notes, err
					}
				}
			} else {
				if parent != nil && !parent.planned && !mayChange(parent.source) {
					return ref, notes, rowErrorf("team %q is managed by %s; an import does not add sub-teams to it",
						parent.name, sourceName(parent.source))
				}
				verb := "would create"
				if t.dry {
					ref = teamRef{name: name, source: directory.SourceImport, planned: true}
				} else if ref, err = t.create(ctx, name, parent); err != nil {
					return ref, notes, err
				} else {
					verb = "created"
				}
				notes = append(notes, fmt.Sprintf("%s team %s", verb, JoinPath(names[:i+1])))
			}
			t.cache[key] = ref
		}
		parent = &ref
	}
	return *parent, notes, nil
}

// checkParent refuses a path whose existing team is not a direct
// sub-team of the team before it in the path.
func (t *teamPlacer) checkParent(ctx context.Context, team, parent teamRef) error {
	if parent.planned {
		return rowErrorf("team %q exists, but not under %q (which does not exist yet); an import does not move teams", team.name, parent.name)
	}
	gs, err := t.st.Groups(ctx, t.actor.OrgID, []string{team.id})
	if err != nil {
		return err
	}
	var under []string
	for _, g := range gs[team.id] {
		if !g.Direct {
			continue
		}
		if g.ID == parent.id {
			return nil
		}
		under = append(under, fmt.Sprintf("%q", g.Display))
	}
	where := "at the top level"
	if len(under) > 0 {
		where = "under " + strings.Join(under, ", ")
	}
	return rowErrorf("team %q is %s, not under %q; an import does not move teams", team.name, where, parent.name)
}

// lookup finds a live team by name, case-insensitively.
func (t *teamPlacer) lookup(ctx context.Context, name string) (store.Resource, bool, error) {
	f := store.Compare{Attr: store.Attr{Column: store.ColName, Type: store.TypeString}, Op: store.OpEq, Value: name}
	page, err := t.st.List(ctx, t.actor.OrgID, store.KindGroup, store.Query{Filter: f, Count: 1})
	if err != nil || len(page.Resources) == 0 {
		return store.Resource{}, false, err
	}
	return page.Resources[0], true, nil
}

// create creates a team and makes it a sub-team of parent (nil: top
// level). Another writer creating the same team at the same time makes
// the row fail (it may simply be imported again).
func (t *teamPlacer) create(ctx context.Context, name string, parent *teamRef) (teamRef, error) {
	doc, err := t.group.Normalize(map[string]any{"displayName": name})
	if err != nil {
		return teamRef{}, clientError(err)
	}
	g, err := t.d.Create(ctx, t.actor, store.Resource{Kind: store.KindGroup, Attrs: doc}, nil)
	if err != nil {
		return teamRef{}, err
	}
	ref := teamRef{id: g.ID, name: g.Name, source: g.Source}
	if parent == nil {
		return ref, nil
	}
	_, err = t.d.Update(ctx, t.actor, store.KindGroup, parent.id, func(p *store.Resource) (*store.MemberChange, error) {
		if !mayChange(p.Source) {
			return nil, rowErrorf("team %q is managed by %s", p.Name, sourceName(p.Source))
		}
		return &store.MemberChange{Add: []string{g.ID}}, nil
	})
	if err != nil {
		if !isRowErr(err) {
			return ref, err
		}
		return ref, rowErrorf("team %q was created but could not be made a sub-team of %q: %v", name, parent.name, err)
	}
	return ref, nil
}

// directGroups returns the ids of the teams a user is a direct member of.
func (t *teamPlacer) directGroups(ctx context.Context, userID string) (map[string]bool, error) {
	gs, err := t.st.Groups(ctx, t.actor.OrgID, []string{userID})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, g := range gs[userID] {
		if g.Direct {
			out[g.ID] = true
		}
	}
	return out, nil
}
