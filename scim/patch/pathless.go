package patch

import (
	"sort"
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/scimerr"
)

// pathless applies an add or replace without a path (RFC 7644 §3.5.2.1,
// §3.5.2.3: "the value MUST contain the attributes to be added/replaced").
//
// Each key of the object value is itself a path relative to the resource
// and is applied as if it were its own operation with that path (Q3): a
// plain attribute ("active" — Okta's deactivation, Q14), a dotted
// sub-attribute ("name.givenName", Entra's aadOptscim062020 form), a
// URN-qualified extension attribute ("urn:…:enterprise:2.0:User:
// employeeNumber"), a whole extension URN with an object, an RFC-style
// nested object ("name":{…}, merged), even a filtered path. Keys are
// case-insensitive. "meta", "schemas", readOnly attributes and unknown
// keys are ignored; "id" is checked against Options.ID. An attribute
// without a key is left alone: a rename without "members" never touches
// the members (Q11).
func (a *applier) pathless(op string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return scimerr.BadRequest(scimerr.InvalidValue, "%s without a path needs an object value", op)
	}
	return a.applyObject(op, m, "")
}

// applyObject applies each key of m as a path, relative to the resource
// (prefix "") or to the extension whose URN is prefix.
func (a *applier) applyObject(op string, m map[string]any, prefix string) error {
	type item struct {
		t   target
		key string
		v   any
	}
	items := make([]item, 0, len(m))
	for k, v := range m {
		key := strings.TrimSpace(k)
		if sub, ok := v.(map[string]any); ok && prefix == "" && strings.EqualFold(key, a.rt.Schema.ID) {
			// Core attributes nested under the core schema URN.
			if err := a.applyObject(op, sub, a.rt.Schema.ID); err != nil {
				return err
			}
			continue
		}
		text := key
		if prefix != "" {
			text = prefix + ":" + key
		}
		p, err := filter.ParsePath(text)
		if err != nil {
			continue // not an attribute path: unknown, ignored
		}
		t, err := a.resolveParsed(p, text)
		if err != nil {
			continue // unknown attribute: ignored (DESIGN §4)
		}
		if prefix != "" && (t.special != "" || t.r.Schema == nil || !strings.EqualFold(t.r.Schema.ID, prefix)) {
			continue // an extension object holds only its own attributes
		}
		items = append(items, item{t: t, key: key, v: v})
	}
	// Map order is random; apply whole attributes before their
	// sub-attributes, then by key, so that the result is deterministic.
	sort.Slice(items, func(i, j int) bool {
		if di, dj := items[i].t.depth(), items[j].t.depth(); di != dj {
			return di < dj
		}
		return items[i].key < items[j].key
	})
	for _, it := range items {
		if err := a.do(op, it.t, it.v, false); err != nil {
			return err
		}
	}
	return nil
}
