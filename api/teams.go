package api

import (
	"net/http"
	"strconv"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Teams: the tree (every team with its parents) and one team with its
// members, direct or transitive.

// teamBatch is how many teams one store call asks about.
const teamBatch = 500

func (s *Server) teamRoutes() []route {
	return []route{
		{method: "GET", path: "/teams", act: need(directory.ActRead), h: s.listTeams},
		{method: "GET", path: "/teams/{id}", act: need(directory.ActRead), h: s.getTeam},
	}
}

// teamJSON is a team in the tree.
type teamJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	ExternalID  string   `json:"externalId,omitempty"`
	Source      string   `json:"source"`
	Parents     []string `json:"parents"` // the teams it is a direct sub-team of
	MemberCount int      `json:"memberCount"`
	Created     string   `json:"created"`
	Modified    string   `json:"modified"`
}

// listTeams serves GET /teams: every live team with the ids of its direct
// parents and its number of direct members (users and sub-teams), in name
// order; roots have no parents. It reads the teams page by page and asks
// the store about them in batches: its cost grows with the teams and
// their parent edges, never with the members.
func (s *Server) listTeams(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	ctx, st := r.Context(), s.dir.Store()
	out := struct {
		Teams []teamJSON `json:"teams"`
	}{Teams: []teamJSON{}}
	q := store.Query{SortBy: &store.Attr{Column: store.ColName}, Count: teamBatch, NoTotal: true}
	for {
		page, err := st.List(ctx, p.OrgID, store.KindGroup, q)
		if err != nil {
			return err
		}
		ids := make([]string, len(page.Resources))
		for i, g := range page.Resources {
			ids[i] = g.ID
		}
		var parents map[string][]store.GroupRef
		var counts map[string]int
		if len(ids) > 0 {
			if parents, err = st.Groups(ctx, p.OrgID, ids); err != nil {
				return err
			}
			if counts, err = st.MemberCounts(ctx, p.OrgID, ids); err != nil {
				return err
			}
		}
		for _, g := range page.Resources {
			t := teamOf(g)
			t.MemberCount = counts[g.ID]
			for _, ref := range parents[g.ID] {
				if ref.Direct {
					t.Parents = append(t.Parents, ref.ID)
				}
			}
			out.Teams = append(out.Teams, t)
		}
		if !page.HasNext || len(page.Keys) == 0 {
			break
		}
		k := page.Keys[len(page.Keys)-1]
		q.After = &k
	}
	return writeJSON(w, http.StatusOK, out)
}

func teamOf(g store.Resource) teamJSON {
	return teamJSON{ID: g.ID, Name: g.Name, ExternalID: g.ExternalID, Source: g.Source, Parents: []string{},
		Created: stamp(g.Created), Modified: stamp(g.Modified)}
}

// memberJSON is a member of a team: a user or a sub-team.
type memberJSON struct {
	ID      string `json:"id"`
	Type    string `json:"type"` // User or Group
	Display string `json:"display"`
}

// teamDetail is the response of GET /teams/{id}.
type teamDetail struct {
	teamJSON
	Members    []memberJSON `json:"members"`            // direct: users and sub-teams
	Transitive bool         `json:"transitive"`         // Members are every user, through sub-teams too
	SubTeams   []memberJSON `json:"subTeams,omitempty"` // direct sub-teams (with transitive=true)
}

// getTeam serves GET /teams/{id}: the team, its parents and its direct
// members; with transitive=true, its users directly or through sub-teams
// (each once) and its direct sub-teams.
func (s *Server) getTeam(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	v := r.URL.Query()
	if err := onlyParams(v, "transitive"); err != nil {
		return err
	}
	transitive := false
	if t := v.Get("transitive"); t != "" {
		var err error
		if transitive, err = strconv.ParseBool(t); err != nil {
			return errorf(http.StatusBadRequest, "transitive=%q: want true or false", t)
		}
	}
	ctx, st, id := r.Context(), s.dir.Store(), r.PathValue("id")
	g, err := st.Get(ctx, p.OrgID, store.KindGroup, id)
	if err != nil {
		return notFound(err, "no team %q in this organization", id)
	}
	out := teamDetail{teamJSON: teamOf(g), Members: []memberJSON{}, Transitive: transitive}
	parents, err := st.Groups(ctx, p.OrgID, []string{id})
	if err != nil {
		return err
	}
	for _, ref := range parents[id] {
		if ref.Direct {
			out.Parents = append(out.Parents, ref.ID)
		}
	}
	direct, err := st.Members(ctx, p.OrgID, []string{id})
	if err != nil {
		return err
	}
	out.MemberCount = len(direct[id])
	if !transitive {
		for _, m := range direct[id] {
			out.Members = append(out.Members, memberJSON{ID: m.ID, Type: string(m.Kind), Display: m.Display})
		}
		return writeJSON(w, http.StatusOK, out)
	}
	out.SubTeams = []memberJSON{}
	for _, m := range direct[id] {
		if m.Kind == store.KindGroup {
			out.SubTeams = append(out.SubTeams, memberJSON{ID: m.ID, Type: string(m.Kind), Display: m.Display})
		}
	}
	users, err := st.TransitiveMembers(ctx, p.OrgID, id)
	if err != nil {
		return err
	}
	for _, m := range users {
		out.Members = append(out.Members, memberJSON{ID: m.ID, Type: string(store.KindUser), Display: m.Display})
	}
	return writeJSON(w, http.StatusOK, out)
}
