package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The users list: search, filters (state, owning source, team) and pages.

const usersPage = 50

type option struct{ Value, Label string }

type userRow struct {
	ID, Name, Display, Email, State, Reason, Source string
	Modified                                        time.Time
}

type usersData struct {
	Q, Status, Source, Team string
	TeamOptions             []option
	SourceOptions           []option
	Rows                    []userRow
	Total, From, To         int
	PrevURL, NextURL        string
	Filtered                bool
}

func (s *Server) users(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := usersData{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Source: q.Get("source"), Team: q.Get("team")}
	if !slices.Contains([]string{"", "active", "inactive", "archived"}, d.Status) {
		return &pageError{Status: http.StatusBadRequest, Msg: "Unknown state filter " + strconv.Quote(d.Status) + "."}
	}
	d.Filtered = d.Q != "" || d.Status != "" || d.Source != "" || d.Team != ""
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(1, pageNo)
	var err error
	if d.TeamOptions, err = s.teamOptions(ctx, p.OrgID); err != nil {
		return err
	}
	if d.SourceOptions, err = s.sourceOptions(ctx, p.OrgID); err != nil {
		return err
	}
	page, err := s.st.List(ctx, p.OrgID, store.KindUser, store.Query{Filter: userFilter(d), Archived: d.Status == "archived",
		SortBy: &store.Attr{Column: store.ColName}, StartIndex: (pageNo-1)*usersPage + 1, Count: usersPage})
	if err != nil {
		return err
	}
	rs := page.Resources
	d.Total = page.Total
	for _, u := range rs {
		d.Rows = append(d.Rows, userRowOf(u))
	}
	if len(rs) > 0 {
		d.From = (pageNo-1)*usersPage + 1
		d.To = d.From + len(rs) - 1
	}
	link := func(n int) string {
		v := url.Values{}
		for k, x := range map[string]string{"q": d.Q, "status": d.Status, "source": d.Source, "team": d.Team} {
			if x != "" {
				v.Set(k, x)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return BasePath + "/users?" + v.Encode()
	}
	if pageNo > 1 {
		d.PrevURL = link(pageNo - 1)
	}
	if pageNo*usersPage < d.Total {
		d.NextURL = link(pageNo + 1)
	}
	return s.render(w, r, &p, http.StatusOK, "users", view{Title: "Users", Section: "users", Data: d})
}

// userFilter is the store query of the search and the state, source and
// team filters.
func userFilter(d usersData) store.Expr {
	var xs []store.Expr
	if d.Q != "" {
		str := func(a store.Attr) store.Expr { return store.Compare{Attr: a, Op: store.OpCo, Value: d.Q} }
		xs = append(xs, store.Or{
			L: store.Or{L: str(store.Attr{Column: store.ColName}), R: str(store.Attr{Column: store.ColDisplayName})},
			R: store.Or{L: store.Any{Path: []string{"emails"}, Cond: str(store.Attr{Path: []string{"value"}, Type: store.TypeString})},
				R: store.Compare{Attr: store.Attr{Column: store.ColExternalID, CaseExact: true}, Op: store.OpEq, Value: d.Q}}})
	}
	switch d.Status {
	case "active", "inactive":
		xs = append(xs, store.Compare{Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: d.Status == "active"})
	}
	if d.Source != "" {
		xs = append(xs, store.Compare{Attr: store.Attr{Column: store.ColSource, Type: store.TypeString, CaseExact: true},
			Op: store.OpEq, Value: d.Source})
	}
	if d.Team != "" {
		xs = append(xs, store.Compare{Attr: store.Attr{Column: store.ColGroup}, Op: store.OpEq, Value: d.Team})
	}
	if len(xs) == 0 {
		return nil
	}
	x := xs[0]
	for _, y := range xs[1:] {
		x = store.And{L: x, R: y}
	}
	return x
}

func userRowOf(u store.Resource) userRow {
	row := userRow{ID: u.ID, Name: u.Name, Display: u.DisplayName, State: userState(u), Source: u.Source, Modified: u.Modified}
	if !u.Active {
		row.Reason = reasonText(u.InactiveReason)
	}
	if es := listValues(u.Attrs["emails"]); len(es) > 0 {
		row.Email = es[0]
	}
	return row
}

func userState(u store.Resource) string {
	switch {
	case u.Archived != nil:
		return "archived"
	case u.Active:
		return "active"
	}
	return "inactive"
}

// listValues returns the values of a multi-valued attribute, the primary
// one first.
func listValues(v any) []string {
	vals, _ := v.([]any)
	var out []string
	for _, x := range vals {
		switch e := x.(type) {
		case string:
			out = append(out, e)
		case map[string]any:
			s, _ := e["value"].(string)
			if p, _ := e["primary"].(bool); p {
				out = append([]string{s}, out...)
			} else {
				out = append(out, s)
			}
		}
	}
	return out
}

// teamOptions are the teams to filter by, by name (at most 500).
func (s *Server) teamOptions(ctx context.Context, orgID string) ([]option, error) {
	page, err := s.st.List(ctx, orgID, store.KindGroup, store.Query{SortBy: &store.Attr{Column: store.ColName}, Count: 500})
	if err != nil {
		return nil, err
	}
	out := make([]option, 0, len(page.Resources))
	for _, g := range page.Resources {
		out = append(out, option{Value: g.ID, Label: g.Name})
	}
	return out, nil
}

// sourceOptions are the owning sources to filter by.
func (s *Server) sourceOptions(ctx context.Context, orgID string) ([]option, error) {
	out := []option{{directory.SourceSCIM, "SCIM (identity provider)"}, {directory.SourceAdmin, "Admin"},
		{directory.SourceImport, "CSV import"}}
	names, err := s.sourceNames(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		out = append(out, option{directory.DirectorySource(n), "Directory sync: " + n})
	}
	return out, nil
}

// user actions: the lifecycle buttons of the user page.

func (s *Server) userAction(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx, id, op := r.Context(), r.PathValue("id"), r.PathValue("op")
	a := p.Actor()
	back := BasePath + "/users/" + url.PathEscape(id)
	var err error
	var done string
	switch op {
	case "activate", "deactivate":
		active := op == "activate"
		_, err = s.dir.Update(ctx, a, store.KindUser, id, func(u *store.Resource) (*store.MemberChange, error) {
			u.Attrs["active"] = active
			return nil, nil
		})
		done = map[bool]string{true: "activated", false: "deactivated"}[active]
	case "archive":
		err = s.dir.Archive(ctx, a, store.KindUser, id, nil)
		done = "archived; it can be restored"
	case "restore":
		_, err = s.dir.Restore(ctx, a, store.KindUser, id)
		done = "restored"
	default:
		return notFoundf("There is no user action %q.", op)
	}
	var pe *directory.PolicyError
	var ue *store.UniqueError
	switch {
	case errors.As(err, &pe):
		return redirect(w, r, back, "error", pe.Msg+". Nothing was changed.")
	case errors.As(err, &ue):
		return redirect(w, r, back, "error", "Cannot restore: "+ue.Error()+" by another user. Nothing was changed.")
	case errors.Is(err, store.ErrNotFound):
		return redirect(w, r, back, "error", "This user cannot be "+op+"d in its current state (reload the page). Nothing was changed.")
	case err != nil:
		return err
	}
	return redirect(w, r, back, "ok", "The user was "+done+".")
}
