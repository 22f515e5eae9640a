package schema

import (
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/store"
)

// This file maps the attributes scimd keeps in store columns (RFC 7643
// §3.1 common attributes, the resource's name, User active, and the
// membership relations) for Compile and SortAttr.

// column compiles the attributes kept in store columns; ok is false for
// the others.
func (c compiler) column(r Resolved, op filter.Op, value any) (e store.Expr, ok bool, err error) {
	if r.ext {
		return nil, false, nil
	}
	if r.Attr.Name == "meta" {
		e, err := c.meta(r, op, value)
		return e, true, err
	}
	if rel, col := relation(c.rt); rel != "" && r.Attr.Name == rel {
		if r.Sub != nil && r.Sub.Name != "value" {
			return nil, true, invalidFilter("filtering on %s is not supported", r.String())
		}
		// Member and group ids are compared exactly (RFC 7643 §3.1), whatever
		// the value sub-attribute's caseExact says.
		def := *r.Attr.Sub("value")
		def.CaseExact = true
		switch op {
		case filter.Eq, filter.Ne, filter.Pr:
		default:
			return nil, true, invalidFilter("%s supports only eq, ne and pr", r.String())
		}
		e, err := leaf(store.Attr{Column: col}, &def, r.String(), op, value)
		return e, true, err
	}
	col, ok := columnOf(c.rt, r.Attr.Name)
	if !ok {
		return nil, false, nil
	}
	e, err = leaf(store.Attr{Column: col}, r.Attr, r.String(), op, value)
	return e, true, err
}

// meta compiles meta sub-attributes (RFC 7643 §3.1).
func (c compiler) meta(r Resolved, op filter.Op, value any) (store.Expr, error) {
	if r.Sub == nil {
		if op == filter.Pr {
			return alwaysTrue(), nil // every resource has meta
		}
		return nil, invalidFilter("meta is complex; compare one of its sub-attributes")
	}
	switch r.Sub.Name {
	case "created":
		return leaf(store.Attr{Column: store.ColCreated}, r.Sub, "meta.created", op, value)
	case "lastModified":
		return leaf(store.Attr{Column: store.ColModified}, r.Sub, "meta.lastModified", op, value)
	case "version":
		return versionLeaf(op, value)
	case "resourceType":
		return c.resourceType(op, value)
	}
	return nil, invalidFilter("filtering on %s is not supported", r.String())
}

// resourceType evaluates a comparison of meta.resourceType, which is the
// same for every resource of this type.
func (c compiler) resourceType(op filter.Op, value any) (store.Expr, error) {
	if op == filter.Pr {
		return alwaysTrue(), nil
	}
	s, ok := value.(string)
	if !ok {
		return nil, invalidFilter("meta.resourceType is compared with a string")
	}
	id := c.rt.ID
	var t bool
	switch op {
	case filter.Eq:
		t = id == s
	case filter.Ne:
		t = id != s
	case filter.Co:
		t = strings.Contains(id, s)
	case filter.Sw:
		t = strings.HasPrefix(id, s)
	case filter.Ew:
		t = strings.HasSuffix(id, s)
	case filter.Gt:
		t = id > s
	case filter.Ge:
		t = id >= s
	case filter.Lt:
		t = id < s
	case filter.Le:
		t = id <= s
	default:
		return nil, invalidFilter("unsupported operator %q", op)
	}
	if t {
		return alwaysTrue(), nil
	}
	return store.Not{X: alwaysTrue()}, nil
}

// versionLeaf compares meta.version, stored as an integer column; the
// value is an entity tag as the server emits it (W/"3") or a number.
func versionLeaf(op filter.Op, value any) (store.Expr, error) {
	a := store.Attr{Column: store.ColVersion, Type: store.TypeInteger, CaseExact: true}
	if op == filter.Pr {
		return present(a), nil
	}
	switch op {
	case filter.Co, filter.Sw, filter.Ew:
		return nil, invalidFilter("meta.version does not support %q", op)
	}
	v := value
	if s, ok := value.(string); ok {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "W/"), "w/")
		v = strings.Trim(s, `"`)
	}
	n, ok := coerceInt(v)
	if !ok {
		return nil, invalidFilter("meta.version %s is not a version of this server", show(value))
	}
	return store.Compare{Attr: a, Op: store.Op(op), Value: n}, nil
}

// relation returns the multi-valued attribute of rt kept as a relation
// (User groups, Group members) and its column.
func relation(rt *ResourceType) (string, store.Column) {
	switch rt.Schema.ID {
	case UserURN:
		return "groups", store.ColGroup
	case GroupURN:
		return "members", store.ColMember
	}
	return "", ""
}

// columnOf maps a core attribute of rt kept in a column.
func columnOf(rt *ResourceType, name string) (store.Column, bool) {
	switch name {
	case "id":
		return store.ColID, true
	case "externalId":
		return store.ColExternalID, true
	}
	switch rt.Schema.ID {
	case UserURN:
		switch name {
		case "userName":
			return store.ColName, true
		case "active":
			return store.ColActive, true
		}
	case GroupURN:
		if name == "displayName" {
			return store.ColName, true
		}
	}
	return "", false
}
