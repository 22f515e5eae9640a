package ldapsync

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
)

// target is one compiled mapping entry: where in the SCIM User document
// the values of one LDAP attribute go.
type target struct {
	key  string          // canonical mapping key
	ldap string          // LDAP attribute description
	res  schema.Resolved // the attribute (with Sub for a singular complex one)
	// elem is set for a multi-valued complex attribute: the sub-attribute
	// that receives the value; each LDAP value becomes one element.
	elem  *schema.Attribute
	match []cond // fixed sub-attribute values of each element (the [filter])
	// manager: the enterprise manager; the value is a DN that the engine
	// resolves to a scimd id (DirUser.ManagerDN), not a document value.
	manager bool
}

// cond is a fixed sub-attribute value of a mapped element, from a
// mapping key such as emails[type eq "work"].value.
type cond struct {
	name  string // canonical sub-attribute name
	value any    // string or bool
}

// attrDescription matches an LDAP attribute description (RFC 4512 §2.5):
// a name or numeric OID, then options.
var attrDescription = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+)(;[A-Za-z0-9-]+)*$`)

// validAttr reports whether s is an LDAP attribute description.
func validAttr(s string) bool { return attrDescription.MatchString(s) }

// compileMapping compiles a mapping (SCIM path → LDAP attribute) against
// rt, in key order. With lenient set, keys qualified by a schema URN that
// rt does not know are skipped (an organization's own extension, checked
// later by NewMapper against the organization's resource type). It returns
// every problem found.
func compileMapping(rt *schema.ResourceType, mapping map[string]string, lenient bool) ([]target, []string) {
	keys := make([]string, 0, len(mapping))
	for k := range mapping {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var (
		out      []target
		problems []string
		seen     = map[string]string{}
	)
	for _, k := range keys {
		v := strings.TrimSpace(mapping[k])
		if v == "" {
			continue // removed from the preset's mapping
		}
		if lenient && unknownExtension(rt, k) {
			if !validAttr(v) {
				problems = append(problems, fmt.Sprintf("mapping %q: %q is not an LDAP attribute name", k, v))
			}
			continue
		}
		t, err := compileTarget(rt, k)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !validAttr(v) {
			problems = append(problems, fmt.Sprintf("mapping %q: %q is not an LDAP attribute name", k, v))
			continue
		}
		if prev, dup := seen[t.key]; dup {
			problems = append(problems, fmt.Sprintf("mapping %q and %q name the same attribute", prev, k))
			continue
		}
		seen[t.key] = k
		t.ldap = v
		if t.elem != nil {
			for _, o := range out {
				if o.elem != nil && o.res.Attr == t.res.Attr && strings.EqualFold(o.ldap, v) {
					problems = append(problems, fmt.Sprintf("mapping %q and %q both put %s into %s", seen[o.key], k, v, t.res.Attr.Name))
				}
			}
		}
		out = append(out, t)
	}
	return out, problems
}

// unknownExtension reports whether key is qualified by a URN that is not a
// schema of rt.
func unknownExtension(rt *schema.ResourceType, key string) bool {
	p, err := filter.ParsePath(key)
	if err != nil || p.Attr.URN == "" {
		return false
	}
	if s, _ := rt.SchemaByURN(p.Attr.URN); s != nil {
		return false
	}
	s, _ := rt.SchemaByURN(p.Attr.URN + ":" + p.Attr.Name)
	return s == nil
}

// compileTarget parses one mapping key: an attribute path
// ("userName", "name.givenName", "urn:…:enterprise:2.0:User:department"),
// or a value path naming the element of a multi-valued attribute by fixed
// sub-attribute values (`emails[type eq "work"].value`,
// `phoneNumbers[type eq "mobile"]`).
func compileTarget(rt *schema.ResourceType, key string) (target, error) {
	bad := func(format string, args ...any) (target, error) {
		return target{}, fmt.Errorf("mapping %q: %s", key, fmt.Sprintf(format, args...))
	}
	p, err := filter.ParsePath(key)
	if err != nil {
		return bad("%v", err)
	}
	r, err := rt.Resolve(p.Attr)
	if err != nil {
		return bad("unknown attribute")
	}
	if r.Attr == nil {
		return bad("names a whole schema extension; map its attributes")
	}
	switch {
	case strings.EqualFold(r.Attr.Name, "active") && !r.Extension():
		return bad("active is not mapped: it follows the directory's disabled and expired state")
	case r.Attr.Mutability == schema.WriteOnly:
		return bad("write-only attributes (passwords) are never synced")
	case r.Attr.Mutability == schema.ReadOnly || (r.Sub != nil && r.Sub.Mutability == schema.ReadOnly):
		return bad("%s is read-only", r.String())
	}
	if r.Schema.ID == schema.EnterpriseUserURN && r.Attr.Name == "manager" && p.Filter == nil {
		if r.Sub != nil && r.Sub.Name != "value" {
			return bad("map the manager itself (its DN); the engine resolves it")
		}
		r.Sub = nil
		return target{key: r.String(), res: r, manager: true}, nil
	}
	if !r.Attr.MultiValued {
		if p.Filter != nil {
			return bad("%s is single-valued: it takes no [filter]", r.Attr.Name)
		}
		if r.Attr.Type == schema.Complex && r.Sub == nil {
			return bad("%s is complex: map its sub-attributes (%s.…)", r.Attr.Name, r.Attr.Name)
		}
		return target{key: r.String(), res: r}, nil
	}
	if r.Attr.Type != schema.Complex {
		return target{key: r.String(), res: r}, nil
	}
	sub := p.SubAttr
	if r.Sub != nil {
		sub = r.Sub.Name
	}
	if sub == "" {
		sub = "value"
	}
	elem := r.Attr.Sub(sub)
	if elem == nil {
		return bad("%s has no sub-attribute %q", r.Attr.Name, sub)
	}
	if elem.Mutability == schema.ReadOnly {
		return bad("%s.%s is read-only", r.Attr.Name, elem.Name)
	}
	var conds []cond
	if p.Filter != nil {
		if conds, err = conditions(r.Attr, elem, p.Filter); err != nil {
			return bad("%v", err)
		}
	}
	r.Sub = nil
	t := target{res: r, elem: elem, match: conds}
	t.key = renderKey(r.String(), conds, elem.Name)
	return t, nil
}

// conditions turns the [filter] of a mapping key into fixed sub-attribute
// values: only "sub eq value" comparisons joined by "and".
func conditions(a, elem *schema.Attribute, f filter.Expr) ([]cond, error) {
	var out []cond
	var walk func(filter.Expr) error
	walk = func(f filter.Expr) error {
		switch x := f.(type) {
		case *filter.And:
			if err := walk(x.L); err != nil {
				return err
			}
			return walk(x.R)
		case *filter.Compare:
			if x.Op != filter.Eq || x.Path.URN != "" || x.Path.Sub != "" {
				return fmt.Errorf("the [filter] may only fix sub-attributes with eq, joined by and")
			}
			sub := a.Sub(x.Path.Name)
			if sub == nil {
				return fmt.Errorf("%s has no sub-attribute %q", a.Name, x.Path.Name)
			}
			if sub == elem {
				return fmt.Errorf("the [filter] cannot fix %s, which receives the value", sub.Name)
			}
			switch v := x.Value.(type) {
			case string:
				if sub.Type != schema.String && sub.Type != schema.Reference {
					return fmt.Errorf("%s.%s is not a string", a.Name, sub.Name)
				}
			case bool:
				if sub.Type != schema.Boolean {
					return fmt.Errorf("%s.%s is not a boolean", a.Name, sub.Name)
				}
			default:
				return fmt.Errorf("unsupported value %v for %s.%s", v, a.Name, sub.Name)
			}
			for _, c := range out {
				if c.name == sub.Name {
					return fmt.Errorf("%s is fixed twice", sub.Name)
				}
			}
			out = append(out, cond{name: sub.Name, value: x.Value})
			return nil
		default:
			return fmt.Errorf("the [filter] may only fix sub-attributes with eq, joined by and")
		}
	}
	if err := walk(f); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y cond) int { return strings.Compare(x.name, y.name) })
	return out, nil
}

// renderKey writes the canonical form of a multi-valued mapping key:
// attr[sub eq value and …].elem, or attr.elem without conditions.
func renderKey(attr string, conds []cond, elem string) string {
	var b strings.Builder
	b.WriteString(attr)
	if len(conds) > 0 {
		b.WriteByte('[')
		for i, c := range conds {
			if i > 0 {
				b.WriteString(" and ")
			}
			v, _ := json.Marshal(c.value)
			b.WriteString(c.name + " eq " + string(v))
		}
		b.WriteByte(']')
	}
	b.WriteByte('.')
	b.WriteString(elem)
	return b.String()
}

// canonicalMapping rewrites the keys of a mapping to their canonical form
// where they compile, so that a user's key overrides a preset's however it
// is spelled. Keys that don't compile are kept as written (Validate
// reports them).
func canonicalMapping(rt *schema.ResourceType, m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if t, err := compileTarget(rt, k); err == nil {
			k = t.key
		}
		out[k] = v
	}
	return out
}
