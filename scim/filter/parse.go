package filter

// This file is the parser's; it is being written. The signatures are fixed.

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2). Errors are *SyntaxError.
func Parse(s string) (Expr, error) { panic("not implemented") }

// ParsePath parses a PATCH path (RFC 7644 §3.5.2). Errors are *SyntaxError.
func ParsePath(s string) (Path, error) { panic("not implemented") }

// ParseAttrPath parses a bare attrPath ("name.givenName",
// "urn:...:User:manager.value"), as used by the attributes and
// excludedAttributes parameters and sortBy. Errors are *SyntaxError.
func ParseAttrPath(s string) (AttrPath, error) { panic("not implemented") }

// SyntaxError reports where and why a filter or path is malformed. Its
// message is safe to show a client.
type SyntaxError struct {
	Input  string
	Offset int // byte offset of the problem in Input
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }
