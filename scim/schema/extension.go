package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file reads an organization's own extension schemas: RFC 7643 §7
// schema documents (the form GET /Schemas returns), validated strictly so
// that every attribute they declare can be normalized, filtered, sorted,
// projected and patched like a core one.

// MaxExtensionBytes bounds the size of an extension definition.
const MaxExtensionBytes = 256 << 10

// DefinitionError is an invalid extension schema definition. It lists every
// problem found, not just the first.
type DefinitionError struct {
	URN      string // the definition's id, when it has one
	Problems []string
}

func (e *DefinitionError) Error() string {
	what := "invalid schema extension"
	if e.URN != "" {
		what += " " + e.URN
	}
	if len(e.Problems) == 1 {
		return what + ": " + e.Problems[0]
	}
	return what + ":\n  " + strings.Join(e.Problems, "\n  ")
}

// ParseExtension parses and validates an extension schema definition
// (RFC 7643 §7) and returns the schema it defines. See
// ParseExtensionDefinition for the rules.
func ParseExtension(def []byte) (*Schema, error) {
	e, err := ParseExtensionDefinition(def)
	if err != nil {
		return nil, err
	}
	return e.Schema, nil
}

// ParseExtensionDefinition parses and validates an extension schema
// definition (RFC 7643 §7) and returns it as an Extension of a resource
// type. Errors are a *DefinitionError listing every problem.
//
// The document is an object with "id" (the schema URN, required),
// "attributes" (required, at least one), and optionally "name" (defaults
// to the id), "description" (defaults to the name: discovery documents
// carry no empty strings), "schemas" (when present, it lists
// urn:ietf:params:scim:schemas:core:2.0:Schema) and "meta" (ignored), so
// that a document served by GET /Schemas can be fed back. scimd adds one
// key of RFC 7643 §6's schemaExtensions: "required" (boolean, default
// false) makes the extension required on its resource type, so that every
// create and replace must carry it with its required attributes.
//
// The id must be a URN ("urn:" and colon-separated segments of letters,
// digits and "-._+") whose last segment is an attribute-like name (a
// letter, then letters, digits, "-" or "_"), since attribute paths split
// at the last colon (RFC 7644 §3.10). The built-in schemas' URNs (core,
// enterprise, scimd's team extension) and URNs below them, and the
// reserved namespaces urn:ietf:params:scim:schemas:core:,
// urn:ietf:params:scim:api: and urn:scimd:, are refused.
//
// Each attribute has a "name" (RFC 7643 §2.1 ATTRNAME: a letter, then
// letters, digits, "-" or "_"; "$ref" is allowed for a sub-attribute of
// type reference) unique case-insensitively among its siblings, and
// optionally the characteristics of RFC 7643 §2.2 and §7, which default as
// §2.2 says: type "string", multiValued false, required false, caseExact
// false, mutability "readWrite", returned "default", uniqueness "none"
// (and description defaults to the name).
// Keys and keyword values are matched case-insensitively and stored in
// their canonical spelling. Further rules:
//   - canonicalValues (non-empty, distinct strings) only on strings;
//     referenceTypes (User, Group, external, uri) only on references;
//   - subAttributes only on complex attributes, which need at least one;
//     sub-attributes are neither complex (RFC 7643 §2.3.8) nor
//     multi-valued (scimd could not filter or sort by them);
//   - required attributes cannot be readOnly (no client could set them);
//   - mutability writeOnly is refused: extension values live in the
//     resource document, which has no place for secrets;
//   - uniqueness server and global are refused: scimd enforces uniqueness
//     only on the attributes it keeps in indexed columns (userName, Group
//     displayName), and advertising it for others would be a lie.
func ParseExtensionDefinition(def []byte) (Extension, error) {
	p := &defParser{}
	ext := p.parse(def)
	if len(p.problems) > 0 {
		return Extension{}, &DefinitionError{URN: p.urn, Problems: p.problems}
	}
	return ext, nil
}

// WithExtensions returns a copy of rt with the given schemas added as
// optional extensions (see Extend).
func (rt *ResourceType) WithExtensions(exts ...*Schema) *ResourceType {
	list := make([]Extension, 0, len(exts))
	for _, s := range exts {
		list = append(list, Extension{Schema: s})
	}
	return rt.Extend(list...)
}

// Extend returns a copy of rt with exts appended to its extensions, in
// order. rt itself, shared by every organization, is never modified. An
// extension whose URN overlaps (see URNsOverlap) the core schema's or one
// already present is skipped: callers check URNsOverlap before storing a
// definition, so this only guards against inconsistent input.
func (rt *ResourceType) Extend(exts ...Extension) *ResourceType {
	out := *rt
	out.Extensions = slices.Clone(rt.Extensions)
next:
	for _, e := range exts {
		if e.Schema == nil || URNsOverlap(e.Schema.ID, out.Schema.ID) {
			continue
		}
		for _, have := range out.Extensions {
			if URNsOverlap(e.Schema.ID, have.Schema.ID) {
				continue next
			}
		}
		out.Extensions = append(out.Extensions, e)
	}
	return &out
}

// URNsOverlap reports whether two schema URNs cannot live on one resource
// type: they are equal case-insensitively (RFC 7643 §2.1), or one is the
// other followed by ":" (then "A:x" would mean both attribute x of A and
// the whole schema A:x).
func URNsOverlap(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return equalFold(a, b) || (len(b) > len(a) && b[len(a)] == ':' && equalFold(a, b[:len(a)]))
}

// reservedURNPrefixes are namespaces RFC 7643 §10.2 and RFC 7644 §3
// reserve for the standard schemas and messages, and scimd's own.
func reservedURNPrefixes() []string {
	return []string{"urn:ietf:params:scim:schemas:core:", "urn:ietf:params:scim:api:", "urn:scimd:"}
}

// defParser collects the problems of one definition.
type defParser struct {
	urn      string
	problems []string
}

func (p *defParser) addf(format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

func (p *defParser) parse(def []byte) Extension {
	if len(def) > MaxExtensionBytes {
		p.addf("the definition is %d bytes; at most %d are allowed", len(def), MaxExtensionBytes)
		return Extension{}
	}
	dec := json.NewDecoder(bytes.NewReader(def))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		p.addf("the definition is not valid JSON: %v", err)
		return Extension{}
	}
	if dec.More() {
		p.addf("the definition has data after its JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		p.addf("the definition must be a JSON object (an RFC 7643 §7 schema), not %s", show(v))
		return Extension{}
	}
	f := p.fields("the schema", obj, schemaKeys())
	s := &Schema{}
	if id, ok := p.str("id", f["id"], true); ok {
		s.ID, p.urn = id, id
		p.checkURN(id)
	}
	s.Name, _ = p.str("name", f["name"], false)
	if s.Name == "" {
		s.Name = s.ID
	}
	s.Description, _ = p.str("description", f["description"], false)
	if s.Description == "" {
		s.Description = s.Name
	}
	required, _ := p.boolean("required", f["required"])
	if v, ok := f["schemas"]; ok {
		p.checkSchemas(v)
	}
	list, ok := f["attributes"].([]any)
	switch {
	case f["attributes"] == nil:
		p.addf("attributes is required: list at least one attribute")
	case !ok:
		p.addf("attributes must be a list of attribute definitions, not %s", show(f["attributes"]))
	case len(list) == 0:
		p.addf("attributes is empty: list at least one attribute")
	default:
		s.Attributes = p.attributes("", list, false)
	}
	return Extension{Schema: s, Required: required}
}

// schemaKeys are the keys of a schema document (RFC 7643 §7, plus
// "required"); attrKeys those of an attribute definition.
func schemaKeys() []string {
	return []string{"schemas", "id", "name", "description", "attributes", "meta", "required"}
}

func attrKeys() []string {
	return []string{"name", "type", "multiValued", "description", "required", "caseExact",
		"mutability", "returned", "uniqueness", "canonicalValues", "referenceTypes", "subAttributes"}
}

// fields maps obj's keys to their canonical spelling in known
// (case-insensitively), reporting unknown and duplicate keys.
func (p *defParser) fields(where string, obj map[string]any, known []string) map[string]any {
	out := make(map[string]any, len(obj))
	for _, k := range sortedKeys(obj) {
		i := slices.IndexFunc(known, func(c string) bool { return equalFold(c, k) })
		if i < 0 {
			p.addf("%s has an unknown key %q (known: %s)", where, k, strings.Join(known, ", "))
			continue
		}
		if _, dup := out[known[i]]; dup {
			p.addf("%s has %q twice (keys are case-insensitive)", where, known[i])
			continue
		}
		out[known[i]] = obj[k]
	}
	return out
}

func (p *defParser) str(what string, v any, required bool) (string, bool) {
	if v == nil {
		if required {
			p.addf("%s is required", what)
		}
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		p.addf("%s must be a string, not %s", what, show(v))
	}
	return s, ok
}

func (p *defParser) boolean(what string, v any) (bool, bool) {
	if v == nil {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		p.addf("%s must be true or false, not %s", what, show(v))
	}
	return b, ok
}

func (p *defParser) checkSchemas(v any) {
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok && equalFold(s, SchemaURN) {
			return
		}
	}
	p.addf("schemas, when given, must list %q", SchemaURN)
}

// checkURN checks a schema id (see ParseExtensionDefinition).
func (p *defParser) checkURN(id string) {
	const maxLen = 255
	segs := strings.Split(id, ":")
	switch {
	case len(id) > maxLen:
		p.addf("id is %d characters long; at most %d are allowed", len(id), maxLen)
		return
	case !strings.EqualFold(segs[0], "urn") || len(segs) < 3:
		p.addf("id %q must be a URN: urn:NAMESPACE:…", id)
		return
	}
	for _, seg := range segs {
		if seg == "" {
			p.addf("id %q has an empty segment", id)
			return
		}
		for _, c := range []byte(seg) {
			if !isAlnum(c) && !strings.ContainsRune("-._+", rune(c)) {
				p.addf("id %q has a character %q outside letters, digits and -._+", id, c)
				return
			}
		}
	}
	if last := segs[len(segs)-1]; !isAttrName(last) {
		p.addf("id %q must end with a name (a letter, then letters, digits, - or _) after its last colon, such as :User; %q is not one",
			id, last)
	}
	for _, rt := range []*ResourceType{NewUserType(), NewGroupType()} {
		for _, s := range rt.Schemas() {
			if URNsOverlap(id, s.ID) {
				p.addf("id %q is (or extends) the built-in schema %s; choose your own", id, s.ID)
				return
			}
		}
	}
	for _, prefix := range reservedURNPrefixes() {
		if len(id) >= len(prefix) && equalFold(id[:len(prefix)], prefix) {
			p.addf("id %q is in the reserved namespace %s…; use e.g. urn:ietf:params:scim:schemas:extension:NAME:2.0:User", id, prefix)
			return
		}
	}
}

// attributes parses a list of attribute definitions; sub is true for
// subAttributes, parent is the parent's name.
func (p *defParser) attributes(parent string, list []any, sub bool) []*Attribute {
	out := make([]*Attribute, 0, len(list))
	seen := map[string]bool{}
	for i, v := range list {
		label := fmt.Sprintf("attributes[%d]", i)
		if sub {
			label = fmt.Sprintf("%s.subAttributes[%d]", parent, i)
		}
		a := p.attribute(label, parent, v, sub)
		if a == nil {
			continue
		}
		key := strings.ToLower(a.Name)
		if seen[key] {
			p.addf("attribute %q is defined twice (names are case-insensitive)", qualify(parent, a.Name))
			continue
		}
		seen[key] = true
		out = append(out, a)
	}
	return out
}

func qualify(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}
