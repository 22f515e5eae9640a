package patch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// The three PATCH operations of RFC 7644 §3.5.2, lower-cased.
const (
	opAdd     = "add"
	opReplace = "replace"
	opRemove  = "remove"
)

// Options says how Apply treats the resource's identity and the attribute
// the caller stores outside the document.
type Options struct {
	// ID is the resource's id. An "id" key in a path-less value equal to it
	// is ignored (Okta sends it back, O-13); a different one is 400
	// mutability. When ID is "", an "id" key in a path-less value is
	// ignored and a path naming "id" is 400 mutability.
	ID string
	// Detach names a core multi-valued attribute the caller stores outside
	// the document ("members" for Groups): operations on it never touch
	// the document and are returned as a Detached change. "" for none.
	Detach string
}

// Apply applies ops in order (RFC 7644 §3.5.2) to a deep copy of doc, a
// resource document in stored form (see schema.Resolved.Keys), and returns
// the new document. doc is never modified.
//
// When Options.Detach is set and some operation addressed that attribute,
// the accumulated change to it is returned as a *Detached (nil otherwise).
//
// The result always carries "schemas" recomputed: the core schema followed
// by every extension that has a value. Values are stored as
// schema.NormalizeValue returns them; a writeOnly attribute such as
// "password" stays in the document for the caller to take out.
//
// Errors are *scimerr.Error (400, scimType invalidSyntax, invalidPath,
// invalidValue, noTarget or mutability) naming the failing operation; on
// error nothing is returned and the caller discards the whole request, as
// RFC 7644 §3.5.2 requires ("each operation ... applied sequentially ...
// if any fails, the resource is not modified").
func Apply(rt *schema.ResourceType, doc map[string]any, ops []Operation, opt Options) (map[string]any, *Detached, error) {
	if rt == nil || rt.Schema == nil {
		return nil, nil, errors.New("patch: Apply needs a resource type with a schema")
	}
	out, _ := clone(doc).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	a := &applier{rt: rt, opt: opt, doc: out}
	for i, op := range ops {
		if err := a.apply(op); err != nil {
			return nil, nil, inOperation(i, op, err)
		}
	}
	a.setSchemas()
	return a.doc, a.det, nil
}

// applier holds the state of one Apply call.
type applier struct {
	rt  *schema.ResourceType
	opt Options
	doc map[string]any
	det *Detached
}

// target is a resolved PATCH path.
type target struct {
	text    string          // as written, for messages
	special string          // "id", "meta" or "schemas": not schema attributes
	r       schema.Resolved // r.Sub is the sub-attribute, after a filter too
	filter  filter.Expr     // value selection filter, nil when none
}

// depth orders the keys of a path-less value: whole extensions first, then
// attributes, then sub-attributes and filtered paths, so that
// {"name":{…},"name.givenName":…} applies the more specific key last.
func (t target) depth() int {
	switch {
	case t.special != "":
		return 1
	case t.r.Attr == nil:
		return 0
	case t.r.Sub == nil && t.filter == nil:
		return 1
	}
	return 2
}

func (a *applier) apply(op Operation) error {
	name := strings.ToLower(strings.TrimSpace(op.Op))
	switch name {
	case opAdd, opReplace, opRemove:
	default:
		return scimerr.BadRequest(scimerr.InvalidSyntax, `unknown op %q: use "add", "replace" or "remove"`, op.Op)
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		if name == opRemove {
			// RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation
			// fails with ... "noTarget"."
			return scimerr.BadRequest(scimerr.NoTarget, "remove needs a path")
		}
		return a.pathless(name, op.Value)
	}
	t, err := a.resolve(path)
	if err != nil {
		return err
	}
	return a.do(name, t, op.Value, true)
}

// resolve parses and resolves a PATCH path (RFC 7644 §3.5.2, "path").
func (a *applier) resolve(text string) (target, error) {
	p, err := filter.ParsePath(text)
	if err != nil {
		return target{}, scimerr.BadRequest(scimerr.InvalidPath, "invalid path %q: %s", text, err.Error())
	}
	return a.resolveParsed(p, text)
}

func (a *applier) resolveParsed(p filter.Path, text string) (target, error) {
	ap := p.Attr
	if p.Filter != nil {
		ap.Sub = p.SubAttr
	}
	if s := a.special(ap); s != "" {
		if p.Filter != nil {
			return target{}, scimerr.BadRequest(scimerr.InvalidPath, "invalid path %q: %s is not multi-valued", text, s)
		}
		return target{text: text, special: s}, nil
	}
	r, err := a.rt.Resolve(ap)
	if err != nil {
		return target{}, retype(err, scimerr.InvalidPath, fmt.Sprintf("unknown attribute in path %q", text))
	}
	t := target{text: text, r: r, filter: p.Filter}
	if p.Filter != nil {
		if r.Attr == nil || !r.Attr.MultiValued {
			return target{}, scimerr.BadRequest(scimerr.InvalidPath, "invalid path %q: a value filter needs a multi-valued attribute", text)
		}
		if err := checkFilter(r.Attr, p.Filter); err != nil {
			return target{}, scimerr.BadRequest(scimerr.InvalidPath, "invalid filter in path %q: %s", text, err.Error())
		}
	}
	return t, nil
}

// special recognises the common attributes RFC 7643 §3.1 defines outside
// the schemas ("id", "meta") and "schemas" itself, unqualified or qualified
// with the core schema URN.
func (a *applier) special(p filter.AttrPath) string {
	if p.URN != "" && !strings.EqualFold(p.URN, a.rt.Schema.ID) {
		return ""
	}
	switch {
	case strings.EqualFold(p.Name, "id") && p.Sub == "":
		return "id"
	case strings.EqualFold(p.Name, "meta"):
		return "meta"
	case strings.EqualFold(p.Name, "schemas") && p.Sub == "":
		return "schemas"
	}
	return ""
}

// do applies one operation to a resolved target. explicit is false for the
// keys of a path-less value, where readOnly attributes are ignored rather
// than refused.
func (a *applier) do(op string, t target, v any, explicit bool) error {
	switch t.special {
	case "schemas":
		return nil // recomputed by Apply
	case "meta":
		if explicit {
			return scimerr.BadRequest(scimerr.Mutability, "meta is readOnly")
		}
		return nil
	case "id":
		return a.id(op, v, explicit)
	}
	r := t.r
	if r.Attr == nil {
		return a.extension(op, r, v)
	}
	if a.isDetached(r) {
		return a.detached(op, t, v)
	}
	if r.Attr.Mutability == schema.ReadOnly || (r.Sub != nil && r.Sub.Mutability == schema.ReadOnly) {
		if explicit {
			return scimerr.BadRequest(scimerr.Mutability, "%s is readOnly", t.text)
		}
		return nil
	}
	top := whole(r)
	keys := top.Keys()
	cur := getPath(a.doc, keys)
	var before any
	if hasImmutable(r.Attr) {
		before = clone(cur)
	}
	wasPresent := present(cur)
	var next any
	var err error
	if r.Attr.MultiValued {
		next, err = a.multi(op, t, cur, v)
	} else {
		next, err = a.single(op, t, cur, v)
	}
	if err != nil {
		return err
	}
	if r.Attr.Required && wasPresent && !present(next) {
		// RFC 7644 §3.5.2: an attribute that "is removed or becomes
		// unassigned and is defined as a required attribute" is a
		// mutability error.
		return scimerr.BadRequest(scimerr.Mutability, "%s is required and cannot be removed", r.Attr.Name)
	}
	if err := checkImmutable(r.Attr, before, next); err != nil {
		return err
	}
	setPath(a.doc, keys, next)
	return nil
}

// id handles a path naming "id" (RFC 7643 §3.1: readOnly). Okta sends the
// resource's own id back in path-less values (O-13).
func (a *applier) id(op string, v any, explicit bool) error {
	if op != opRemove {
		s, _ := v.(string)
		if (s != "" && s == a.opt.ID) || (!explicit && a.opt.ID == "") {
			return nil
		}
	}
	return scimerr.BadRequest(scimerr.Mutability, "id is readOnly and cannot be changed")
}

// whole returns the resolved top-level attribute of r (r without its
// sub-attribute).
func whole(r schema.Resolved) schema.Resolved {
	r.Sub = nil
	return r
}

func (a *applier) isDetached(r schema.Resolved) bool {
	return a.opt.Detach != "" && r.Attr != nil && r.Schema != nil &&
		r.Schema.ID == a.rt.Schema.ID && strings.EqualFold(r.Attr.Name, a.opt.Detach)
}

// extension applies an operation to a path naming a whole schema extension
// (RFC 7644 §3.5.2: "urn:…:enterprise:2.0:User"). add and replace apply
// each key of the object value as an attribute of the extension; remove,
// and add or replace with "" or null, remove the extension's values.
func (a *applier) extension(op string, r schema.Resolved, v any) error {
	if s, ok := v.(string); op == opRemove || v == nil || (ok && s == "") {
		return a.removeExtension(r)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return scimerr.BadRequest(scimerr.InvalidValue, "the value for %s must be an object", r.Schema.ID)
	}
	return a.applyObject(op, m, r.Schema.ID)
}

func (a *applier) removeExtension(r schema.Resolved) error {
	keys := r.Keys()
	cur, _ := getPath(a.doc, keys).(map[string]any)
	if len(cur) == 0 {
		setPath(a.doc, keys, nil)
		return nil
	}
	for _, ext := range a.rt.Extensions {
		if ext.Schema != nil && ext.Schema.ID == r.Schema.ID && ext.Required {
			return scimerr.BadRequest(scimerr.Mutability, "extension %s is required and cannot be removed", r.Schema.ID)
		}
	}
	for _, at := range r.Schema.Attributes {
		if at.Required && present(getKey(cur, at.Name)) {
			return scimerr.BadRequest(scimerr.Mutability, "%s is required and cannot be removed", at.Name)
		}
		if at.Mutability == schema.Immutable && present(getKey(cur, at.Name)) {
			return scimerr.BadRequest(scimerr.Mutability, "%s is immutable", at.Name)
		}
	}
	setPath(a.doc, keys, nil)
	return nil
}

// setSchemas recomputes "schemas": the core schema, then each extension
// holding a value (RFC 7643 §3: "schemas" lists the schemas the resource
// uses).
func (a *applier) setSchemas() {
	list := []any{a.rt.Schema.ID}
	for _, ext := range a.rt.Extensions {
		if ext.Schema == nil {
			continue
		}
		keys := schema.Resolved{Schema: ext.Schema}.Keys()
		if present(getPath(a.doc, keys)) {
			list = append(list, ext.Schema.ID)
		}
	}
	a.doc["schemas"] = list
}

// normalize runs v through the schema's NormalizeValue, making sure any
// error is a 400 invalidValue *scimerr.Error.
func (a *applier) normalize(r schema.Resolved, v any, element bool) (any, error) {
	out, err := a.rt.NormalizeValue(r, v, element)
	if err != nil {
		return nil, retype(err, scimerr.InvalidValue, "invalid value "+marshalValue(v))
	}
	return out, nil
}

// checkImmutable enforces RFC 7644 §3.5.2: "A client MUST NOT modify an
// attribute that has mutability "readOnly" or "immutable". However, a
// client MAY "add" a value to an "immutable" attribute if the attribute had
// no previous value." before is nil when attr has nothing immutable.
func checkImmutable(attr *schema.Attribute, before, after any) error {
	if attr.Mutability == schema.Immutable {
		if present(before) && !deepEqual(before, after) {
			return scimerr.BadRequest(scimerr.Mutability, "%s is immutable", attr.Name)
		}
		return nil
	}
	if attr.Type != schema.Complex || attr.MultiValued {
		return nil
	}
	bm, _ := before.(map[string]any)
	am, _ := after.(map[string]any)
	for _, sub := range attr.SubAttributes {
		if sub.Mutability != schema.Immutable {
			continue
		}
		if b := getKey(bm, sub.Name); present(b) && !deepEqual(b, getKey(am, sub.Name)) {
			return scimerr.BadRequest(scimerr.Mutability, "%s.%s is immutable", attr.Name, sub.Name)
		}
	}
	return nil
}

func hasImmutable(attr *schema.Attribute) bool {
	if attr.Mutability == schema.Immutable {
		return true
	}
	if attr.Type != schema.Complex || attr.MultiValued {
		return false
	}
	for _, sub := range attr.SubAttributes {
		if sub.Mutability == schema.Immutable {
			return true
		}
	}
	return false
}

// retype returns err as a 400 *scimerr.Error of the given scimType,
// keeping a SCIM error's client-safe detail and replacing any other
// error's text (which may not be client-safe) with fallback.
func retype(err error, scimType, fallback string) error {
	if e, ok := scimerr.As(err); ok {
		return scimerr.BadRequest(scimType, "%s", e.Detail)
	}
	return scimerr.BadRequest(scimType, "%s", fallback)
}

// inOperation names the failing operation in a SCIM error's detail.
func inOperation(i int, op Operation, err error) error {
	e, ok := scimerr.As(err)
	if !ok {
		return err
	}
	where := fmt.Sprintf("operation %d (%s", i+1, op.Op)
	if op.Path != "" {
		where += " " + op.Path
	}
	return &scimerr.Error{Status: e.Status, Type: e.Type, Detail: where + "): " + e.Detail}
}
