package schema

import (
	"sort"
	"strings"

	"github.com/scimd/scimd/scim/scimerr"
)

// Normalize turns a client document (POST/PUT body, decoded with UseNumber)
// into canonical stored form: keys resolved case-insensitively (core at top
// level, extensions under their URN, dotted/URN-qualified keys accepted),
// unknown attributes and schema URNs dropped, readOnly attributes dropped
// (id, meta, groups, ...), every value through NormalizeValue, required
// attributes checked (400 invalidValue), "schemas" recomputed. writeOnly
// attributes (password) and members stay in the result for the caller to
// take out.
//
// Details (RFC 7643 §2.1, §2.5, RFC 7644 §3.3, idp-traffic Q3, Q12, Q18,
// Q27):
//   - plain keys are applied first, then qualified and dotted ones
//     ("name.givenName", "urn:...:enterprise:2.0:User:department"), so a
//     path refines the object given for its parent; keys are processed in
//     a fixed order, so duplicates differing only in case resolve
//     deterministically;
//   - core attributes nested under the core schema's URN are accepted as
//     if they were at the top level;
//   - a dotted key naming a sub-attribute of a multi-valued attribute
//     ("emails.value") cannot say which element it means: 400 invalidValue;
//   - "members": [] stays in the result as an empty list (it means "no
//     members", which the caller may need to tell from an absent key);
//   - "schemas" lists the core URN, then each extension that has values,
//     in the resource type's order, as []any of strings.
//
// Normalize is idempotent: a normalized document normalizes to itself.
func (rt *ResourceType) Normalize(in map[string]any) (map[string]any, error) {
	doc := map[string]any{}
	if err := rt.applyBody(doc, in); err != nil {
		return nil, err
	}
	if err := rt.checkRequired(doc); err != nil {
		return nil, err
	}
	doc["schemas"] = rt.SchemasFor(doc)
	return doc, nil
}

// SchemasFor returns the "schemas" value of a stored document: the core
// URN, then the URN of each extension with a value in doc (RFC 7643 §3).
func (rt *ResourceType) SchemasFor(doc map[string]any) []any {
	out := []any{rt.Schema.ID}
	for _, e := range rt.Extensions {
		if !isEmpty(doc[e.Schema.ID]) {
			out = append(out, e.Schema.ID)
		}
	}
	return out
}

func (rt *ResourceType) applyBody(doc, in map[string]any) error {
	for _, k := range orderedKeys(in) {
		v := in[k]
		if equalFold(k, "schemas") {
			continue
		}
		if s, ext := rt.SchemaByURN(k); s != nil && !ext {
			if isEmpty(v) {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				return badValue(s.ID, "an object", v)
			}
			if err := rt.applyBody(doc, m); err != nil {
				return err
			}
			continue
		}
		r, err := rt.ResolveName(k)
		if err != nil {
			continue // unknown attribute or schema URN: ignored
		}
		if err := assign(doc, r, v, true); err != nil {
			return err
		}
	}
	return nil
}

// assign normalizes v for r and stores it at r.Keys() in doc (deleting
// the value there when v is absent). Read-only targets are skipped.
// emptyMembers keeps an empty members list as [].
func assign(doc map[string]any, r Resolved, v any, emptyMembers bool) error {
	if r.Attr == nil {
		x, err := normalizeObject(r.Schema, r.Schema.ID, v)
		if err != nil {
			return err
		}
		m, _ := x.(map[string]any)
		for k, y := range m {
			setKeys(doc, []string{r.Schema.ID, k}, y)
		}
		return nil
	}
	if r.Attr.Mutability == ReadOnly || (r.Sub != nil && r.Sub.Mutability == ReadOnly) {
		return nil
	}
	if r.Sub != nil && r.Attr.MultiValued {
		return scimerr.BadRequest(scimerr.InvalidValue,
			"%q names a sub-attribute of the multi-valued %q; send the whole list", r.String(), r.Attr.Name)
	}
	x, err := normalize(r.Def(), r.String(), v, false)
	if err != nil {
		return err
	}
	if x == nil && emptyMembers && r.Attr.memberRefs && r.Sub == nil {
		if _, isList := asList(v); isList {
			x = []any{}
		}
	}
	setKeys(doc, r.Keys(), x)
	return nil
}

// setKeys stores v at the nested keys of doc, creating objects on the
// way; a nil v deletes the value and prunes objects left empty.
func setKeys(doc map[string]any, keys []string, v any) {
	if len(keys) == 1 {
		if v == nil {
			delete(doc, keys[0])
		} else {
			doc[keys[0]] = v
		}
		return
	}
	child, ok := doc[keys[0]].(map[string]any)
	if !ok {
		if v == nil {
			return
		}
		child = map[string]any{}
		doc[keys[0]] = child
	}
	setKeys(child, keys[1:], v)
	if len(child) == 0 {
		delete(doc, keys[0])
	}
}

// checkRequired reports the first required attribute missing from doc
// (RFC 7643 §2.2 "required"), and a required extension with no values.
func (rt *ResourceType) checkRequired(doc map[string]any) error {
	for _, a := range rt.Schema.Attributes {
		if a.Required && isEmpty(doc[a.Name]) {
			return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q is required", a.Name)
		}
	}
	for _, e := range rt.Extensions {
		obj, _ := doc[e.Schema.ID].(map[string]any)
		if len(obj) == 0 {
			if e.Required {
				return scimerr.BadRequest(scimerr.InvalidValue, "extension %q is required", e.Schema.ID)
			}
			continue
		}
		for _, a := range e.Schema.Attributes {
			if a.Required && isEmpty(obj[a.Name]) {
				return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q is required", e.Schema.ID+":"+a.Name)
			}
		}
	}
	return nil
}

// orderedKeys returns m's keys: plain names first, then qualified or
// dotted paths, each group sorted.
func orderedKeys(m map[string]any) []string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool {
		return !isPathKey(keys[i]) && isPathKey(keys[j])
	})
	return keys
}

func isPathKey(k string) bool { return strings.ContainsAny(k, ".:") }
