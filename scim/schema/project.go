package schema

import (
	"strings"
)

// Projection is a parsed attributes / excludedAttributes pair
// (RFC 7644 §3.4.2.5), applied with each attribute's "returned"
// characteristic (RFC 7643 §7). Build it with NewProjection (with "" and
// "" for the default set); the zero Projection returns resources unchanged.
type Projection struct {
	rt   *ResourceType
	mode projMode
	tree *projNode // requested (include) or excluded paths, by canonical key
}

type projMode int

const (
	projDefault projMode = iota // neither parameter
	projInclude                 // attributes=
	projExclude                 // excludedAttributes=
)

// projNode is a set of canonical key paths: whole marks a path named in
// full; children hold longer paths below it.
type projNode struct {
	whole    bool
	children map[string]*projNode
}

func (n *projNode) add(keys []string) {
	for _, k := range keys {
		if n.whole {
			return
		}
		if n.children == nil {
			n.children = map[string]*projNode{}
		}
		c := n.children[k]
		if c == nil {
			c = &projNode{}
			n.children[k] = c
		}
		n = c
	}
	n.whole, n.children = true, nil
}

func (n *projNode) child(k string) *projNode {
	if n == nil {
		return nil
	}
	return n.children[k]
}

// NewProjection parses the comma-separated attributes and
// excludedAttributes parameters (either may be ""). Unknown names are
// ignored (RFC 7644 §3.4.2.5 puts no error on them).
//
// Names are attrPaths, case-insensitive, plain ("userName"), with a
// sub-attribute ("name.givenName", "emails.value"), URN-qualified
// ("urn:ietf:params:scim:schemas:core:2.0:User:userName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
// or a whole schema URN (an extension, or the core schema meaning all of
// its attributes). Microsoft's "emails[type eq "work"]" is read as
// "emails", and "emails[type eq "work"].value" as "emails.value". When
// both parameters are given, attributes wins and excludedAttributes is
// ignored (the RFC gives them as alternatives). The error is always nil;
// it is part of the signature for future strictness.
func (rt *ResourceType) NewProjection(attributes, excluded string) (Projection, error) {
	p := Projection{rt: rt}
	list := attributes
	switch {
	case strings.TrimSpace(attributes) != "":
		p.mode = projInclude
	case strings.TrimSpace(excluded) != "":
		p.mode, list = projExclude, excluded
	default:
		return p, nil
	}
	p.tree = &projNode{}
	for _, name := range splitNames(list) {
		if s, ext := rt.SchemaByURN(name); s != nil && !ext {
			for _, a := range s.Attributes {
				p.tree.add([]string{a.Name})
			}
			continue
		}
		r, err := rt.ResolveName(name)
		if err != nil {
			continue
		}
		p.tree.add(r.Keys())
	}
	return p, nil
}

// splitNames splits a comma-separated attribute list, dropping bracketed
// filters and blanks. Commas inside brackets or quotes do not split.
func splitNames(list string) []string {
	var names []string
	var b strings.Builder
	depth, quoted := 0, false
	flush := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			names = append(names, s)
		}
		b.Reset()
	}
	for i := 0; i < len(list); i++ {
		c := list[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"' && depth > 0:
			quoted = true
		case c == '[':
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case c == ',':
			flush()
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return names
}

// Wants reports whether the top-level attribute name (case-insensitive;
// an extension's URN for the extension) will appear in the output, so
// callers can skip loading members or groups.
func (p Projection) Wants(name string) bool {
	if p.rt == nil {
		return true
	}
	if s, ext := p.rt.SchemaByURN(name); s != nil && ext {
		switch p.mode {
		case projInclude:
			return p.tree.child(s.ID) != nil
		case projExclude:
			n := p.tree.child(s.ID)
			return n == nil || !n.whole
		}
		return true
	}
	a := p.rt.Schema.Attr(name)
	if a == nil {
		for _, e := range p.rt.Extensions {
			if a = e.Schema.Attr(name); a != nil {
				n := p.tree.child(e.Schema.ID)
				if n != nil && n.whole { // the whole extension was named
					return p.mode == projInclude && a.Returned != Never
				}
				return p.keeps(a, n.child(a.Name))
			}
		}
		return p.mode != projInclude
	}
	return p.keeps(a, p.tree.child(a.Name))
}

// keeps decides whether attribute a appears, given its node in the tree.
func (p Projection) keeps(a *Attribute, n *projNode) bool {
	switch a.Returned {
	case Never:
		return false
	case Always:
		return true
	}
	switch p.mode {
	case projInclude:
		return n != nil
	case projExclude:
		return a.Returned != Request && (n == nil || !n.whole)
	}
	return a.Returned != Request
}

// Apply returns the projection of a full output resource (id, schemas,
// meta, attributes, members/groups): returned=always kept, never dropped,
// request only when asked for, default unless excluded. "schemas" is
// always kept; keys that are no attribute of the resource type are kept
// unless attributes= was given. Sub-attributes are projected inside
// complex values and inside every element of multi-valued ones. res is
// not modified; the result shares unmodified values with it.
func (p Projection) Apply(res map[string]any) map[string]any {
	if p.rt == nil {
		return res
	}
	out := make(map[string]any, len(res))
	for k, v := range res {
		switch s, ext := p.rt.SchemaByURN(k); {
		case equalFold(k, "schemas"):
			out[k] = v
		case s != nil && ext:
			n := p.tree.child(s.ID)
			if p.mode == projInclude && n == nil {
				continue
			}
			if p.mode == projExclude && n != nil && n.whole {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if x := p.object(s.Attributes, m, n); len(x) > 0 {
				out[k] = x
			}
		default:
			a := p.rt.Schema.Attr(k)
			if a == nil {
				if p.mode != projInclude {
					out[k] = v
				}
				continue
			}
			if x, ok := p.value(a, v, p.tree.child(a.Name)); ok {
				out[k] = x
			}
		}
	}
	return out
}

// object projects the attributes of one object (an extension's, or a
// complex value's sub-attributes). n is the object's node.
func (p Projection) object(attrs []*Attribute, m map[string]any, n *projNode) map[string]any {
	whole := n != nil && n.whole
	out := make(map[string]any, len(m))
	for k, v := range m {
		a := find(attrs, k)
		if a == nil {
			if p.mode != projInclude || whole {
				out[k] = v
			}
			continue
		}
		if whole && p.mode == projInclude {
			// Named in full: everything but what is never returned.
			if a.Returned != Never {
				out[k] = p.dropNever(a, v)
			}
			continue
		}
		if x, ok := p.value(a, v, n.child(a.Name)); ok {
			out[k] = x
		}
	}
	return out
}

// value projects the value v of attribute a whose node is n.
func (p Projection) value(a *Attribute, v any, n *projNode) (any, bool) {
	if !p.keeps(a, n) {
		return nil, false
	}
	if a.Type != Complex || a.Returned == Always {
		return v, true
	}
	sub := n
	if sub != nil && sub.whole {
		if p.mode == projExclude {
			return nil, false
		}
		return p.dropNever(a, v), true
	}
	if p.mode == projInclude && (sub == nil || len(sub.children) == 0) {
		return nil, false
	}
	project := func(e any) any {
		m, ok := e.(map[string]any)
		if !ok {
			return e
		}
		return p.object(a.SubAttributes, m, sub)
	}
	if list, ok := v.([]any); ok {
		out := make([]any, 0, len(list))
		for _, e := range list {
			if x := project(e); !isEmpty(x) {
				out = append(out, x)
			}
		}
		return out, len(out) > 0 || len(list) == 0
	}
	x := project(v)
	return x, !isEmpty(x)
}

// dropNever removes sub-attributes that are never returned from a
// complex value (none in the standard schemas; kept for extensions).
func (p Projection) dropNever(a *Attribute, v any) any {
	if a.Type != Complex {
		return v
	}
	hasNever := false
	for _, s := range a.SubAttributes {
		hasNever = hasNever || s.Returned == Never
	}
	if !hasNever {
		return v
	}
	strip := func(e any) any {
		m, ok := e.(map[string]any)
		if !ok {
			return e
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			if s := a.Sub(k); s == nil || s.Returned != Never {
				out[k] = x
			}
		}
		return out
	}
	if list, ok := v.([]any); ok {
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = strip(e)
		}
		return out
	}
	return strip(v)
}
