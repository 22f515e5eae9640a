package scim

import (
	"net/http"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// get serves GET /{Type}/{id} (RFC 7644 §3.4.1), with If-None-Match → 304.
func (h *resourceHandler) get(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	proj, err := h.projection(r)
	if err != nil {
		return err
	}
	res, err := h.s.dir.Store().Get(r.Context(), p.OrgID, h.kind, r.PathValue("id"))
	if err != nil {
		return err
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && matchesETag(inm, res.Version) {
		w.Header().Set("ETag", etag(res.Version))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return h.respond(w, r, p, http.StatusOK, res, proj)
}

// respond writes one resource with its ETag (and Location on 201).
func (h *resourceHandler) respond(w http.ResponseWriter, r *http.Request, p directory.Principal, status int, res store.Resource, proj schema.Projection) error {
	rel, err := h.loadRelated(r.Context(), p.OrgID, []store.Resource{res}, proj)
	if err != nil {
		return err
	}
	base := h.s.baseURL(r)
	w.Header().Set("ETag", etag(res.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", base+h.rt.Endpoint+"/"+res.ID)
	}
	return writeJSON(w, status, h.render(base, res, rel, proj))
}

func (h *resourceHandler) projection(r *http.Request) (schema.Projection, error) {
	q := r.URL.Query()
	return h.rt.NewProjection(q.Get("attributes"), q.Get("excludedAttributes"))
}

// input is a POST or PUT body read into a resource.
type input struct {
	proj       schema.Projection
	res        store.Resource
	members    []string
	hasMembers bool // the body had a "members" key ([] included)
}

// read decodes, normalizes and takes apart a POST or PUT body.
func (h *resourceHandler) read(r *http.Request) (in input, err error) {
	if in.proj, err = h.projection(r); err != nil {
		return in, err
	}
	body, err := decodeJSON(r)
	if err != nil {
		return in, err
	}
	doc, err := h.rt.Normalize(body)
	if err != nil {
		return in, err
	}
	in.res.Kind = h.kind
	in.members, in.hasMembers, err = h.take(&in.res, doc)
	return in, err
}

// create serves POST /{Type} (RFC 7644 §3.3).
func (h *resourceHandler) create(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	in, err := h.read(r)
	if err != nil {
		return err
	}
	res, err := h.s.dir.Create(r.Context(), p.Actor(), in.res, in.members)
	if err != nil {
		return err
	}
	return h.respond(w, r, p, http.StatusCreated, res, in.proj)
}

// take moves a normalized document into res: the password is hashed into
// its column and the members are returned, neither stays in the document.
func (h *resourceHandler) take(res *store.Resource, doc map[string]any) (members []string, hasMembers bool, err error) {
	if pw, ok := doc["password"]; ok {
		delete(doc, "password")
		if s, _ := pw.(string); s != "" {
			if res.PasswordHash, err = directory.HashPassword(s); err != nil {
				return nil, false, err
			}
		}
	}
	delete(doc, "schemas")
	raw, hasMembers := doc["members"]
	delete(doc, "members")
	if list, ok := raw.([]any); ok {
		for _, e := range list {
			m, _ := e.(map[string]any)
			id, _ := m["value"].(string)
			if id == "" {
				return nil, false, scimerr.BadRequest(scimerr.InvalidValue, "every member needs a value (the member's id)")
			}
			members = append(members, id)
		}
	}
	res.Attrs = doc
	return members, hasMembers, nil
}

// replace serves PUT /{Type}/{id} (RFC 7644 §3.5.1): readOnly values sent
// back are ignored, immutable ones enforced. A Group PUT without a
// "members" key keeps the members (an explicit [] empties the group): no
// client loses a membership by omitting it.
func (h *resourceHandler) replace(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	in, err := h.read(r)
	if err != nil {
		return err
	}
	next, members, hasMembers, proj := in.res, in.members, in.hasMembers, in.proj
	ifMatch := r.Header.Get("If-Match")
	res, err := h.s.dir.Update(r.Context(), p.Actor(), h.kind, r.PathValue("id"), func(cur *store.Resource) (*store.MemberChange, error) {
		if ifMatch != "" && !matchesETag(ifMatch, cur.Version) {
			return nil, store.ErrPreconditionFailed
		}
		attrs, err := h.rt.Replace(cur.Attrs, next.Attrs)
		if err != nil {
			return nil, err
		}
		cur.Attrs = attrs
		if next.PasswordHash != "" {
			cur.PasswordHash = next.PasswordHash
		}
		if h.kind == store.KindGroup && hasMembers {
			return &store.MemberChange{Clear: true, Add: members}, nil
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	return h.respond(w, r, p, http.StatusOK, res, proj)
}

// delete serves DELETE /{Type}/{id} (RFC 7644 §3.6) under the
// organization's delete policy: the resource is archived and answers 404
// from then on (the default), or a user is only deactivated and stays
// readable with active=false. Nothing is lost either way.
func (h *resourceHandler) delete(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	ifMatch := r.Header.Get("If-Match")
	err := h.s.dir.Delete(r.Context(), p.Actor(), h.kind, r.PathValue("id"), func(cur store.Resource) error {
		if ifMatch != "" && !matchesETag(ifMatch, cur.Version) {
			return store.ErrPreconditionFailed
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
