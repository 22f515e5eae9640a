package ldapsync

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// Documents: which parts of a user's document a source owns (the
// attributes it maps, and nothing else), the difference between what the
// directory says and what is stored, and applying that difference.

// owned is what a source's mapping owns in a user document.
type owned struct {
	// paths are attributes replaced as a whole: single-valued attributes
	// and sub-attributes, multi-valued attributes mapped without a filter.
	paths [][]string
	// lists are multi-valued complex attributes whose elements are mapped
	// by sub-attribute values (emails[type eq "work"].value): the source
	// owns only the elements its conditions select.
	lists []ownedList
	// manager: the mapping maps the manager (resolved by DN).
	manager bool
}

type ownedList struct {
	path  []string
	conds [][]cond // one set per mapping entry; an empty set selects every element
}

// ownership returns what m's mapping owns (the manager aside: the engine
// resolves it separately).
func (m *Mapper) ownership() owned {
	var o owned
	for _, t := range m.targets {
		if t.manager {
			o.manager = true
			continue
		}
		keys := t.res.Keys()
		if t.elem == nil {
			if !slices.ContainsFunc(o.paths, func(p []string) bool { return slices.Equal(p, keys) }) {
				o.paths = append(o.paths, keys)
			}
			continue
		}
		i := slices.IndexFunc(o.lists, func(l ownedList) bool { return slices.Equal(l.path, keys) })
		if i < 0 {
			o.lists = append(o.lists, ownedList{path: keys})
			i = len(o.lists) - 1
		}
		o.lists[i].conds = append(o.lists[i].conds, t.match)
	}
	return o
}

// selects reports whether the mapping owns the list element el.
func (l ownedList) selects(el any) bool {
	obj, ok := el.(map[string]any)
	if !ok {
		return len(l.conds) > 0 && slices.ContainsFunc(l.conds, func(cs []cond) bool { return len(cs) == 0 })
	}
	for _, cs := range l.conds {
		match := true
		for _, c := range cs {
			if !condHolds(obj[c.name], c.value) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func condHolds(v, want any) bool {
	switch w := want.(type) {
	case string:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, w)
	default:
		return v == want
	}
}

// diff returns the changes that make the owned parts of cur what mapped
// says, in a stable order; none when they already are.
func (o owned) diff(cur, mapped map[string]any) []AttrChange {
	var out []AttrChange
	for _, p := range o.paths {
		old, want := getKeys(cur, p), getKeys(mapped, p)
		if !sameJSON(old, want) {
			out = append(out, AttrChange{Path: p, Old: old, New: want})
		}
	}
	for _, l := range o.lists {
		oldList, _ := getKeys(cur, l.path).([]any)
		var want []any
		for _, el := range oldList {
			if !l.selects(el) {
				want = append(want, el) // not the source's: kept, in place
			}
		}
		newList, _ := getKeys(mapped, l.path).([]any)
		want = append(want, newList...)
		var old, next any
		if len(oldList) > 0 {
			old = oldList
		}
		if len(want) > 0 {
			next = want
		}
		if !sameJSON(old, next) {
			out = append(out, AttrChange{Path: l.path, Old: old, New: next})
		}
	}
	return out
}

// applyAttrs applies changes to doc: each attribute whose current value is
// still the change's Old becomes its New (nil removes it). A change whose
// attribute has moved on since (neither Old nor New) is left alone and
// returned in stale. rt decides "schemas".
func applyAttrs(doc map[string]any, changes []AttrChange, rt *schema.ResourceType) (stale []AttrChange) {
	for _, c := range changes {
		cur := getKeys(doc, c.Path)
		switch {
		case sameJSON(cur, c.New):
		case sameJSON(cur, c.Old):
			setPath(doc, c.Path, c.New)
		default:
			stale = append(stale, c)
		}
	}
	if rt != nil {
		doc["schemas"] = rt.SchemasFor(doc)
	}
	return stale
}

// setPath stores v at path in doc (nil removes it, and the objects left
// empty on the way).
func setPath(doc map[string]any, path []string, v any) {
	if v != nil {
		setKeys(doc, path, v)
		return
	}
	parents := []map[string]any{doc}
	cur := doc
	for _, k := range path[:len(path)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return
		}
		parents = append(parents, next)
		cur = next
	}
	delete(cur, path[len(path)-1])
	for i := len(parents) - 1; i > 0; i-- {
		if len(parents[i]) > 0 {
			return
		}
		delete(parents[i-1], path[i-1])
	}
}

// sameJSON reports whether a and b encode to the same JSON (map keys
// sorted; a missing value is null, and so is an empty list or object).
func sameJSON(a, b any) bool {
	return bytes.Equal(canonicalJSON(a), canonicalJSON(b))
}

func canonicalJSON(v any) []byte {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			v = nil
		}
	case map[string]any:
		if len(x) == 0 {
			v = nil
		}
	case []string:
		if len(x) == 0 {
			v = nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("!" + err.Error())
	}
	return b
}

// managerPath is where a user's manager lives.
var managerPath = []string{schema.EnterpriseUserURN, "manager"}

// managerID returns the id of a document's manager ("" when none).
func managerID(doc map[string]any) string {
	m, _ := getKeys(doc, managerPath).(map[string]any)
	id, _ := m["value"].(string)
	return id
}

// managerChange returns the change that makes cur's manager the user id
// ("" for none), or nil when it already is.
func managerChange(cur map[string]any, id string) *AttrChange {
	if managerID(cur) == id {
		return nil
	}
	c := AttrChange{Path: managerPath, Old: getKeys(cur, managerPath)}
	if id != "" {
		c.New = map[string]any{"value": id}
	}
	return &c
}

// cloneDoc deep-copies a JSON document.
func cloneDoc(doc map[string]any) map[string]any { return store.CloneAttrs(doc) }
