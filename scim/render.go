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
	groups  map[string][]store.GroupRef
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
	var err error
	switch {
	case h.kind == store.KindGroup && proj.Wants("members"):
		rel.members, err = h.s.dir.Store().Members(ctx, orgID, ids)
	case h.kind == store.KindUser && proj.Wants("groups"):
		rel.groups, err = h.s.dir.Store().Groups(ctx, orgID, ids)
	}
	return rel, err
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
		if ms, ok := rel.members[r.ID]; ok || rel.members != nil {
			list := make([]any, 0, len(ms))
			for _, m := range ms {
				list = append(list, map[string]any{
					"value":   m.ID,
					"$ref":    base + endpointOf(m.Kind) + "/" + m.ID,
					"type":    string(m.Kind),
					"display": m.Display,
				})
			}
			out["members"] = list
		}
	case store.KindUser:
		if gs, ok := rel.groups[r.ID]; ok {
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
			out["groups"] = list
		}
	}
	return proj.Apply(out)
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
