package patch

import (
	"encoding/json"
	"math/big"
	"reflect"
	"strings"

	"github.com/scimd/scimd/scim/schema"
)

// This file holds the document plumbing (paths, copies, equality) and the
// coercions of identity-provider value shapes that come before
// schema.NormalizeValue.

// clone deep-copies the JSON-shaped parts of v (maps and slices); scalars
// are immutable and shared.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		if x == nil {
			return x
		}
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = clone(e)
		}
		return l
	case []map[string]any:
		if x == nil {
			return x
		}
		l := make([]map[string]any, len(x))
		for i, e := range x {
			l[i], _ = clone(e).(map[string]any)
		}
		return l
	case []string:
		return append([]string(nil), x...)
	}
	return v
}

// present reports whether v is a value: not nil, "", or an empty list or
// object (RFC 7643 §2.5 treats those as unassigned).
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case []map[string]any:
		return len(x) > 0
	case []string:
		return len(x) > 0
	}
	return true
}

// getKey returns m's value for name: the exact key first, then any key
// equal to it case-insensitively (documents built by hand may not use
// canonical names).
func getKey(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// setKey stores v under the canonical name, dropping other spellings of
// it; a v that is not present deletes the key.
func setKey(m map[string]any, name string, v any) {
	for k := range m {
		if k != name && strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
	if present(v) {
		m[name] = v
	} else {
		delete(m, name)
	}
}

// getPath follows keys (schema.Resolved.Keys) through doc.
func getPath(doc map[string]any, keys []string) any {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = getKey(m, k)
	}
	return cur
}

// setPath stores v at keys, creating intermediate objects; a v that is not
// present deletes the key and then every intermediate object left empty
// (an extension object with no attributes disappears).
func setPath(doc map[string]any, keys []string, v any) {
	if len(keys) == 0 {
		return
	}
	parents := []map[string]any{doc}
	cur := doc
	for _, k := range keys[:len(keys)-1] {
		next, ok := getKey(cur, k).(map[string]any)
		if !ok {
			if !present(v) {
				return // nothing to delete
			}
			next = map[string]any{}
			setKey(cur, k, nil)
			cur[k] = next
		}
		cur = next
		parents = append(parents, cur)
	}
	setKey(cur, keys[len(keys)-1], v)
	for i := len(parents) - 1; i > 0 && len(parents[i]) == 0; i-- {
		setKey(parents[i-1], keys[i-1], nil)
	}
}

// asList returns v as a fresh []any (a non-list value is one element).
func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return append([]any(nil), x...)
	case []map[string]any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l
	}
	return []any{v}
}

// deepEqual compares JSON-shaped values; numbers compare by value whatever
// their Go type (json.Number, float64, int64).
func deepEqual(a, b any) bool {
	if x, ok := toNumber(a); ok {
		y, ok := toNumber(b)
		return ok && x.Cmp(y) == 0
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !deepEqual(e, f) {
				return false
			}
		}
		return true
	case []any, []map[string]any, []string:
		switch b.(type) {
		case []any, []map[string]any, []string:
		default:
			return false
		}
		l, m := asList(a), asList(b)
		if len(l) != len(m) {
			return false
		}
		for i := range l {
			if !deepEqual(l[i], m[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// toNumber converts the numeric forms a decoded or normalized document may
// hold.
func toNumber(v any) (*big.Float, bool) {
	switch x := v.(type) {
	case json.Number:
		f, ok := new(big.Float).SetString(string(x))
		return f, ok
	case float64:
		if x != x { // NaN: not a number here
			return nil, false
		}
		return big.NewFloat(x), true
	case float32:
		if x != x {
			return nil, false
		}
		return big.NewFloat(float64(x)), true
	case int:
		return new(big.Float).SetInt64(int64(x)), true
	case int64:
		return new(big.Float).SetInt64(x), true
	case int32:
		return new(big.Float).SetInt64(int64(x)), true
	case uint64:
		return new(big.Float).SetUint64(x), true
	}
	return nil, false
}

// sameValue compares two values of attr, case-insensitively for strings
// when attr is not caseExact (RFC 7643 §2.2).
func sameValue(attr *schema.Attribute, a, b any) bool {
	if x, ok := a.(string); ok && attr != nil && !attr.CaseExact {
		y, ok := b.(string)
		return ok && strings.EqualFold(x, y)
	}
	return deepEqual(a, b)
}

// jsonObject decodes s when it holds a JSON object. Entra's role mapping
// sends an element as a JSON document inside a string (Q25).
func jsonObject(s string) (map[string]any, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || dec.More() {
		return nil, false
	}
	return m, m != nil
}

// unwrapOne returns the element of a one-element list, nil for an empty
// list and v itself otherwise, for a value that must be one element of a
// multi-valued attribute.
func unwrapOne(v any) any {
	if l, ok := v.([]any); ok {
		switch len(l) {
		case 0:
			return nil
		case 1:
			return l[0]
		}
	}
	return v
}

// coerceList adapts a value for a whole multi-valued attribute: a single
// value becomes a list and each element goes through coerceElement.
func coerceList(attr *schema.Attribute, v any) any {
	if v == nil {
		return nil
	}
	if attr.Type != schema.Complex {
		return v
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return nil
	}
	l := asList(v)
	for i, e := range l {
		l[i] = coerceElement(attr, e)
	}
	return l
}

// coerceElement adapts one element of a complex multi-valued attribute: a
// bare string is the element's "value" (Microsoft's Postman collection
// sends members as "id" strings, Q9), and a "value" holding a JSON object
// in a string is that object (Entra role mapping, Q25). In the latter,
// "displayName" is taken as "display" when the attribute has only the
// latter.
func coerceElement(attr *schema.Attribute, e any) any {
	valueSub := attr.Sub("value")
	switch x := e.(type) {
	case string:
		if obj, ok := jsonObject(x); ok {
			return renameDisplay(attr, obj)
		}
		if valueSub != nil {
			return map[string]any{valueSub.Name: x}
		}
	case map[string]any:
		s, ok := getKey(x, "value").(string)
		if !ok {
			return e
		}
		obj, ok := jsonObject(s)
		if !ok {
			return e
		}
		out := make(map[string]any, len(x)+len(obj))
		for k, v := range x {
			if !strings.EqualFold(k, "value") {
				out[k] = v
			}
		}
		for k, v := range obj {
			setKey(out, k, v)
		}
		return renameDisplay(attr, out)
	}
	return e
}

func renameDisplay(attr *schema.Attribute, m map[string]any) map[string]any {
	display := attr.Sub("display")
	if display == nil || attr.Sub("displayName") != nil || getKey(m, "display") != nil {
		return m
	}
	if dn := getKey(m, "displayName"); dn != nil {
		setKey(m, "displayName", nil)
		m[display.Name] = dn
	}
	return m
}
