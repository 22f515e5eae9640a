package scim

import (
	"net/http"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/patch"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// patch serves PATCH /{Type}/{id} (RFC 7644 §3.5.2). The operations are
// applied by package patch as a pure function inside the store's
// transaction; a Group's member operations become a store.MemberChange so
// that they cost O(changed members). Users answer 200 with the resource;
// Groups answer 204 (Microsoft's advice for large groups) unless the
// request names attributes or excludedAttributes, which RFC 7644 §3.5.2
// says requires 200 with the resource.
func (h *resourceHandler) patch(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	proj, err := h.projection(r)
	if err != nil {
		return err
	}
	req, err := patch.Decode(r.Body)
	if err != nil {
		return bodyErrorOr(err)
	}
	id := r.PathValue("id")
	opt := patch.Options{ID: id}
	if h.kind == store.KindGroup {
		opt.Detach = "members"
	}
	ifMatch := r.Header.Get("If-Match")
	var hashed, hashedFrom string
	res, err := h.s.dir.Update(r.Context(), p.Actor(), h.kind, id, func(cur *store.Resource) (*store.MemberChange, error) {
		if ifMatch != "" && !matchesETag(ifMatch, cur.Version) {
			return nil, store.ErrPreconditionFailed
		}
		doc, det, err := patch.Apply(h.rt, cur.Attrs, req.Operations, opt)
		if err != nil {
			return nil, err
		}
		if err := h.rt.CheckChangedExtensions(cur.Attrs, doc); err != nil {
			return nil, err
		}
		if pw, ok := doc["password"].(string); ok && pw != "" {
			if pw != hashedFrom { // fn may run more than once: hash once
				if hashed, err = directory.HashPassword(pw); err != nil {
					return nil, err
				}
				hashedFrom = pw
			}
			cur.PasswordHash = hashed
		}
		delete(doc, "password")
		delete(doc, "schemas")
		cur.Attrs = doc
		return h.memberChange(det)
	})
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if h.kind == store.KindGroup && q.Get("attributes") == "" && q.Get("excludedAttributes") == "" {
		w.Header().Set("ETag", etag(res.Version))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return h.respond(w, r, p, http.StatusOK, res, proj)
}

// memberChange converts the patch engine's detached member operations.
func (h *resourceHandler) memberChange(d *patch.Detached) (*store.MemberChange, error) {
	if d == nil {
		return nil, nil
	}
	mc := &store.MemberChange{Clear: d.Clear, Remove: d.Remove}
	for _, e := range d.Add {
		if id, _ := e["value"].(string); id != "" {
			mc.Add = append(mc.Add, id)
		}
	}
	if len(d.RemoveWhere) > 0 {
		rt := h.rt
		mc.RemoveWhere = func(m store.Member) bool {
			return d.Selects(rt, map[string]any{"value": m.ID, "type": string(m.Kind), "display": m.Display})
		}
	}
	return mc, nil
}

// bodyErrorOr maps body-reading failures (size, syntax) and passes SCIM
// errors through.
func bodyErrorOr(err error) error {
	if _, ok := scimerr.As(err); ok {
		return err
	}
	return bodyError(err)
}
