package schema

import (
	"encoding/json"

	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// Replace computes the document a PUT stores (RFC 7644 §3.5.1): next
// (normalized) replaces old's readWrite and writeOnly attributes; readOnly
// values of old are kept; an immutable attribute that has a value in old
// and a different one in next is a 400 mutability error.
//
// Details: an immutable attribute next leaves out keeps old's value (a
// PUT cannot clear it); the same rules apply to the sub-attributes of a
// single-valued complex attribute, where a readOnly sub-attribute of old
// is kept only while the value sub-attribute is unchanged (a new manager
// does not inherit the old one's displayName). Elements of multi-valued
// attributes are replaced as a whole. Strings of caseExact=false
// attributes compare case-insensitively. Neither argument is modified;
// "schemas" is recomputed.
func (rt *ResourceType) Replace(old, next map[string]any) (map[string]any, error) {
	out, _ := deepCopy(next).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	for _, s := range rt.Schemas() {
		ext := s != rt.Schema
		for _, a := range s.Attributes {
			r := Resolved{Schema: s, Attr: a, ext: ext}
			if err := replaceAttr(r, old, out); err != nil {
				return nil, err
			}
		}
	}
	out["schemas"] = rt.SchemasFor(out)
	return out, nil
}

func replaceAttr(r Resolved, old, out map[string]any) error {
	keys := r.Keys()
	ov, nv := GetKeys(old, keys), GetKeys(out, keys)
	if err := keepFixed(r, keys, ov, nv, out); err != nil {
		return err
	}
	a := r.Attr
	if a.Type != Complex || a.MultiValued || a.Mutability == ReadOnly || a.Mutability == Immutable {
		return nil
	}
	nm, ok := GetKeys(out, keys).(map[string]any)
	if !ok {
		return nil
	}
	om, _ := ov.(map[string]any)
	sameRef := om != nil && equalValues(a.Sub("value"), om["value"], nm["value"])
	for _, sub := range a.SubAttributes {
		sr := r
		sr.Sub = sub
		skeys := sr.Keys()
		if sub.Mutability == ReadOnly && !sameRef {
			setKeys(out, skeys, nil)
			continue
		}
		if err := keepFixed(sr, skeys, GetKeys(old, skeys), GetKeys(out, skeys), out); err != nil {
			return err
		}
	}
	return nil
}

// keepFixed applies the readOnly and immutable rules to the value at keys.
func keepFixed(r Resolved, keys []string, ov, nv any, out map[string]any) error {
	switch r.Def().Mutability {
	case ReadOnly:
		setKeys(out, keys, deepCopy(ov))
	case Immutable:
		switch {
		case isEmpty(ov):
		case isEmpty(nv):
			setKeys(out, keys, deepCopy(ov))
		case !equalValues(r.Def(), ov, nv):
			return scimerr.BadRequest(scimerr.Mutability, "attribute %q is immutable", r.String())
		}
	}
	return nil
}

// equalValues compares two values of definition a (nil a: compared as
// JSON). Values read back from storage may have other Go types than
// normalized ones (float64 for int64), so both are normalized first, then
// compared as JSON; strings of caseExact=false attributes fold case.
func equalValues(a *Attribute, x, y any) bool {
	if isEmpty(x) || isEmpty(y) {
		return isEmpty(x) == isEmpty(y)
	}
	if a != nil {
		if nx, err := normalize(a, a.Name, x, false); err == nil {
			x = nx
		}
		if ny, err := normalize(a, a.Name, y, false); err == nil {
			y = ny
		}
		if a.Type == String && !a.CaseExact && !a.MultiValued {
			sx, ok1 := x.(string)
			sy, ok2 := y.(string)
			if ok1 && ok2 {
				return store.Fold(sx) == store.Fold(sy)
			}
		}
	}
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && string(bx) == string(by)
}

// deepCopy copies the JSON-shaped value v (maps and lists are copied,
// scalars shared).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
