package schema

import (
	"fmt"
	"strings"
)

// This file validates one attribute definition of an extension schema
// (RFC 7643 §2.2 characteristics, §7 "attributes").

// Keyword values by canonical spelling, the RFC 7643 §2.2 default first
// (it stands in for an invalid value, so that one mistake is reported
// once). Functions, not variables: the package has no mutable state.
func types() []Type {
	return []Type{String, Boolean, Decimal, Integer, DateTime, Binary, Reference, Complex}
}
func mutabilities() []Mutability { return []Mutability{ReadWrite, ReadOnly, Immutable, WriteOnly} }
func returneds() []Returned      { return []Returned{Default, Always, Never, Request} }
func uniquenesses() []Uniqueness { return []Uniqueness{None, Server, Global} }
func refTypeNames() []string     { return []string{"User", "Group", "external", "uri"} }

// attribute parses one definition; label locates it in messages until its
// name is known. It returns nil when v is not an object or has no usable
// name.
func (p *defParser) attribute(label, parent string, v any, sub bool) *Attribute {
	obj, ok := v.(map[string]any)
	if !ok {
		p.addf("%s must be an attribute definition object, not %s", label, show(v))
		return nil
	}
	f := p.fields(label, obj, attrKeys())
	name, ok := p.str(label+".name", f["name"], true)
	if !ok {
		return nil
	}
	if !isAttrName(name) && !(sub && name == "$ref") {
		p.addf("%s: name %q is not a valid attribute name (RFC 7643 §2.1: a letter, then letters, digits, - or _)", label, name)
		return nil
	}
	where := fmt.Sprintf("attribute %q", qualify(parent, name))
	a := &Attribute{Name: name, Type: String, Mutability: ReadWrite, Returned: Default, Uniqueness: None}
	if s, ok := p.str(where+" type", f["type"], false); ok {
		a.Type, _ = keyword(p, where+" type", s, types())
	}
	a.Description, _ = p.str(where+" description", f["description"], false)
	if a.Description == "" {
		a.Description = name
	}
	a.MultiValued, _ = p.boolean(where+" multiValued", f["multiValued"])
	a.Required, _ = p.boolean(where+" required", f["required"])
	a.CaseExact, _ = p.boolean(where+" caseExact", f["caseExact"])
	if s, ok := p.str(where+" mutability", f["mutability"], false); ok {
		a.Mutability, _ = keyword(p, where+" mutability", s, mutabilities())
	}
	if s, ok := p.str(where+" returned", f["returned"], false); ok {
		a.Returned, _ = keyword(p, where+" returned", s, returneds())
	}
	if s, ok := p.str(where+" uniqueness", f["uniqueness"], false); ok {
		a.Uniqueness, _ = keyword(p, where+" uniqueness", s, uniquenesses())
	}
	a.CanonicalValues = p.strings(where+" canonicalValues", f["canonicalValues"])
	a.ReferenceTypes = p.strings(where+" referenceTypes", f["referenceTypes"])
	p.checkCharacteristics(where, a, sub)
	for i, rt := range a.ReferenceTypes {
		if c, ok := keyword(p, where+" referenceTypes", rt, refTypeNames()); ok {
			a.ReferenceTypes[i] = c
		}
	}

	subs, hasSubs := f["subAttributes"]
	switch {
	case hasSubs && a.Type != Complex:
		p.addf("%s has subAttributes but is of type %s; only complex attributes have sub-attributes", where, a.Type)
	case a.Type != Complex:
	case sub:
		p.addf("%s: a sub-attribute cannot be complex (RFC 7643 §2.3.8)", where)
	default:
		list, ok := subs.([]any)
		if !ok || len(list) == 0 {
			p.addf("%s is complex: it needs subAttributes, a non-empty list of attribute definitions", where)
			break
		}
		a.SubAttributes = p.attributes(name, list, true)
	}
	return a
}

// checkCharacteristics reports combinations scimd refuses (see
// ParseExtensionDefinition).
func (p *defParser) checkCharacteristics(where string, a *Attribute, sub bool) {
	if a.Name == "$ref" && a.Type != Reference {
		p.addf("%s must be of type reference", where)
	}
	if len(a.CanonicalValues) > 0 && a.Type != String {
		p.addf("%s has canonicalValues but is of type %s; canonicalValues apply to strings only", where, a.Type)
	}
	if len(a.ReferenceTypes) > 0 && a.Type != Reference {
		p.addf("%s has referenceTypes but is of type %s; referenceTypes apply to references only", where, a.Type)
	}
	if sub && a.MultiValued {
		p.addf("%s: scimd does not support multi-valued sub-attributes (they could not be filtered or sorted); make the parent multi-valued instead", where)
	}
	if a.Required && a.Mutability == ReadOnly {
		p.addf("%s is required and readOnly: no client could ever set it", where)
	}
	if a.Mutability == WriteOnly {
		p.addf("%s: mutability writeOnly is not supported for extension attributes (their values are kept in the resource document, which is no place for secrets)", where)
	}
	if a.Uniqueness == Server || a.Uniqueness == Global {
		p.addf("%s: uniqueness %q is not supported for extension attributes (scimd enforces uniqueness only on userName and Group displayName); use \"none\"", where, a.Uniqueness)
	}
}

// keyword matches s case-insensitively against the canonical spellings.
func keyword[T ~string](p *defParser, what, s string, canonical []T) (T, bool) {
	names := make([]string, len(canonical))
	for i, c := range canonical {
		if equalFold(string(c), s) {
			return c, true
		}
		names[i] = string(c)
	}
	p.addf("%s %q is not one of %s", what, s, strings.Join(names, ", "))
	return canonical[0], false
}

// strings parses a list of distinct non-empty strings.
func (p *defParser) strings(what string, v any) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		p.addf("%s must be a list of strings, not %s", what, show(v))
		return nil
	}
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, x := range list {
		s, ok := x.(string)
		switch {
		case !ok || s == "":
			p.addf("%s must hold non-empty strings, not %s", what, show(x))
		case seen[s]:
			p.addf("%s lists %q twice", what, s)
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// isAttrName checks RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar),
// nameChar = "-" / "_" / DIGIT / ALPHA.
func isAttrName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool  { return isLetter(c) || '0' <= c && c <= '9' }
