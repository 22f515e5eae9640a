package schema

// Type is an attribute's data type (RFC 7643 §2.3).
type Type string

// The SCIM data types.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Binary    Type = "binary"
	Reference Type = "reference"
	Complex   Type = "complex"
)

// Mutability (RFC 7643 §7).
type Mutability string

// The mutability characteristics.
const (
	ReadOnly  Mutability = "readOnly"
	ReadWrite Mutability = "readWrite"
	Immutable Mutability = "immutable"
	WriteOnly Mutability = "writeOnly"
)

// Returned (RFC 7643 §7).
type Returned string

// The returned characteristics.
const (
	Always  Returned = "always"
	Never   Returned = "never"
	Default Returned = "default"
	Request Returned = "request"
)

// Uniqueness (RFC 7643 §7).
type Uniqueness string

// The uniqueness characteristics.
const (
	None   Uniqueness = "none"
	Server Uniqueness = "server"
	Global Uniqueness = "global"
)

// Attribute is one attribute definition with its characteristics
// (RFC 7643 §7). Definitions are immutable once built; share them freely.
type Attribute struct {
	Name            string
	Type            Type
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      Mutability
	Returned        Returned
	Uniqueness      Uniqueness
	CanonicalValues []string
	ReferenceTypes  []string
	SubAttributes   []*Attribute

	// hidden keeps the attribute out of discovery documents while it stays
	// fully usable (emails.display: RFC 7643 §8.7.1 lists it, Okta echoes
	// it, but Microsoft's schema validator rejects it when advertised).
	hidden bool
	// memberRefs marks a multi-valued complex attribute whose elements
	// reference resources by id (Group.members): every element needs a
	// value, $ref is derived by the server and dropped on input, and type
	// is matched case-insensitively against its canonical values.
	memberRefs bool
	// computed marks a value the server computes on output (the team
	// extension); it is never stored, filtered or sorted on.
	computed bool
}

// Sub returns the sub-attribute named name (case-insensitively), or nil.
func (a *Attribute) Sub(name string) *Attribute {
	return find(a.SubAttributes, name)
}

// Schema is a schema resource (RFC 7643 §7): the core schema of a resource
// type or an extension.
type Schema struct {
	ID          string // URN
	Name        string
	Description string
	Attributes  []*Attribute
}

// Attr returns the top-level attribute named name (case-insensitively), or nil.
func (s *Schema) Attr(name string) *Attribute {
	return find(s.Attributes, name)
}

// Extension is a schema extension of a resource type.
type Extension struct {
	Schema   *Schema
	Required bool
}

// ResourceType is a resource type (RFC 7643 §6) with its resolved schemas.
type ResourceType struct {
	ID          string // "User", "Group"
	Name        string
	Endpoint    string // "/Users"
	Description string
	Schema      *Schema
	Extensions  []Extension
}

func find(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if equalFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// equalFold compares attribute names and URNs, which are ASCII and
// case-insensitive (RFC 7643 §2.1).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
