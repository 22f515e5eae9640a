package patch

import (
	"github.com/scimd/scimd/scim/schema"
)

// single applies op to a single-valued attribute, or to a sub-attribute of
// a single-valued complex attribute, whose current value is cur, and
// returns the new value (nil: unassigned).
//
// RFC 7644 §3.5.2.1 (add): "If the target location specifies a
// single-valued attribute, the existing value is replaced" and "If the
// target location specifies a complex attribute, a set of sub-attributes
// SHALL be specified in the "value" parameter". §3.5.2.3 (replace): for a
// complex attribute the given sub-attributes replace existing ones and
// "Sub-attributes that are not specified in the "value" parameter are left
// unchanged". §3.5.2.2 (remove): the attribute "SHALL be considered
// unassigned".
func (a *applier) single(op string, t target, cur, v any) (any, error) {
	r := t.r
	if r.Sub == nil {
		if op == opRemove {
			return nil, nil
		}
		nv, err := a.normalize(r, v, false)
		if err != nil || nv == nil {
			return nil, err
		}
		if r.Attr.Type == schema.Complex {
			return mergeComplex(r.Attr, cur, nv), nil
		}
		return nv, nil
	}
	m, _ := cur.(map[string]any)
	if op == opRemove {
		if m != nil {
			setKey(m, r.Sub.Name, nil)
		}
		return emptyToNil(m), nil
	}
	nv, err := a.normalize(r, v, false)
	if err != nil {
		return nil, err
	}
	if m == nil {
		if nv == nil {
			return nil, nil
		}
		m = map[string]any{}
	}
	setKey(m, r.Sub.Name, nv)
	return emptyToNil(m), nil
}

// mergeComplex merges the sub-attributes of nv into the complex value cur.
// An object whose "value" differs from cur's designates another referent
// (a new manager) and replaces cur whole, so that the old referent's $ref
// or displayName does not linger.
func mergeComplex(attr *schema.Attribute, cur, nv any) any {
	nm, ok := nv.(map[string]any)
	cm, ok2 := cur.(map[string]any)
	if !ok || !ok2 || len(cm) == 0 {
		return nv
	}
	if vs := attr.Sub("value"); vs != nil {
		nval, cval := getKey(nm, vs.Name), getKey(cm, vs.Name)
		if present(nval) && present(cval) && !sameValue(vs, nval, cval) {
			return nm
		}
	}
	for k, x := range nm {
		setKey(cm, k, x)
	}
	return cm
}

func emptyToNil(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	return m
}
