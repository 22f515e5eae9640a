package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The user page: attributes, teams, history and the lifecycle buttons.

const historyPage = 25

type attrRow struct {
	Label, Value string
	Link         string // a page the value names (the manager), or ""
	Code         bool   // an identifier, shown as code
}

type userPageData struct {
	U       store.Resource
	State   string
	Reason  string
	Attrs   []attrRow
	Meta    []attrRow
	Teams   []store.GroupRef
	History []eventRow
	Older   string
	Newest  string
}

func (s *Server) user(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx, id := r.Context(), r.PathValue("id")
	u, err := s.st.Get(ctx, p.OrgID, store.KindUser, id)
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.st.GetArchived(ctx, p.OrgID, store.KindUser, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFoundf("There is no user %q in this organization.", id)
	}
	if err != nil {
		return err
	}
	d := userPageData{U: u, State: userState(u), Attrs: attrRows(u.Attrs)}
	if !u.Active {
		d.Reason = reasonText(u.InactiveReason)
	}
	d.Meta = []attrRow{{Label: "id", Value: u.ID, Code: true}, {Label: "owning source", Value: u.Source, Code: true}}
	if u.SourceID != "" {
		d.Meta = append(d.Meta, attrRow{Label: "id in the source", Value: u.SourceID, Code: true})
	}
	d.Meta = append(d.Meta, attrRow{Label: "created", Value: when(u.Created)},
		attrRow{Label: "modified", Value: when(u.Modified)},
		attrRow{Label: "version", Value: strconv.FormatInt(u.Version, 10)})
	if u.Archived != nil {
		d.Meta = append(d.Meta, attrRow{Label: "archived", Value: when(u.Archived)})
	}
	if u.Archived == nil {
		gs, err := s.st.Groups(ctx, p.OrgID, []string{u.ID})
		if err != nil {
			return err
		}
		d.Teams = gs[u.ID]
		sort.Slice(d.Teams, func(i, j int) bool { return store.Fold(d.Teams[i].Display) < store.Fold(d.Teams[j].Display) })
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	evs, next, err := s.eventsBefore(ctx, p.OrgID, store.EventQuery{ResourceID: u.ID}, before, historyPage)
	if err != nil {
		return err
	}
	if d.History, err = s.eventRows(ctx, p.OrgID, evs); err != nil {
		return err
	}
	self := BasePath + "/users/" + url.PathEscape(u.ID)
	if next > 0 {
		d.Older = self + "?before=" + strconv.FormatInt(next, 10) + "#history"
	}
	if before > 0 {
		d.Newest = self + "#history"
	}
	title := u.DisplayName
	if title == "" {
		title = u.Name
	}
	return s.render(w, r, &p, http.StatusOK, "user", view{Title: title, Section: "users", Data: d})
}

// attrOrder puts the attributes people look for first.
var attrOrder = []string{"userName", "displayName", "name", "emails", "phoneNumbers", "title", "userType", "externalId",
	"preferredLanguage", "locale", "timezone", "roles", "entitlements"}

// attrRows lists a user's document for people: simple values as they are,
// complex ones by sub-attribute, multi-valued ones joined, extensions
// under a short name ("enterprise department"). The password never shows.
func attrRows(doc map[string]any) []attrRow {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		switch strings.ToLower(k) {
		case "schemas", "password", "active":
			continue
		}
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(attrOrder, k); i >= 0 {
			return i
		}
		return len(attrOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	var out []attrRow
	for _, k := range keys {
		v := doc[k]
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			ext, _ := v.(map[string]any)
			out = append(out, subRows(extensionLabel(k)+" ", ext)...)
			continue
		}
		if m, ok := v.(map[string]any); ok {
			out = append(out, subRows(k+".", m)...)
			continue
		}
		out = append(out, attrRow{Label: k, Value: valueText(v)})
	}
	return out
}

func subRows(prefix string, m map[string]any) []attrRow {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []attrRow
	for _, k := range keys {
		row := attrRow{Label: prefix + k, Value: valueText(m[k])}
		if ref, ok := m[k].(map[string]any); ok && strings.EqualFold(k, "manager") {
			id, _ := ref["value"].(string)
			name, _ := ref["displayName"].(string)
			row.Value = strings.TrimSpace(name + " " + id)
			if id != "" {
				row.Link = BasePath + "/users/" + url.PathEscape(id)
			}
		}
		out = append(out, row)
	}
	return out
}

// extensionLabel names a schema extension briefly: "enterprise" for
// urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.
func extensionLabel(urn string) string {
	if _, rest, ok := strings.Cut(urn, ":extension:"); ok {
		name, _, _ := strings.Cut(rest, ":")
		return name
	}
	return urn[strings.LastIndex(urn, ":")+1:]
}

// valueText renders one attribute value.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				parts = append(parts, valueText(e))
				continue
			}
			s := valueText(m["value"])
			if t, _ := m["type"].(string); t != "" {
				s += " (" + t + ")"
			}
			if p, _ := m["primary"].(bool); p {
				s += ", primary"
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
