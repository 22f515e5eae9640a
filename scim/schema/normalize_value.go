package schema

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/scimd/scimd/scim/scimerr"
)

// NormalizeValue coerces v (decoded with json.Decoder.UseNumber) to the
// canonical stored form for the attribute r designates (the sub-attribute
// when r.Sub is set): canonical key case inside complex values, booleans
// from "True"/"false" strings, numbers from json.Number, dateTime validated,
// a single value wrapped into a list for multi-valued attributes (unless
// element is true, meaning v is one element of a multi-valued attribute),
// unknown sub-attributes dropped, read-only sub-attributes dropped,
// "" and null meaning absent (returned as nil). Errors are *scimerr.Error
// (400 invalidValue) naming the attribute.
//
// Beyond that, following what identity providers send (idp-traffic §3):
//   - a complex value given as a bare string becomes {"value": s} when the
//     attribute has a value sub-attribute (Entra's manager id, Q6; a
//     member id, Q9);
//   - a single-valued complex attribute given as a list takes its first
//     element (Entra's [{"value": id}] manager, Q6); a single-valued
//     simple attribute given a one-element list takes that element;
//   - in a multi-valued complex list, primary stays exclusive: the first
//     element saying true keeps it, later ones are set to false
//     (RFC 7643 §2.4);
//   - an empty list, an empty object, and an element left empty after
//     dropping what is unknown or read-only, all mean absent;
//   - Group members: every element needs a value, $ref is dropped (the
//     server derives it), type is matched case-insensitively to "User" or
//     "Group".
//
// For a whole extension (r.Attr nil) v must be an object; its attributes
// are normalized like a body's (read-only ones dropped, unknown ignored).
func (rt *ResourceType) NormalizeValue(r Resolved, v any, element bool) (any, error) {
	if r.Attr == nil {
		if r.Schema == nil {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "no attribute to normalize")
		}
		return normalizeObject(r.Schema, r.Schema.ID, v)
	}
	return normalize(r.Def(), r.String(), v, element)
}

// normalize is NormalizeValue for definition a, named name in errors.
func normalize(a *Attribute, name string, v any, element bool) (any, error) {
	if isEmpty(v) {
		return nil, nil
	}
	list, isList := asList(v)
	if a.MultiValued && !element {
		if !isList {
			list = []any{v}
		}
		return normalizeList(a, name, list)
	}
	if isList && !a.MultiValued {
		// One value where the client sent a list.
		if a.Type != Complex && len(list) > 1 {
			return nil, badValue(name, "a single value", v)
		}
		for _, x := range list {
			if !isEmpty(x) {
				return normalizeOne(a, name, x)
			}
		}
		return nil, nil
	}
	if isList {
		return nil, badValue(name, "one element", v)
	}
	return normalizeOne(a, name, v)
}

// normalizeList normalizes the elements of a multi-valued attribute.
func normalizeList(a *Attribute, name string, list []any) (any, error) {
	out := make([]any, 0, len(list))
	for _, x := range list {
		if _, nested := asList(x); nested {
			return nil, badValue(name, "a list of values, not of lists", x)
		}
		e, err := normalizeOne(a, name, x)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	if a.Type == Complex && a.Sub("primary") != nil {
		ExclusivePrimary(out, -1)
	}
	return out, nil
}

// ExclusivePrimary keeps "primary": true on at most one element of a
// multi-valued complex list (RFC 7643 §2.4): on element keep when keep is
// a valid index and that element says true, otherwise on the first that
// does; the others saying true are set to false. It changes the maps in
// place. PATCH uses keep to let the element it just set win.
func ExclusivePrimary(list []any, keep int) {
	winner := -1
	if keep >= 0 && keep < len(list) {
		if m, ok := list[keep].(map[string]any); ok && m["primary"] == true {
			winner = keep
		}
	}
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok || m["primary"] != true {
			continue
		}
		if winner < 0 {
			winner = i
		} else if i != winner {
			m["primary"] = false
		}
	}
}

// normalizeOne normalizes one value of a (one element when a is
// multi-valued).
func normalizeOne(a *Attribute, name string, v any) (any, error) {
	if isEmpty(v) {
		return nil, nil
	}
	if a.Type != Complex {
		x, ok := coerceScalar(a.Type, v)
		if !ok {
			return nil, badValue(name, describeType(a.Type), v)
		}
		return x, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		s, isString := v.(string)
		if !isString || a.Sub("value") == nil {
			return nil, badValue(name, "an object", v)
		}
		m = map[string]any{"value": s}
	}
	out, err := normalizeComplex(a, name, m)
	if err != nil || out == nil {
		return nil, err
	}
	if a.memberRefs {
		if err := checkMemberRef(a, name, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// normalizeComplex normalizes the sub-attributes of one complex value.
// Keys are matched case-insensitively; an exactly-cased key wins over a
// differently-cased duplicate.
func normalizeComplex(a *Attribute, name string, m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	set := make(map[string]bool, len(m))
	for _, k := range sortedKeys(m) {
		sub := a.Sub(k)
		if sub == nil || sub.Mutability == ReadOnly || (a.memberRefs && sub.Type == Reference) {
			continue
		}
		if set[sub.Name] && k != sub.Name {
			continue
		}
		x, err := normalize(sub, name+"."+sub.Name, m[k], false)
		if err != nil {
			return nil, err
		}
		set[sub.Name] = k == sub.Name
		if x == nil {
			delete(out, sub.Name)
			continue
		}
		out[sub.Name] = x
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// checkMemberRef enforces the canonical form of a member reference.
func checkMemberRef(a *Attribute, name string, m map[string]any) error {
	if _, ok := m["value"]; !ok {
		return scimerr.BadRequest(scimerr.InvalidValue, "every element of %q needs a value", name)
	}
	t, ok := m["type"].(string)
	if !ok {
		return nil
	}
	if sub := a.Sub("type"); sub != nil {
		for _, c := range sub.CanonicalValues {
			if equalFold(c, t) {
				m["type"] = c
				return nil
			}
		}
	}
	return scimerr.BadRequest(scimerr.InvalidValue, "%s.type %q is not one of User, Group", name, t)
}

// normalizeObject normalizes a whole extension object: its keys are the
// extension's attributes (or dotted sub-attribute paths).
func normalizeObject(s *Schema, name string, v any) (any, error) {
	if isEmpty(v) {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badValue(name, "an object", v)
	}
	rt := &ResourceType{Schema: s}
	out := map[string]any{}
	for _, k := range orderedKeys(m) {
		r, err := rt.Resolve(SplitAttrPath(k))
		if err != nil || r.Attr == nil || SplitAttrPath(k).URN != "" {
			continue // unknown attributes are ignored (RFC 7644 §3.3 leniency)
		}
		if err := assign(out, r, m[k], false); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// asList returns v as a list when it is one.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describeType(t Type) string {
	switch t {
	case Boolean:
		return "a boolean"
	case Integer:
		return "an integer"
	case Decimal:
		return "a number"
	case DateTime:
		return "an RFC 3339 dateTime"
	case Binary:
		return "base64 binary"
	}
	return "a string"
}

func badValue(name, want string, v any) error {
	return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q must be %s, got %s", name, want, show(v))
}

// show renders a client value briefly for an error message.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}
