package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Users: the list with search, filters and keyset paging, and one user
// with teams and history. The writes are in userwrite.go.

// Page sizes of GET /users.
const (
	defaultUserPage = 50
	maxUserPage     = 500
)

// historyLimit is how many events GET /users/{id} includes; the rest are
// read with GET /events?resource=ID&after=….
const historyLimit = 100

func (s *Server) userRoutes() []route {
	manage := need(directory.ActManageUsers)
	return []route{
		{method: "GET", path: "/users", act: need(directory.ActRead), h: s.listUsers},
		{method: "GET", path: "/users/{id}", act: need(directory.ActRead), h: s.getUser},
		{method: "POST", path: "/users/{id}/activate", act: manage, h: s.activateUser},
		{method: "POST", path: "/users/{id}/deactivate", act: manage, h: s.deactivateUser},
		{method: "POST", path: "/users/{id}/archive", act: manage, h: s.archiveUser},
		{method: "POST", path: "/users/{id}/restore", act: manage, h: s.restoreUser},
		{method: "POST", path: "/users/{id}/purge", act: need(directory.ActPurge), h: s.purgeUser},
	}
}

// userJSON is a user as lists show it.
type userJSON struct {
	ID             string  `json:"id"`
	UserName       string  `json:"userName"`
	DisplayName    string  `json:"displayName,omitempty"`
	Email          string  `json:"email,omitempty"` // the primary (else first) email
	ExternalID     string  `json:"externalId,omitempty"`
	Status         string  `json:"status"` // active, inactive or archived
	Active         bool    `json:"active"`
	InactiveReason string  `json:"inactiveReason,omitempty"`
	Source         string  `json:"source"`
	SourceID       string  `json:"sourceId,omitempty"`
	Version        int64   `json:"version"`
	Created        string  `json:"created"`
	Modified       string  `json:"modified"`
	Archived       *string `json:"archived"`
}

func userOf(r store.Resource) userJSON {
	u := userJSON{ID: r.ID, UserName: r.Name, DisplayName: r.DisplayName, Email: primaryEmail(r.Attrs),
		ExternalID: r.ExternalID, Status: "active", Active: r.Active, InactiveReason: r.InactiveReason,
		Source: r.Source, SourceID: r.SourceID, Version: r.Version, Created: stamp(r.Created),
		Modified: stamp(r.Modified), Archived: stampPtr(r.Archived)}
	switch {
	case r.Archived != nil:
		u.Status = "archived"
	case !r.Active:
		u.Status = "inactive"
	}
	return u
}

func primaryEmail(attrs map[string]any) string {
	list, _ := attrs["emails"].([]any)
	first := ""
	for _, e := range list {
		m, _ := e.(map[string]any)
		v, _ := m["value"].(string)
		if p, _ := m["primary"].(bool); p && v != "" {
			return v
		}
		if first == "" {
			first = v
		}
	}
	return first
}

// userPage is the response of GET /users. Total is counted on the first
// page only; Next is the cursor of the following page ("" on the last).
type userPage struct {
	Users []userJSON `json:"users"`
	Total *int       `json:"total,omitempty"`
	Next  string     `json:"next"`
}

// listUsers serves GET /users: users by userName, searched and filtered.
//
//	q=TEXT          userName, displayName or an email contains TEXT (case-insensitively)
//	status=S        active, inactive or archived (default: active and inactive)
//	source=SRC      owned by SRC (scim, admin, import, ldap:NAME)
//	team=ID         members of the team, directly or through sub-teams
//	cursor=C        the previous page's next
//	limit=N         1 to 500, default 50
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	v := r.URL.Query()
	if err := onlyParams(v, "q", "status", "source", "team", "cursor", "limit"); err != nil {
		return err
	}
	q := store.Query{SortBy: &store.Attr{Column: store.ColName}, Count: defaultUserPage}
	var filters []store.Expr
	if text := strings.TrimSpace(v.Get("q")); text != "" {
		co := func(a store.Attr) store.Expr { return store.Compare{Attr: a, Op: store.OpCo, Value: text} }
		filters = append(filters, store.Or{
			L: store.Or{L: co(store.Attr{Column: store.ColName}), R: co(store.Attr{Column: store.ColDisplayName})},
			R: store.Any{Path: []string{"emails"}, Cond: co(store.Attr{Path: []string{"value"}, Type: store.TypeString})},
		})
	}
	switch st := v.Get("status"); st {
	case "":
	case "active", "inactive":
		filters = append(filters, store.Compare{Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: st == "active"})
	case "archived":
		q.Archived = true
	default:
		return errorf(http.StatusBadRequest, "status=%q: want active, inactive or archived", st)
	}
	if src := strings.TrimSpace(v.Get("source")); src != "" {
		filters = append(filters, store.Compare{Attr: store.Attr{Column: store.ColSource, Type: store.TypeString, CaseExact: true},
			Op: store.OpEq, Value: src})
	}
	if team := strings.TrimSpace(v.Get("team")); team != "" {
		filters = append(filters, store.Compare{Attr: store.Attr{Column: store.ColGroup}, Op: store.OpEq, Value: team})
	}
	q.Filter = andAll(filters)
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxUserPage {
			return errorf(http.StatusBadRequest, "limit=%q must be an integer from 1 to %d", l, maxUserPage)
		}
		q.Count = n
	}
	if c := v.Get("cursor"); c != "" {
		k, err := decodeCursor(c)
		if err != nil {
			return err
		}
		q.After, q.NoTotal = &k, true
	}
	page, err := s.dir.Store().List(r.Context(), p.OrgID, store.KindUser, q)
	if err != nil {
		return err
	}
	out := userPage{Users: make([]userJSON, 0, len(page.Resources))}
	if q.After == nil {
		out.Total = &page.Total
	}
	for _, u := range page.Resources {
		out.Users = append(out.Users, userOf(u))
	}
	if page.HasNext && len(page.Keys) > 0 {
		out.Next = encodeCursor(page.Keys[len(page.Keys)-1])
	}
	return writeJSON(w, http.StatusOK, out)
}

func andAll(xs []store.Expr) store.Expr {
	if len(xs) == 0 {
		return nil
	}
	x := xs[0]
	for _, y := range xs[1:] {
		x = store.And{L: x, R: y}
	}
	return x
}

// onlyParams refuses query parameters outside known, and repeated ones.
func onlyParams(v url.Values, known ...string) error {
	for k, vals := range v {
		ok := false
		for _, n := range known {
			ok = ok || n == k
		}
		if !ok {
			return errorf(http.StatusBadRequest, "unknown parameter %q; the parameters are %s", k, strings.Join(known, ", "))
		}
		if len(vals) > 1 {
			return errorf(http.StatusBadRequest, "parameter %s is given %d times; give it once", k, len(vals))
		}
	}
	return nil
}

// cursorJSON is a user list position: opaque to clients (base64url of
// this JSON), the store's keyset inside.
type cursorJSON struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

func encodeCursor(k store.Keyset) string {
	b, _ := json.Marshal(cursorJSON{Key: k.Key, ID: k.ID}) // strings only: always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (store.Keyset, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursorJSON
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" || c.Key == "" {
		return store.Keyset{}, errorf(http.StatusBadRequest, "cursor=%q is not a cursor: pass the next value of the previous page", s)
	}
	return store.Keyset{Key: c.Key, ID: c.ID}, nil
}

// teamRefJSON is a team a user belongs to.
type teamRefJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Direct bool   `json:"direct"` // else through a sub-team
}

// userDetail is the response of GET /users/{id}.
type userDetail struct {
	userJSON
	SyncSource string         `json:"syncSource,omitempty"` // the directory source that owns the user
	Attributes map[string]any `json:"attributes"`           // the SCIM document as stored
	Teams      []teamRefJSON  `json:"teams"`
	History    []eventJSON    `json:"history"` // the first events; the rest with GET /events?resource=ID&after=HistoryNext
	// HistoryNext is the after cursor of the events past History ("" when
	// History has them all).
	HistoryNext string `json:"historyNext"`
}

// getUser serves GET /users/{id}: a live or archived user, with its
// teams (direct and inherited) and its history.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id := r.PathValue("id")
	u, err := s.findUser(r, p, id)
	if err != nil {
		return err
	}
	st := s.dir.Store()
	out := userDetail{userJSON: userOf(u), Attributes: u.Attrs, Teams: []teamRefJSON{}}
	if out.Attributes == nil {
		out.Attributes = map[string]any{}
	}
	if directory.IsDirectorySource(u.Source) {
		out.SyncSource = strings.TrimPrefix(u.Source, "ldap:")
	}
	if u.Archived == nil {
		gs, err := st.Groups(r.Context(), p.OrgID, []string{id})
		if err != nil {
			return err
		}
		for _, g := range gs[id] {
			out.Teams = append(out.Teams, teamRefJSON{ID: g.ID, Name: g.Display, Direct: g.Direct})
		}
	}
	evs, err := st.Events(r.Context(), p.OrgID, store.EventQuery{ResourceID: id, Limit: historyLimit + 1})
	if err != nil {
		return err
	}
	if len(evs) > historyLimit {
		evs = evs[:historyLimit]
		out.HistoryNext = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	out.History = eventsOf(evs)
	return writeJSON(w, http.StatusOK, out)
}

// findUser returns a live user, or else an archived one; 404 when the
// organization has neither.
func (s *Server) findUser(r *http.Request, p directory.AdminPrincipal, id string) (store.Resource, error) {
	st := s.dir.Store()
	u, err := st.Get(r.Context(), p.OrgID, store.KindUser, id)
	if errors.Is(err, store.ErrNotFound) {
		u, err = st.GetArchived(r.Context(), p.OrgID, store.KindUser, id)
	}
	return u, notFound(err, "no user %q in this organization", id)
}

// stamp formats a time as the API does: RFC 3339 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func stampPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}
