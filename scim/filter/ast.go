package filter

// AttrPath is an attribute reference as written (RFC 7644 §3.4.2.2
// attrPath = [URI ":"] ATTRNAME *1subAttr). Names keep the client's case;
// resolving them against a schema (case-insensitively) is the schema
// package's job. URN is "" when the path is not qualified.
//
// A path made only of a schema URN (a PATCH path naming a whole extension,
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User") parses as
// URN "urn:ietf:params:scim:schemas:extension:enterprise:2.0" and Name
// "User"; String gives back the URN and the resolver recognises it.
type AttrPath struct {
	URN  string
	Name string
	Sub  string
}

// String renders the path in its written form.
func (p AttrPath) String() string {
	s := p.Name
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// Op is a comparison operator, lower-case.
type Op string

// The eleven operators of RFC 7644 §3.4.2.2 (ten comparisons and "pr").
const (
	Eq Op = "eq"
	Ne Op = "ne"
	Co Op = "co"
	Sw Op = "sw"
	Ew Op = "ew"
	Gt Op = "gt"
	Ge Op = "ge"
	Lt Op = "lt"
	Le Op = "le"
	Pr Op = "pr"
)

// Expr is a parsed filter: *And, *Or, *Not, *Compare or *ValuePath.
type Expr interface {
	String() string // canonical form; Parse(e.String()) is equivalent to e
	expr()
}

// And is "L and R".
type And struct{ L, R Expr }

// Or is "L or R".
type Or struct{ L, R Expr }

// Not is "not (X)".
type Not struct{ X Expr }

// Compare is "Path Op Value", or "Path pr" with a nil Value.
// Value is a string, a bool, nil (JSON null) or a json.Number.
type Compare struct {
	Path  AttrPath
	Op    Op
	Value any
}

// ValuePath is "Path[Filter]": true when some element of the multi-valued
// attribute Path satisfies Filter, whose paths are relative to the element
// (Name is the sub-attribute, URN and Sub are empty). Path.Sub is empty.
//
// Entra's form `emails[type eq "work"].value eq "x"` parses as the
// ValuePath emails[type eq "work" and value eq "x"].
type ValuePath struct {
	Path   AttrPath
	Filter Expr
}

// Path is a PATCH operation path (RFC 7644 §3.5.2):
// attrPath, or valuePath [ "." subAttr ]. Filter is nil for a plain
// attrPath; with a Filter, Attr.Sub is empty and SubAttr holds the
// sub-attribute after the closing bracket ("" when none).
type Path struct {
	Attr    AttrPath
	Filter  Expr
	SubAttr string
}

func (*And) expr()       {}
func (*Or) expr()        {}
func (*Not) expr()       {}
func (*Compare) expr()   {}
func (*ValuePath) expr() {}
