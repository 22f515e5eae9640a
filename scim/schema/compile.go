package schema

import (
	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// Compile turns a parsed filter into a store expression for this resource
// type (RFC 7644 §3.4.2.2). Unknown attributes, and operators that don't
// apply to a type (gt on a boolean), give 400 invalidFilter.
//
// Mapping:
//   - id, externalId, the resource's name (User userName, Group
//     displayName), User active, meta.created, meta.lastModified and
//     meta.version compile to store columns; meta.version takes an
//     entity tag (W/"3", "3") or a number and compares as an integer;
//   - User groups / groups.value and Group members / members.value compile
//     to the relation columns (eq, ne, pr only); their other
//     sub-attributes (display, type, $ref) cannot be filtered;
//   - meta.resourceType is a constant of the resource type: it compiles
//     to an always-true (id pr) or always-false (not id pr) expression;
//     meta.location cannot be filtered;
//   - everything else is a path into the stored document with the type
//     and caseExact of its definition. A multi-valued attribute compiles
//     to store.Any over its elements: emails.value eq "x", emails eq "x"
//     (a multi-valued complex attribute compared directly means its value
//     sub-attribute) and emails[type eq "work" and value co "@x"]; a
//     multi-valued simple attribute gets an empty relative path. A
//     single-valued complex attribute compared directly means its value
//     sub-attribute too (Entra's legacy manager eq "id"); pr on any
//     attribute tests the attribute as a whole;
//   - values are coerced to the attribute's type: strings for string,
//     reference and binary (a number there is an error), booleans (also
//     "true"/"false" strings), int64 / float64 from numbers, dateTime
//     validated and normalized to UTC like stored values;
//   - eq null compiles to "not pr", ne null to "pr";
//   - gt/ge/lt/le on boolean or binary, and co/sw/ew on boolean, numbers
//     and dateTime, are invalidFilter; so is a filter on an attribute that
//     is never returned (password).
func (rt *ResourceType) Compile(f filter.Expr) (store.Expr, error) {
	return compiler{rt: rt}.expr(f)
}

type compiler struct{ rt *ResourceType }

func (c compiler) expr(f filter.Expr) (store.Expr, error) {
	switch e := f.(type) {
	case *filter.And:
		l, r, err := c.pair(e.L, e.R)
		return store.And{L: l, R: r}, err
	case *filter.Or:
		l, r, err := c.pair(e.L, e.R)
		return store.Or{L: l, R: r}, err
	case *filter.Not:
		x, err := c.expr(e.X)
		return store.Not{X: x}, err
	case *filter.Compare:
		return c.compare(e.Path, e.Op, e.Value)
	case *filter.ValuePath:
		return c.valuePath(e)
	}
	return nil, invalidFilter("unsupported filter expression %T", f)
}

func (c compiler) pair(l, r filter.Expr) (store.Expr, store.Expr, error) {
	x, err := c.expr(l)
	if err != nil {
		return nil, nil, err
	}
	y, err := c.expr(r)
	return x, y, err
}

// compare compiles "path op value".
func (c compiler) compare(p filter.AttrPath, op filter.Op, value any) (store.Expr, error) {
	r, err := c.rt.Resolve(p)
	if err != nil {
		return nil, invalidFilter("unknown attribute %q in filter", p.String())
	}
	if r.Attr == nil {
		if op == filter.Pr {
			return present(store.Attr{Path: r.Keys(), Type: store.TypeString}), nil
		}
		return nil, invalidFilter("%q names a whole extension; only pr applies to it", p.String())
	}
	if e, ok, err := c.column(r, op, value); ok || err != nil {
		return e, err
	}
	def := r.Def()
	if def.Returned == Never || def.Mutability == WriteOnly || r.Attr.computed {
		return nil, invalidFilter("filtering on %s is not supported", r.String())
	}
	a := r.Attr
	if op == filter.Pr && (r.Sub == nil || !a.MultiValued) {
		// The attribute as a whole; a sub-attribute of a multi-valued one
		// (emails.type pr) is tested per element below.
		return present(store.Attr{Path: r.Keys(), Type: storeType(def.Type), CaseExact: def.CaseExact}), nil
	}
	if a.Type == Complex && r.Sub == nil {
		if def = a.Sub("value"); def == nil {
			return nil, invalidFilter("%s is complex; compare one of its sub-attributes", r.String())
		}
	}
	keys := Resolved{Schema: r.Schema, Attr: a, ext: r.ext}.Keys()
	switch {
	case a.MultiValued && a.Type == Complex:
		cond, err := leaf(store.Attr{Path: []string{def.Name}}, def, a.Name+"."+def.Name, op, value)
		return store.Any{Path: keys, Cond: cond}, err
	case a.MultiValued:
		cond, err := leaf(store.Attr{}, def, a.Name, op, value)
		return store.Any{Path: keys, Cond: cond}, err
	case a.Type == Complex:
		keys = append(keys, def.Name)
	}
	return leaf(store.Attr{Path: keys}, def, r.String(), op, value)
}

// valuePath compiles "attr[filter]" (RFC 7644 §3.4.2.2).
func (c compiler) valuePath(e *filter.ValuePath) (store.Expr, error) {
	r, err := c.rt.Resolve(e.Path)
	if err != nil {
		return nil, invalidFilter("unknown attribute %q in filter", e.Path.String())
	}
	if r.Attr == nil || r.Sub != nil {
		return nil, invalidFilter("%q cannot take a [filter]", e.Path.String())
	}
	if r.Attr.computed {
		return nil, invalidFilter("filtering on %s is not supported", r.String())
	}
	a := r.Attr
	rel, _ := relation(c.rt)
	switch {
	case !r.ext && a.Name == rel, !a.MultiValued && a.Type == Complex:
		// Sugar over plain comparisons: members[value eq "x"] is
		// members.value eq "x", name[givenName eq "x"] is name.givenName
		// eq "x". Over a relation only comparisons and "or" keep the
		// per-element meaning.
		return c.sugar(e.Path, e.Filter, a.MultiValued)
	case !a.MultiValued:
		return nil, invalidFilter("%s is neither complex nor multi-valued; it cannot take a [filter]", r.String())
	}
	cond, err := c.element(a, e.Filter)
	if err != nil {
		return nil, err
	}
	return store.Any{Path: r.Keys(), Cond: cond}, nil
}

// sugar rewrites the inner filter of parent[...] as comparisons of
// parent.sub and compiles those.
func (c compiler) sugar(parent filter.AttrPath, f filter.Expr, relation bool) (store.Expr, error) {
	switch e := f.(type) {
	case *filter.Or:
		l, err := c.sugar(parent, e.L, relation)
		if err != nil {
			return nil, err
		}
		r, err := c.sugar(parent, e.R, relation)
		return store.Or{L: l, R: r}, err
	case *filter.And:
		if !relation {
			l, err := c.sugar(parent, e.L, relation)
			if err != nil {
				return nil, err
			}
			r, err := c.sugar(parent, e.R, relation)
			return store.And{L: l, R: r}, err
		}
	case *filter.Not:
		if !relation {
			x, err := c.sugar(parent, e.X, relation)
			return store.Not{X: x}, err
		}
	case *filter.Compare:
		p := filter.AttrPath{URN: parent.URN, Name: parent.Name, Sub: e.Path.Name}
		return c.compare(p, e.Op, e.Value)
	}
	return nil, invalidFilter("unsupported filter inside %s[...]", parent.String())
}

// element compiles the filter inside a[...] relative to one element of
// the multi-valued attribute a.
func (c compiler) element(a *Attribute, f filter.Expr) (store.Expr, error) {
	switch e := f.(type) {
	case *filter.And:
		l, err := c.element(a, e.L)
		if err != nil {
			return nil, err
		}
		r, err := c.element(a, e.R)
		return store.And{L: l, R: r}, err
	case *filter.Or:
		l, err := c.element(a, e.L)
		if err != nil {
			return nil, err
		}
		r, err := c.element(a, e.R)
		return store.Or{L: l, R: r}, err
	case *filter.Not:
		x, err := c.element(a, e.X)
		return store.Not{X: x}, err
	case *filter.Compare:
		if e.Path.URN != "" || e.Path.Sub != "" {
			return nil, invalidFilter("%q inside %s[...] must name a sub-attribute", e.Path.String(), a.Name)
		}
		if a.Type != Complex {
			if !equalFold(e.Path.Name, "value") {
				return nil, invalidFilter("%s has no sub-attribute %q; use value", a.Name, e.Path.Name)
			}
			return leaf(store.Attr{}, a, a.Name, e.Op, e.Value)
		}
		sub := a.Sub(e.Path.Name)
		if sub == nil {
			return nil, invalidFilter("unknown attribute %q in filter", a.Name+"."+e.Path.Name)
		}
		return leaf(store.Attr{Path: []string{sub.Name}}, sub, a.Name+"."+sub.Name, e.Op, e.Value)
	}
	return nil, invalidFilter("unsupported filter inside %s[...]", a.Name)
}

// leaf builds the comparison of attribute at (Column or Path set by the
// caller) with value, typed and cased from def.
func leaf(at store.Attr, def *Attribute, name string, op filter.Op, value any) (store.Expr, error) {
	at.Type, at.CaseExact = storeType(def.Type), def.CaseExact
	if op == filter.Pr {
		return present(at), nil
	}
	sop, ok := storeOps[op]
	if !ok {
		return nil, invalidFilter("unsupported operator %q", op)
	}
	if value == nil {
		switch op {
		case filter.Eq:
			return store.Not{X: present(at)}, nil
		case filter.Ne:
			return present(at), nil
		}
		return nil, invalidFilter("%s %s null is not supported", name, op)
	}
	ordering := op == filter.Gt || op == filter.Ge || op == filter.Lt || op == filter.Le
	substring := op == filter.Co || op == filter.Sw || op == filter.Ew
	switch def.Type {
	case Boolean:
		if ordering || substring {
			return nil, invalidFilter("%s is a boolean; %s does not apply", name, op)
		}
	case Binary:
		if ordering {
			return nil, invalidFilter("%s is binary; %s does not apply", name, op)
		}
	case Integer, Decimal, DateTime:
		if substring {
			return nil, invalidFilter("%s is %s; %s does not apply", name, def.Type, op)
		}
	}
	v, err := filterValue(def, name, value)
	if err != nil {
		return nil, err
	}
	return store.Compare{Attr: at, Op: sop, Value: v}, nil
}

// filterValue coerces a filter's comparison value (a string, bool or
// json.Number) to the attribute's type.
func filterValue(def *Attribute, name string, value any) (any, error) {
	var v any
	ok := false
	switch def.Type {
	case String, Reference, Binary:
		v, ok = value.(string)
	case Boolean:
		v, ok = coerceBool(value)
	case Integer:
		if _, isString := value.(string); !isString {
			v, ok = coerceInt(value)
		}
	case Decimal:
		if _, isString := value.(string); !isString {
			v, ok = coerceDecimal(value)
		}
	case DateTime:
		v, ok = coerceDateTime(value)
	}
	if !ok {
		return nil, invalidFilter("%s is %s; it cannot be compared with %s", name, describeType(def.Type), show(value))
	}
	return v, nil
}

var storeOps = map[filter.Op]store.Op{
	filter.Eq: store.OpEq, filter.Ne: store.OpNe, filter.Co: store.OpCo,
	filter.Sw: store.OpSw, filter.Ew: store.OpEw, filter.Gt: store.OpGt,
	filter.Ge: store.OpGe, filter.Lt: store.OpLt, filter.Le: store.OpLe,
}

// present is "at pr".
func present(at store.Attr) store.Expr {
	return store.Compare{Attr: at, Op: store.OpPresent}
}

// alwaysTrue is true for every resource (every resource has an id).
func alwaysTrue() store.Expr {
	return present(store.Attr{Column: store.ColID, Type: store.TypeString, CaseExact: true})
}

// storeType maps a SCIM type to the store's. Complex values are only ever
// tested with pr, which does not depend on the type; they map to string.
func storeType(t Type) store.Type {
	if t == Complex {
		return store.TypeString
	}
	return store.Type(t)
}

func invalidFilter(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidFilter, format, args...)
}
