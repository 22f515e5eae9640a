package store

// Expr is a neutral boolean query over resources of one kind, the target of
// SCIM filter compilation. Backends compile it to their query language with
// every value bound as a parameter. The implementations are And, Or, Not,
// Compare and Any.
type Expr interface{ expr() }

// And is true when both sides are.
type And struct{ L, R Expr }

// Or is true when either side is.
type Or struct{ L, R Expr }

// Not negates X.
type Not struct{ X Expr }

// Op is a comparison operator (RFC 7644 §3.4.2.2 names).
type Op string

// The comparison operators.
const (
	OpEq      Op = "eq"
	OpNe      Op = "ne"
	OpCo      Op = "co"
	OpSw      Op = "sw"
	OpEw      Op = "ew"
	OpGt      Op = "gt"
	OpGe      Op = "ge"
	OpLt      Op = "lt"
	OpLe      Op = "le"
	OpPresent Op = "pr"
)

// Type is the SCIM data type of a compared attribute; it decides how a
// backend compares (RFC 7643 §2.3).
type Type string

// The attribute types.
const (
	TypeString    Type = "string"
	TypeBoolean   Type = "boolean"
	TypeDecimal   Type = "decimal"
	TypeInteger   Type = "integer"
	TypeDateTime  Type = "dateTime"
	TypeReference Type = "reference"
	TypeBinary    Type = "binary"
)

// Column names a resource column that an Attr may address instead of a
// path into the document.
type Column string

// The addressable columns. ColMember and ColGroup are relations: ColMember
// compares a group's member ids (eq, ne, pr), ColGroup the ids of the groups
// a user belongs to directly or through sub-groups (eq, ne, pr).
const (
	ColID          Column = "id"
	ColExternalID  Column = "externalId"
	ColName        Column = "name" // userName / displayName (caseExact=false)
	ColDisplayName Column = "displayName"
	ColSource      Column = "source" // the owning source ("scim", "ldap:corp", …), case-exact
	ColActive      Column = "active"
	ColCreated     Column = "created"
	ColModified    Column = "modified"
	ColVersion     Column = "version"
	ColMember      Column = "member"
	ColGroup       Column = "group"
)

// Attr addresses one value: either a Column or a Path into Attrs (canonical
// names, e.g. ["name","givenName"] or
// ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","department"]).
// Inside Any.Cond, Path is relative to the array element; an empty Path
// there means the element itself (multi-valued simple attributes).
type Attr struct {
	Column    Column
	Path      []string
	Type      Type
	CaseExact bool // false: strings compare after Fold
}

// Compare compares Attr with Value. Value is a string (string, reference,
// binary, and dateTime in RFC 3339 form), a bool, a float64 or int64, or nil
// for OpPresent. Comparing a missing value is false for every operator but
// ne (true). OpPresent is false for null, "", [] and {}.
type Compare struct {
	Attr  Attr
	Op    Op
	Value any
}

// Any is true when at least one element of the multi-valued attribute at
// Path satisfies Cond (RFC 7644 §3.4.2.2 value path and multi-valued
// comparisons). Cond's Attrs are relative to the element.
type Any struct {
	Path []string
	Cond Expr
}

func (And) expr()     {}
func (Or) expr()      {}
func (Not) expr()     {}
func (Compare) expr() {}
func (Any) expr()     {}
