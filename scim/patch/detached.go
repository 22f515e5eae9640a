package patch

import (
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// Detached is the accumulated change to the multi-valued attribute named
// by Options.Detach, which the caller stores outside the document (a
// Group's members, so that a change costs O(changed members)).
//
// The caller applies it in this order, and Apply accumulates operations so
// that this order gives the same result as applying them one by one:
// Clear, then RemoveWhere, then Remove, then Add.
type Detached struct {
	// Attr is the detached attribute, for Match and Selects.
	Attr schema.Resolved
	// Clear removes every current element.
	Clear bool
	// RemoveWhere removes the current elements that match any of these
	// value filters (see Match and Selects).
	RemoveWhere []filter.Expr
	// Remove removes the elements with these values (ids); absent ones are
	// not an error (Q8).
	Remove []string
	// Add adds these elements, each {"value": id} plus "type" ("User" or
	// "Group") when the client gave it; display and $ref are dropped.
	// Values are unique; adding a present one is not an error (Q9).
	Add []map[string]any
}

// Selects reports whether some RemoveWhere filter matches elem, a current
// element ({"value", "type", "display"} for a member).
func (d *Detached) Selects(rt *schema.ResourceType, elem map[string]any) bool {
	for _, f := range d.RemoveWhere {
		if Match(rt, d.Attr, f, elem) {
			return true
		}
	}
	return false
}

// detached accumulates an operation on the detached attribute:
//
//   - add: the elements are added (Q9); a filter's eq constraints make an
//     element too (add members[value eq "x"]).
//   - remove without filter or value: Clear (RFC 7644 §3.5.2.2; Microsoft's
//     reference code and Postman collection).
//   - remove with a value list (Entra's default job, Q7): those values.
//   - remove with a filter (Okta, Entra aadOptscim062020, Q8): value eq
//     comparisons (and or-ed ones) become Remove ids; any other filter is
//     kept in RemoveWhere and also drops matching pending adds.
//   - replace without filter (Okta full push, Q10): Clear, then the new list.
//   - replace with a filter: the matching elements are removed and the value,
//     if any, added.
//
// Sub-attribute paths (members.value, members[…].display) are refused:
// members are added and removed whole (their sub-attributes are immutable,
// RFC 7643 §4.2).
func (a *applier) detached(op string, t target, v any) error {
	r := t.r
	if r.Sub != nil {
		return scimerr.BadRequest(scimerr.InvalidPath, "%s: members are added and removed whole, their sub-attributes cannot be patched", t.text)
	}
	if a.det == nil {
		a.det = &Detached{Attr: whole(r)}
	}
	d := a.det
	switch {
	case op == opAdd && t.filter == nil:
		elems, err := a.members(r, v)
		if err != nil {
			return err
		}
		d.add(elems)
	case op == opAdd:
		elem, ok := constraints(r.Attr, t.filter)
		if !ok {
			return scimerr.BadRequest(scimerr.InvalidPath, "%s: add needs a filter of eq comparisons", t.text)
		}
		if m, ok := coerceElement(r.Attr, unwrapOne(v)).(map[string]any); ok {
			for k, x := range m {
				setKey(elem, k, x)
			}
		}
		elems, err := a.members(r, []any{elem})
		if err != nil {
			return err
		}
		d.add(elems)
	case op == opRemove && t.filter != nil:
		d.removeWhere(a.rt, t.filter)
	case op == opRemove && v != nil:
		elems, err := a.members(r, v)
		if err != nil {
			return err
		}
		ids := make([]string, len(elems))
		for i, e := range elems {
			ids[i] = e["value"].(string)
		}
		d.remove(ids)
	case op == opRemove, t.filter == nil: // remove all; replace the list
		elems, err := a.members(r, v)
		if err != nil {
			return err
		}
		d.Clear, d.RemoveWhere, d.Remove, d.Add = true, nil, nil, nil
		d.add(elems)
	default: // replace with a filter
		d.removeWhere(a.rt, t.filter)
		if !present(unwrapOne(v)) {
			return nil
		}
		elem, _ := constraints(r.Attr, t.filter)
		if m, ok := coerceElement(r.Attr, unwrapOne(v)).(map[string]any); ok {
			for k, x := range m {
				setKey(elem, k, x)
			}
		}
		elems, err := a.members(r, []any{elem})
		if err != nil {
			return err
		}
		d.add(elems)
	}
	return nil
}

// members normalizes v as member elements: {"value": id} plus "type"
// when given (canonical "User" or "Group", by schema.NormalizeValue).
// Bare strings are ids (Q9); display, $ref and unknown keys are dropped.
// An element without a string value is 400 invalidValue.
func (a *applier) members(r schema.Resolved, v any) ([]map[string]any, error) {
	valueSub, typeSub := r.Attr.Sub("value"), r.Attr.Sub("type")
	var out []map[string]any
	for _, e := range asList(coerceList(r.Attr, v)) {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "a %s element must be an object or an id string, not %s", r.Attr.Name, marshalValue(e))
		}
		// Keep only what a member is made of before normalizing, so that a
		// stray $ref or display never fails the request.
		slim := map[string]any{}
		for _, sub := range []*schema.Attribute{valueSub, typeSub} {
			if sub != nil {
				if x := getKey(m, sub.Name); x != nil {
					slim[sub.Name] = x
				}
			}
		}
		nv, err := a.normalize(r, slim, true)
		if err != nil {
			return nil, err
		}
		nm, _ := nv.(map[string]any)
		id, _ := getKey(nm, "value").(string)
		if strings.TrimSpace(id) == "" {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "a %s element needs a \"value\" id: %s", r.Attr.Name, marshalValue(e))
		}
		elem := map[string]any{"value": id}
		if typ, ok := getKey(nm, "type").(string); ok && typ != "" {
			elem["type"] = typ
		}
		out = append(out, elem)
	}
	return out, nil
}

// add appends elements not already pending and cancels their pending
// removal.
func (d *Detached) add(elems []map[string]any) {
	for _, e := range elems {
		id := e["value"].(string)
		d.Remove = without(d.Remove, id)
		if i := d.pending(id); i >= 0 {
			if typ, ok := e["type"]; ok {
				d.Add[i]["type"] = typ
			}
			continue
		}
		d.Add = append(d.Add, e)
	}
}

// remove records ids for removal and cancels their pending addition.
func (d *Detached) remove(ids []string) {
	for _, id := range ids {
		if i := d.pending(id); i >= 0 {
			d.Add = append(d.Add[:i], d.Add[i+1:]...)
		}
		if !contains(d.Remove, id) {
			d.Remove = append(d.Remove, id)
		}
	}
}

// removeWhere records a removal filter. A filter made only of value eq
// comparisons joined by or is a list of ids (Q8: members[value eq "x"]);
// any other filter is kept for the caller and drops the pending additions
// it matches.
func (d *Detached) removeWhere(rt *schema.ResourceType, f filter.Expr) {
	if ids, ok := valueIDs(f); ok {
		d.remove(ids)
		return
	}
	d.RemoveWhere = append(d.RemoveWhere, f)
	kept := d.Add[:0]
	for _, e := range d.Add {
		if !Match(rt, d.Attr, f, e) {
			kept = append(kept, e)
		}
	}
	d.Add = kept
}

// valueIDs returns the ids of a filter `value eq "a" or value eq "b"`.
func valueIDs(f filter.Expr) ([]string, bool) {
	switch e := f.(type) {
	case *filter.Or:
		l, ok := valueIDs(e.L)
		if !ok {
			return nil, false
		}
		r, ok := valueIDs(e.R)
		return append(l, r...), ok
	case *filter.Compare:
		id, ok := e.Value.(string)
		if e.Op == filter.Eq && ok && strings.EqualFold(e.Path.Name, "value") && e.Path.URN == "" && e.Path.Sub == "" {
			return []string{id}, true
		}
	}
	return nil, false
}

func (d *Detached) pending(id string) int {
	for i, e := range d.Add {
		if e["value"] == id {
			return i
		}
	}
	return -1
}

func without(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
