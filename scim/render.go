package scim

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// resourceHandler serves one resource type's endpoints.
type resourceHandler struct {
	s    *Server
	rt   *schema.ResourceType
	kind store.Kind
}

// related holds what a page of resources references: group members or the
// groups of users, loaded in one query per page, and only when projected.
type related struct {
	members map[string][]store.Member
	groups  map[string][]store.GroupRef // a user's groups; a group's parent teams
	counts  map[string]int              // direct member counts of groups
	// transitive holds every user of each group through sub-teams; only
	// loaded when asked for (returned=request).
	transitive map[string][]store.Member
}

func (h *resourceHandler) loadRelated(ctx context.Context, orgID string, rs []store.Resource, proj schema.Projection) (related, error) {
	var rel related
	if len(rs) == 0 {
		return rel, nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	st := h.s.dir.Store()
	var err error
	if h.kind == store.KindUser {
		if proj.Wants("groups") {
			rel.groups, err = st.Groups(ctx, orgID, ids)
		}
		return rel, err
	}
	if proj.Wants("members") {
		if rel.members, err = st.Members(ctx, orgID, ids); err != nil {
			return rel, err
		}
	}
	if proj.Wants("parentTeams") {
		if rel.groups, err = st.Groups(ctx, orgID, ids); err != nil {
			return rel, err
		}
	}
	if proj.Wants("memberCount") {
		if rel.counts, err = st.MemberCounts(ctx, orgID, ids); err != nil {
			return rel, err
		}
	}
	if proj.Wants("transitiveMembers") {
		rel.transitive = make(map[string][]store.Member, len(ids))
		for _, id := range ids {
			if rel.transitive[id], err = st.TransitiveMembers(ctx, orgID, id); err != nil {
				return rel, err
			}
		}
	}
	return rel, nil
}

// render builds the SCIM representation of r (RFC 7643 §3) and applies the
// projection.
func (h *resourceHandler) render(base string, r store.Resource, rel related, proj schema.Projection) map[string]any {
	out := make(map[string]any, len(r.Attrs)+6)
	for k, v := range r.Attrs {
		out[k] = v
	}
	out["id"] = r.ID
	out["schemas"] = h.schemas(r.Attrs)
	out["meta"] = map[string]any{
		"resourceType": h.rt.ID,
		"created":      formatTime(r.Created),
		"lastModified": formatTime(r.Modified),
		"location":     base + h.rt.Endpoint + "/" + r.ID,
		"version":      etag(r.Version),
	}
	switch h.kind {
	case store.KindGroup:
		if rel.members != nil {
			out["members"] = memberRefs(base, rel.members[r.ID], true)
		}
		if team := teamValues(base, r.ID, rel); len(team) > 0 {
			out[schema.TeamURN] = team
			out["schemas"] = append(out["schemas"].([]string), schema.TeamURN)
		}
	case store.KindUser:
		if gs, ok := rel.groups[r.ID]; ok {
			out["groups"] = groupRefs(base, gs)
		}
	}
	return proj.Apply(out)
}

// memberRefs renders members (RFC 7643 §4.2), with their type when asked.
func memberRefs(base string, ms []store.Member, withType bool) []any {
	list := make([]any, 0, len(ms))
	for _, m := range ms {
		ref := map[string]any{
			"value":   m.ID,
			"$ref":    base + endpointOf(m.Kind) + "/" + m.ID,
			"display": m.Display,
		}
		if withType {
			ref["type"] = string(m.Kind)
		}
		list = append(list, ref)
	}
	return list
}

// groupRefs renders a user's groups or a team's parent teams, direct or
// indirect (RFC 7643 §4.1.2).
func groupRefs(base string, gs []store.GroupRef) []any {
	list := make([]any, 0, len(gs))
	for _, g := range gs {
		typ := "indirect"
		if g.Direct {
			typ = "direct"
		}
		list = append(list, map[string]any{
			"value":   g.ID,
			"$ref":    base + "/Groups/" + g.ID,
			"display": g.Display,
			"type":    typ,
		})
	}
	return list
}

// teamValues renders the team extension of a group from what was loaded.
func teamValues(base, id string, rel related) map[string]any {
	team := map[string]any{}
	if rel.groups != nil {
		if gs := rel.groups[id]; len(gs) > 0 {
			team["parentTeams"] = groupRefs(base, gs)
		}
	}
	if rel.counts != nil {
		team["memberCount"] = rel.counts[id]
	}
	if rel.transitive != nil {
		team["transitiveMembers"] = memberRefs(base, rel.transitive[id], false)
	}
	return team
}

// schemas lists the core schema and every extension the document uses.
func (h *resourceHandler) schemas(attrs map[string]any) []string {
	list := []string{h.rt.Schema.ID}
	for _, ext := range h.rt.Extensions {
		if v, ok := attrs[ext.Schema.ID]; ok && v != nil {
			list = append(list, ext.Schema.ID)
		}
	}
	return list
}

func endpointOf(k store.Kind) string {
	if k == store.KindGroup {
		return "/Groups"
	}
	return "/Users"
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// etag is the weak entity tag of a version (RFC 7644 §3.14).
func etag(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }

// matchesETag reports whether the If-Match / If-None-Match header value
// names version v ("*" names any). Weak and strong forms compare equal.
func matchesETag(header string, v int64) bool {
	want := strconv.FormatInt(v, 10)
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if strings.Trim(t, `"`) == want {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }
