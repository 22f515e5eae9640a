package userimport

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

// TeamPaths gives teams their paths ("Engineering/Platform", as import
// reads them): a team's path is its first direct parent's path (parents in
// id order, which is creation order), then its name. It remembers the
// paths it computed (one per team met).
type TeamPaths struct {
	st    store.Store
	orgID string
	paths map[string]string
}

// NewTeamPaths returns a TeamPaths over an organization's teams.
func NewTeamPaths(st store.Store, orgID string) *TeamPaths {
	return &TeamPaths{st: st, orgID: orgID, paths: map[string]string{}}
}

// maxDepth bounds a path (the store refuses cycles; this guards a
// corrupted one).
const maxDepth = 64

// Path returns the path of the team id named name.
func (t *TeamPaths) Path(ctx context.Context, id, name string) (string, error) {
	return t.path(ctx, id, name, 0)
}

func (t *TeamPaths) path(ctx context.Context, id, name string, depth int) (string, error) {
	if p, ok := t.paths[id]; ok {
		return p, nil
	}
	if depth > maxDepth {
		return "", fmt.Errorf("team %q: sub-teams nested deeper than %d", name, maxDepth)
	}
	gs, err := t.st.Groups(ctx, t.orgID, []string{id})
	if err != nil {
		return "", err
	}
	p := JoinPath([]string{name})
	for _, g := range gs[id] {
		if g.Direct {
			parent, err := t.path(ctx, g.ID, g.Display, depth+1)
			if err != nil {
				return "", err
			}
			p = parent + "/" + p
			break
		}
	}
	t.paths[id] = p
	return p, nil
}

// UserTeams returns the paths of the teams each user is a direct member
// of, by user id.
func (t *TeamPaths) UserTeams(ctx context.Context, userIDs []string) (map[string][]string, error) {
	gs, err := t.st.Groups(ctx, t.orgID, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(gs))
	for uid, refs := range gs {
		for _, g := range refs {
			if !g.Direct {
				continue
			}
			p, err := t.Path(ctx, g.ID, g.Display)
			if err != nil {
				return nil, err
			}
			out[uid] = append(out[uid], p)
		}
	}
	return out, nil
}
