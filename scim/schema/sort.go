package schema

import (
	"strings"

	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// SortAttr resolves a sortBy value (RFC 7644 §3.4.2.3) to a store
// attribute; "" gives nil (no sorting). Sortable are single-valued simple
// attributes and sub-attributes of single-valued complex ones
// (name.familyName), core or extension, the column attributes (id,
// externalId, userName / Group displayName, active) and meta.created,
// meta.lastModified and meta.version. Multi-valued attributes are a 400
// invalidValue: scimd does not implement the RFC's "sort by the primary
// or first value" rule, and says so rather than sorting by something
// else. Unknown attributes, whole complex attributes and password are
// 400 invalidValue too.
func (rt *ResourceType) SortAttr(sortBy string) (*store.Attr, error) {
	sortBy = strings.TrimSpace(sortBy)
	if sortBy == "" {
		return nil, nil
	}
	r, err := rt.ResolveName(sortBy)
	if err != nil {
		return nil, badSort("cannot sort by unknown attribute %q", sortBy)
	}
	if r.Attr == nil {
		return nil, badSort("cannot sort by a whole extension (%q)", sortBy)
	}
	if r.Attr.MultiValued {
		return nil, badSort("cannot sort by the multi-valued attribute %q", r.String())
	}
	def := r.Def()
	if def.Type == Complex {
		return nil, badSort("%q is complex; sort by one of its sub-attributes", r.String())
	}
	if def.Returned == Never || r.Attr.computed {
		return nil, badSort("cannot sort by %q", r.String())
	}
	at := store.Attr{Type: storeType(def.Type), CaseExact: def.CaseExact}
	switch {
	case r.ext:
		at.Path = r.Keys()
	case r.Attr.Name == "meta":
		switch r.Sub.Name {
		case "created":
			at.Column = store.ColCreated
		case "lastModified":
			at.Column = store.ColModified
		case "version":
			at.Column, at.Type = store.ColVersion, store.TypeInteger
		default:
			return nil, badSort("cannot sort by %q", r.String())
		}
	default:
		if col, ok := columnOf(rt, r.Attr.Name); ok {
			at.Column = col
		} else {
			at.Path = r.Keys()
		}
	}
	return &at, nil
}

func badSort(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidValue, format, args...)
}
