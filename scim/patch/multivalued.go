package patch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// multi applies op to a multi-valued attribute whose current value is cur
// and returns the new list (nil: unassigned).
func (a *applier) multi(op string, t target, cur, v any) (any, error) {
	list := asList(cur)
	if t.filter == nil && t.r.Sub == nil {
		return a.multiWhole(op, t.r, list, v)
	}
	return a.multiElements(op, t, list, v)
}

// multiWhole handles a path naming the whole attribute.
//
// RFC 7644 §3.5.2.1: add to a multi-valued attribute adds the new values;
// "If the target location already contains the value specified, no
// changes SHOULD be made" (here: an element equal by "value" has the new
// sub-attributes merged into it, Q17). §3.5.2.3: replace without a filter
// replaces "the attribute and all values". §3.5.2.2: remove without a
// filter unassigns the attribute; with a value (Entra's default job, Q7)
// only the listed elements are removed.
func (a *applier) multiWhole(op string, r schema.Resolved, list []any, v any) (any, error) {
	if op == opRemove && v == nil {
		return nil, nil
	}
	elems, err := a.elements(r, v)
	if err != nil {
		return nil, err
	}
	switch op {
	case opAdd:
		var touched []int
		for _, e := range elems {
			i := findSame(r.Attr, list, e)
			if i < 0 {
				list = append(list, e)
				i = len(list) - 1
			} else if em, ok := e.(map[string]any); ok {
				// Same value: merge the other sub-attributes, keep the
				// stored spelling of the value itself.
				if lm, ok := list[i].(map[string]any); ok {
					for k, x := range em {
						if !strings.EqualFold(k, "value") {
							setKey(lm, k, x)
						}
					}
				}
			}
			touched = append(touched, i)
		}
		exclusivePrimary(r.Attr, list, touched)
		return listOrNil(list), nil
	case opReplace:
		touched := make([]int, len(elems))
		for i := range touched {
			touched[i] = i
		}
		exclusivePrimary(r.Attr, elems, touched)
		return listOrNil(elems), nil
	}
	kept := list[:0]
	for _, x := range list {
		if findSame(r.Attr, elems, x) < 0 {
			kept = append(kept, x)
		}
	}
	return listOrNil(kept), nil
}

// multiElements handles a value filter and/or a sub-attribute
// (emails[type eq "work"].value, emails.display, members[value eq "x"]).
//
// RFC 7644 §3.5.2.3: replace with a filter replaces the matching records,
// or their sub-attribute when one is named; "If the target location is a
// multi-valued attribute for which a value selection filter ("valuePath")
// has been supplied and no record match was made, the service provider
// SHALL indicate failure ... "noTarget"". Entra expects add and replace to
// create the element instead (Q4): this does so when the filter is a
// conjunction of eq comparisons, whose values the new element gets. A path
// with a sub-attribute and no filter addresses every element.
func (a *applier) multiElements(op string, t target, list []any, v any) (any, error) {
	r := t.r
	elemRes := whole(r)
	var matches []int
	for i, x := range list {
		if t.filter == nil || Match(a.rt, elemRes, t.filter, asElement(r.Attr, x)) {
			matches = append(matches, i)
		}
	}
	if op == opRemove {
		if t.filter != nil && len(matches) == 0 {
			return nil, scimerr.BadRequest(scimerr.NoTarget, "no value of %s matches %s", r.Attr.Name, t.filter.String())
		}
		return listOrNil(removeAt(r, list, matches)), nil
	}
	nv, err := a.elementValue(op, t, v)
	if err != nil {
		return nil, err
	}
	if nv == nil {
		// replace or add with "" or null clears the target (Q18); nothing
		// to clear is not an error.
		if r.Sub == nil && op == opAdd {
			return listOrNil(list), nil
		}
		return listOrNil(removeAt(r, list, matches)), nil
	}
	if len(matches) == 0 {
		elem, err := a.newElement(t, v)
		if err != nil {
			return nil, err
		}
		list = append(list, elem)
		exclusivePrimary(r.Attr, list, []int{len(list) - 1})
		return list, nil
	}
	for _, i := range matches {
		switch {
		case r.Sub != nil:
			if m, ok := list[i].(map[string]any); ok {
				setKey(m, r.Sub.Name, clone(nv))
			}
		case op == opAdd:
			lm, ok1 := list[i].(map[string]any)
			nm, ok2 := nv.(map[string]any)
			if !ok1 || !ok2 {
				list[i] = clone(nv)
				continue
			}
			for k, x := range nm {
				setKey(lm, k, clone(x))
			}
		default:
			list[i] = clone(nv)
		}
	}
	exclusivePrimary(r.Attr, list, matches)
	return listOrNil(list), nil
}

// newElement builds the element add or replace creates when a filter
// matches nothing (Q4): the filter's eq constraints, then the value.
func (a *applier) newElement(t target, v any) (any, error) {
	r := t.r
	elem, ok := constraints(r.Attr, t.filter)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.NoTarget, "no value of %s matches %s", r.Attr.Name, t.filter.String())
	}
	if r.Attr.Type != schema.Complex {
		return a.normalize(whole(r), unwrapOne(v), true)
	}
	if r.Sub != nil {
		elem[r.Sub.Name] = unwrapOne(v)
	} else if m, ok := coerceElement(r.Attr, unwrapOne(v)).(map[string]any); ok {
		for k, x := range m {
			setKey(elem, k, x)
		}
	}
	out, err := a.normalize(whole(r), elem, true)
	if err == nil && !present(out) {
		return nil, scimerr.BadRequest(scimerr.InvalidValue, "empty value for %s", r.Attr.Name)
	}
	return out, err
}

// elementValue normalizes the value of an add or replace on matched
// elements: the sub-attribute's value, or a whole element. An element
// replacing matched ones gets the sub-attributes the filter's eq
// constraints fix and the value leaves out, so that replace
// emails[type eq "work"] with {"value":…} keeps type work. nil means clear.
func (a *applier) elementValue(op string, t target, v any) (any, error) {
	r := t.r
	v = unwrapOne(v)
	if r.Sub != nil {
		return a.normalize(r, v, false)
	}
	elemRes := whole(r)
	if !present(v) {
		return nil, nil
	}
	v = coerceElement(r.Attr, v)
	if m, ok := v.(map[string]any); ok && op == opReplace {
		c, _ := constraints(r.Attr, t.filter)
		m = clone(m).(map[string]any)
		for k, x := range c {
			if getKey(m, k) == nil {
				m[k] = x
			}
		}
		v = m
	}
	return a.normalize(elemRes, v, true)
}

// constraints returns the sub-attribute values a conjunction of eq
// comparisons fixes (type eq "work" and primary eq true → {type: "work",
// primary: true}), or false when f is not such a conjunction. A nil filter
// fixes nothing.
func constraints(attr *schema.Attribute, f filter.Expr) (map[string]any, bool) {
	switch e := f.(type) {
	case nil:
		return map[string]any{}, true
	case *filter.And:
		l, ok := constraints(attr, e.L)
		if !ok {
			return nil, false
		}
		r, ok := constraints(attr, e.R)
		if !ok {
			return nil, false
		}
		for k, x := range r {
			if y, dup := l[k]; dup && !deepEqual(x, y) {
				return nil, false
			}
			l[k] = x
		}
		return l, true
	case *filter.Compare:
		if e.Op != filter.Eq || e.Value == nil {
			return nil, false
		}
		name := "value"
		if attr.Type == schema.Complex {
			sub := attr.Sub(e.Path.Name)
			if sub == nil {
				return nil, false
			}
			name = sub.Name
		}
		return map[string]any{name: e.Value}, true
	}
	return nil, false
}

// removeAt removes the matched elements, or, when r names a
// sub-attribute, that sub-attribute of each; an element left empty, or
// without its "value", is removed (RFC 7644 §3.5.2.2: "Sub-attributes whose
// values have been removed SHALL be considered unassigned").
func removeAt(r schema.Resolved, list []any, matches []int) []any {
	drop := make(map[int]bool, len(matches))
	for _, i := range matches {
		if r.Sub == nil {
			drop[i] = true
			continue
		}
		m, ok := list[i].(map[string]any)
		if !ok {
			continue
		}
		setKey(m, r.Sub.Name, nil)
		if len(m) == 0 || strings.EqualFold(r.Sub.Name, "value") {
			drop[i] = true
		}
	}
	out := make([]any, 0, len(list))
	for i, x := range list {
		if !drop[i] {
			out = append(out, x)
		}
	}
	return out
}

// elements normalizes v as a list of elements of r's attribute.
func (a *applier) elements(r schema.Resolved, v any) ([]any, error) {
	nv, err := a.normalize(r, coerceList(r.Attr, v), false)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, e := range asList(nv) {
		if present(e) && findSame(r.Attr, out, e) < 0 {
			out = append(out, e)
		}
	}
	return out, nil
}

// findSame returns the index of the element of list equal to e: by
// "value" when the attribute has that sub-attribute and e has one (with
// the sub-attribute's caseExact), else as a whole. -1 when none.
func findSame(attr *schema.Attribute, list []any, e any) int {
	if em, ok := e.(map[string]any); ok {
		if vs := attr.Sub("value"); vs != nil {
			if ev := getKey(em, vs.Name); present(ev) {
				for i, x := range list {
					if xm, ok := x.(map[string]any); ok && sameValue(vs, getKey(xm, vs.Name), ev) {
						return i
					}
				}
				return -1
			}
		}
	}
	for i, x := range list {
		if attr.Type != schema.Complex {
			if sameValue(attr, x, e) {
				return i
			}
		} else if deepEqual(x, e) {
			return i
		}
	}
	return -1
}

// exclusivePrimary keeps at most one element with primary true (RFC 7643
// §2.4: "The primary attribute value "true" MUST appear no more than
// once"): the first element the operation touched that says true keeps it
// and every other element's primary becomes false.
func exclusivePrimary(attr *schema.Attribute, list []any, touched []int) {
	p := attr.Sub("primary")
	if p == nil || p.Type != schema.Boolean {
		return
	}
	keep := -1
	for _, i := range touched {
		if m, ok := list[i].(map[string]any); ok && m[p.Name] == true {
			keep = i
			break
		}
	}
	schema.ExclusivePrimary(list, keep)
}

// asElement presents an element to Match: complex elements as they are,
// simple ones as {"value": x} (RFC 7644 §3.4.2.2 lets a filter on a simple
// multi-valued attribute name the value "value").
func asElement(attr *schema.Attribute, x any) map[string]any {
	if m, ok := x.(map[string]any); ok {
		return m
	}
	return map[string]any{"value": x}
}

// checkFilter makes sure every comparison of a value filter names a
// sub-attribute of attr (RFC 7644 §3.5.2: the filter's attributes are
// relative to the multi-valued attribute).
func checkFilter(attr *schema.Attribute, f filter.Expr) error {
	switch e := f.(type) {
	case *filter.And:
		if err := checkFilter(attr, e.L); err != nil {
			return err
		}
		return checkFilter(attr, e.R)
	case *filter.Or:
		if err := checkFilter(attr, e.L); err != nil {
			return err
		}
		return checkFilter(attr, e.R)
	case *filter.Not:
		return checkFilter(attr, e.X)
	case *filter.Compare:
		if e.Path.URN != "" || e.Path.Sub != "" {
			return fmt.Errorf("%s is not a sub-attribute of %s", e.Path.String(), attr.Name)
		}
		if attr.Type == schema.Complex && attr.Sub(e.Path.Name) == nil {
			return fmt.Errorf("%s has no sub-attribute %q", attr.Name, e.Path.Name)
		}
		if attr.Type != schema.Complex && !strings.EqualFold(e.Path.Name, "value") {
			return fmt.Errorf("a filter on %s can only compare \"value\"", attr.Name)
		}
		return nil
	case *filter.ValuePath:
		return errors.New("value filters cannot be nested")
	}
	return errors.New("unsupported filter")
}

func listOrNil(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l
}
