package schema

// CONTRACT STUBS: the signatures below are fixed; their bodies are being
// written (they move to their own files). See the package doc.

import (
	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/store"
)

// Resolved is an attribute path resolved against a resource type: canonical
// names, the schema it lives in and its definitions.
type Resolved struct {
	Schema *Schema    // core schema or the extension holding the attribute
	Attr   *Attribute // top-level attribute; nil when the path names a whole extension
	Sub    *Attribute // sub-attribute, or nil
}

// Keys returns the path of the value in a stored document: core attributes
// at the top level ["name","givenName"], extension attributes under their
// URN [urn, "manager", "value"], a whole extension as [urn].
func (r Resolved) Keys() []string { panic("not implemented") }

// Resolve resolves p case-insensitively (RFC 7643 §2.1). An unqualified
// name is looked up in the core schema, then in the extensions. Unknown
// attributes give a *scimerr.Error (400 invalidPath); callers re-type it
// (filters: invalidFilter).
func (rt *ResourceType) Resolve(p filter.AttrPath) (Resolved, error) { panic("not implemented") }

// NormalizeValue coerces v (decoded with json.Decoder.UseNumber) to the
// canonical stored form for the attribute r designates (the sub-attribute
// when r.Sub is set): canonical key case inside complex values, booleans
// from "True"/"false" strings, numbers from json.Number, dateTime validated,
// a single value wrapped into a list for multi-valued attributes (unless
// element is true, meaning v is one element of a multi-valued attribute),
// unknown sub-attributes dropped, read-only sub-attributes dropped,
// "" and null meaning absent (returned as nil). Errors are *scimerr.Error
// (400 invalidValue) naming the attribute.
func (rt *ResourceType) NormalizeValue(r Resolved, v any, element bool) (any, error) {
	panic("not implemented")
}

// Normalize turns a client document (POST/PUT body, decoded with UseNumber)
// into canonical stored form: keys resolved case-insensitively (core at top
// level, extensions under their URN, dotted/URN-qualified keys accepted),
// unknown attributes and schema URNs dropped, readOnly attributes dropped
// (id, meta, groups, ...), every value through NormalizeValue, required
// attributes checked (400 invalidValue), "schemas" recomputed. writeOnly
// attributes (password) and members stay in the result for the caller to
// take out.
func (rt *ResourceType) Normalize(in map[string]any) (map[string]any, error) {
	panic("not implemented")
}

// Replace computes the document a PUT stores (RFC 7644 §3.5.1): next
// (normalized) replaces old's readWrite and writeOnly attributes; readOnly
// values of old are kept; an immutable attribute that has a value in old
// and a different one in next is a 400 mutability error.
func (rt *ResourceType) Replace(old, next map[string]any) (map[string]any, error) {
	panic("not implemented")
}

// Compile turns a parsed filter into a store expression for this resource
// type. Unknown attributes, and operators that don't apply to a type
// (gt on a boolean), give 400 invalidFilter.
func (rt *ResourceType) Compile(f filter.Expr) (store.Expr, error) { panic("not implemented") }

// SortAttr resolves a sortBy value to a store attribute (400 invalidValue
// when unknown or multi-valued without a primary/first rule).
func (rt *ResourceType) SortAttr(sortBy string) (*store.Attr, error) { panic("not implemented") }

// Projection is a parsed attributes / excludedAttributes pair
// (RFC 7644 §3.4.2.5), applied with each attribute's "returned"
// characteristic (RFC 7643 §7).
type Projection struct{ rt *ResourceType }

// NewProjection parses the comma-separated attributes and
// excludedAttributes parameters (either may be ""). Unknown names are
// ignored (RFC 7644 §3.4.2.5 puts no error on them).
func (rt *ResourceType) NewProjection(attributes, excluded string) (Projection, error) {
	panic("not implemented")
}

// Wants reports whether the top-level attribute name will appear in the
// output (so callers can skip loading members or groups).
func (p Projection) Wants(name string) bool { panic("not implemented") }

// Apply returns the projection of a full output resource (id, schemas,
// meta, attributes, members/groups): returned=always kept, never dropped,
// request only when asked for, default unless excluded.
func (p Projection) Apply(res map[string]any) map[string]any { panic("not implemented") }
