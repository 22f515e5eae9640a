package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The team tree and the team page. A team that is a member of another is
// its sub-team (cycles are refused by the store).

type teamNode struct {
	ID, Name string
	Users    int // direct user members
	Children []*teamNode
	Open     bool // shown expanded
}

type teamsData struct {
	Roots []*teamNode
	Total int
}

type teamPageData struct {
	G           store.Resource
	Archived    bool
	Path        []option // the ancestors, root first (by the first parent)
	Parents     []option
	SubTeams    []store.Member
	Users       []store.Member
	DirectUsers int
	AllUsers    int // users directly or through sub-teams
	UsersURL    string
}

const maxTeamMembers = 500

// allTeams lists every live team of the organization, by name.
func (s *Server) allTeams(ctx context.Context, orgID string) ([]store.Resource, error) {
	var out []store.Resource
	q := store.Query{SortBy: &store.Attr{Column: store.ColName}, Count: 1000, NoTotal: true}
	for {
		page, err := s.st.List(ctx, orgID, store.KindGroup, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Resources...)
		if !page.HasNext || len(page.Keys) == 0 {
			return out, nil
		}
		q.After = &page.Keys[len(page.Keys)-1]
	}
}

func (s *Server) teams(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx := r.Context()
	gs, err := s.allTeams(ctx, p.OrgID)
	if err != nil {
		return err
	}
	ids := make([]string, len(gs))
	nodes := make(map[string]*teamNode, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
		nodes[g.ID] = &teamNode{ID: g.ID, Name: g.Name}
	}
	members, err := s.st.Members(ctx, p.OrgID, ids)
	if err != nil {
		return err
	}
	isChild := map[string]bool{}
	for _, g := range gs {
		for _, m := range members[g.ID] {
			if m.Kind == store.KindUser {
				nodes[g.ID].Users++
			} else if c := nodes[m.ID]; c != nil {
				nodes[g.ID].Children = append(nodes[g.ID].Children, c)
				isChild[m.ID] = true
			}
		}
		sort.Slice(nodes[g.ID].Children, func(i, j int) bool {
			return store.Fold(nodes[g.ID].Children[i].Name) < store.Fold(nodes[g.ID].Children[j].Name)
		})
	}
	d := teamsData{Total: len(gs)}
	for _, g := range gs { // by name already
		if !isChild[g.ID] {
			d.Roots = append(d.Roots, nodes[g.ID])
		}
	}
	// A team under several parents shows under each; the first levels
	// start expanded.
	var open func(ns []*teamNode, depth int)
	open = func(ns []*teamNode, depth int) {
		for _, n := range ns {
			if depth < 2 && !n.Open {
				n.Open = true
				open(n.Children, depth+1)
			}
		}
	}
	open(d.Roots, 0)
	return s.render(w, r, &p, http.StatusOK, "teams", view{Title: "Teams", Section: "teams", Data: d})
}

func (s *Server) team(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx, id := r.Context(), r.PathValue("id")
	g, err := s.st.Get(ctx, p.OrgID, store.KindGroup, id)
	archived := false
	if errors.Is(err, store.ErrNotFound) {
		g, err = s.st.GetArchived(ctx, p.OrgID, store.KindGroup, id)
		archived = true
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFoundf("There is no team %q in this organization.", id)
	}
	if err != nil {
		return err
	}
	d := teamPageData{G: g, Archived: archived, UsersURL: BasePath + "/users?team=" + url.QueryEscape(g.ID)}
	if !archived {
		if err := s.teamDetail(ctx, p.OrgID, &d); err != nil {
			return err
		}
	}
	return s.render(w, r, &p, http.StatusOK, "team", view{Title: g.Name, Section: "teams", Data: d})
}

// teamDetail fills a live team's ancestors and members.
func (s *Server) teamDetail(ctx context.Context, orgID string, d *teamPageData) error {
	parents, err := s.parents(ctx, orgID, d.G.ID)
	if err != nil {
		return err
	}
	d.Parents = parents
	seen := map[string]bool{d.G.ID: true}
	for up := parents; len(up) > 0 && len(d.Path) < 20 && !seen[up[0].Value]; {
		seen[up[0].Value] = true
		d.Path = append([]option{up[0]}, d.Path...)
		if up, err = s.parents(ctx, orgID, up[0].Value); err != nil {
			return err
		}
	}
	ms, err := s.st.Members(ctx, orgID, []string{d.G.ID})
	if err != nil {
		return err
	}
	for _, m := range ms[d.G.ID] {
		if m.Kind == store.KindGroup {
			d.SubTeams = append(d.SubTeams, m)
		} else {
			d.Users = append(d.Users, m)
		}
	}
	byName := func(xs []store.Member) {
		sort.Slice(xs, func(i, j int) bool { return store.Fold(xs[i].Display) < store.Fold(xs[j].Display) })
	}
	byName(d.SubTeams)
	byName(d.Users)
	d.DirectUsers = len(d.Users)
	if len(d.Users) > maxTeamMembers {
		d.Users = d.Users[:maxTeamMembers]
	}
	all, err := s.st.TransitiveMembers(ctx, orgID, d.G.ID)
	if err != nil {
		return err
	}
	d.AllUsers = len(all)
	return nil
}

// parents lists the teams that have team id as a sub-team, by name.
func (s *Server) parents(ctx context.Context, orgID, id string) ([]option, error) {
	page, err := s.st.List(ctx, orgID, store.KindGroup, store.Query{
		Filter: store.Compare{Attr: store.Attr{Column: store.ColMember}, Op: store.OpEq, Value: id},
		SortBy: &store.Attr{Column: store.ColName}, Count: 100})
	if err != nil {
		return nil, err
	}
	out := make([]option, 0, len(page.Resources))
	for _, g := range page.Resources {
		out = append(out, option{Value: g.ID, Label: g.Name})
	}
	return out, nil
}
