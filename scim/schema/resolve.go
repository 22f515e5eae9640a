package schema

import (
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/scimerr"
)

// Resolved is an attribute path resolved against a resource type: canonical
// names, the schema it lives in and its definitions.
type Resolved struct {
	Schema *Schema    // core schema or the extension holding the attribute
	Attr   *Attribute // top-level attribute; nil when the path names a whole extension
	Sub    *Attribute // sub-attribute, or nil

	ext bool // Schema is an extension (its values nest under its URN)
}

// Extension reports whether the path lives in a schema extension.
func (r Resolved) Extension() bool { return r.ext }

// Def returns the definition the path designates: the sub-attribute when
// there is one, else the attribute (nil for a whole extension).
func (r Resolved) Def() *Attribute {
	if r.Sub != nil {
		return r.Sub
	}
	return r.Attr
}

// Keys returns the path of the value in a stored document: core attributes
// at the top level ["name","givenName"], extension attributes under their
// URN [urn, "manager", "value"], a whole extension as [urn].
func (r Resolved) Keys() []string {
	keys := make([]string, 0, 3)
	if r.ext || r.Attr == nil {
		keys = append(keys, r.Schema.ID)
	}
	if r.Attr != nil {
		keys = append(keys, r.Attr.Name)
	}
	if r.Sub != nil {
		keys = append(keys, r.Sub.Name)
	}
	return keys
}

// String renders the canonical path: "name.givenName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
// or the URN of a whole extension.
func (r Resolved) String() string {
	var b strings.Builder
	if r.ext || r.Attr == nil {
		b.WriteString(r.Schema.ID)
		if r.Attr != nil {
			b.WriteByte(':')
		}
	}
	if r.Attr != nil {
		b.WriteString(r.Attr.Name)
	}
	if r.Sub != nil {
		b.WriteByte('.')
		b.WriteString(r.Sub.Name)
	}
	return b.String()
}

// Schemas returns the core schema followed by the extension schemas.
func (rt *ResourceType) Schemas() []*Schema {
	out := make([]*Schema, 0, 1+len(rt.Extensions))
	out = append(out, rt.Schema)
	for _, e := range rt.Extensions {
		out = append(out, e.Schema)
	}
	return out
}

// SchemaByURN returns the core schema or the extension whose id is urn
// (case-insensitively, RFC 7643 §2.1), and whether it is an extension.
func (rt *ResourceType) SchemaByURN(urn string) (s *Schema, ext bool) {
	if equalFold(rt.Schema.ID, urn) {
		return rt.Schema, false
	}
	for _, e := range rt.Extensions {
		if equalFold(e.Schema.ID, urn) {
			return e.Schema, true
		}
	}
	return nil, false
}

// Resolve resolves p case-insensitively (RFC 7643 §2.1). An unqualified
// name is looked up in the core schema, then in the extensions. A
// qualified one (RFC 7644 §3.10) is looked up in the schema its URN names;
// a path that is exactly an extension's URN names the whole extension
// (Attr nil). Unknown attributes give a *scimerr.Error (400 invalidPath);
// callers re-type it (filters: invalidFilter). The core schema's URN alone
// is not an attribute path and is an error too.
func (rt *ResourceType) Resolve(p filter.AttrPath) (Resolved, error) {
	var r Resolved
	switch {
	case p.URN != "":
		s, ext := rt.SchemaByURN(p.URN)
		if s != nil {
			r = Resolved{Schema: s, Attr: s.Attr(p.Name), ext: ext}
		}
		if r.Attr == nil {
			if s, ext := rt.SchemaByURN(p.URN + ":" + p.Name); s != nil && ext && p.Sub == "" {
				return Resolved{Schema: s, ext: true}, nil
			}
			return Resolved{}, unknownPath(p)
		}
	default:
		if a := rt.Schema.Attr(p.Name); a != nil {
			r = Resolved{Schema: rt.Schema, Attr: a}
		}
		for i := 0; r.Attr == nil && i < len(rt.Extensions); i++ {
			s := rt.Extensions[i].Schema
			if a := s.Attr(p.Name); a != nil {
				r = Resolved{Schema: s, Attr: a, ext: true}
			}
		}
		if r.Attr == nil {
			if s, ext := rt.SchemaByURN(p.Name); s != nil && ext && p.Sub == "" {
				return Resolved{Schema: s, ext: true}, nil
			}
			return Resolved{}, unknownPath(p)
		}
	}
	if p.Sub != "" {
		if r.Attr.Type != Complex {
			return Resolved{}, scimerr.BadRequest(scimerr.InvalidPath,
				"attribute %q has no sub-attributes", r.Attr.Name)
		}
		if r.Sub = r.Attr.Sub(p.Sub); r.Sub == nil {
			return Resolved{}, unknownPath(p)
		}
	}
	return r, nil
}

// ResolveName resolves an attribute path written as a string, as it
// appears as a key of a request body, in the attributes and
// excludedAttributes parameters, or in sortBy: "userName", "name.givenName",
// "urn:ietf:params:scim:schemas:core:2.0:User:userName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
// or a whole extension's URN. Errors are as for Resolve.
func (rt *ResourceType) ResolveName(name string) (Resolved, error) {
	return rt.Resolve(SplitAttrPath(name))
}

// SplitAttrPath splits a written attrPath (RFC 7644 §3.10) into its parts
// without validating it: a qualified path is split at its last colon, the
// sub-attribute at the first dot after it. It never fails; Resolve rejects
// what does not resolve.
func SplitAttrPath(s string) filter.AttrPath {
	var p filter.AttrPath
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		p.URN, s = s[:i], s[i+1:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, p.Sub = s[:i], s[i+1:]
	}
	p.Name = s
	return p
}

func unknownPath(p filter.AttrPath) error {
	return scimerr.BadRequest(scimerr.InvalidPath, "unknown attribute %q", p.String())
}
