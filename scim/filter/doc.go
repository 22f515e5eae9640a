// Package filter parses the SCIM filter grammar and PATCH attribute paths of
// RFC 7644 §3.4.2.2 and §3.5.2 into a small AST. It is pure: no I/O, no
// schema knowledge (attribute names are kept as written; package schema
// resolves them), and it imports nothing of scimd's. It holds no state, so
// every function is safe for concurrent use.
//
// # Entry points
//
//   - Parse: a filter, the "filter" query parameter or search body member
//     (RFC 7644 §3.4.2.2, §3.4.3).
//   - ParsePath: a PATCH operation's "path" (RFC 7644 §3.5.2).
//   - ParseAttrPath: one attribute of "attributes", "excludedAttributes" or
//     "sortBy" (RFC 7644 §3.4.2.3, §3.4.2.5, §3.9).
//
// Every error is a *SyntaxError with a byte offset and a message safe to
// return to the client (as an invalidFilter or invalidPath error, RFC 7644
// §3.12). Input longer than MaxLength bytes or nested deeper than MaxDepth
// levels is an error too.
//
// # Grammar
//
// The filter grammar is the ABNF of RFC 7644 §3.4.2.2 (Figure 1), with
// precedence and associativity made explicit:
//
//	FILTER    = orExp
//	orExp     = andExp *(SP "or" SP andExp)           ; left-associative
//	andExp    = term *(SP "and" SP term)              ; left-associative
//	term      = ["not" [SP]] "(" orExp ")" / attrExp / valuePath
//	attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
//	valuePath = attrPath "[" valFilter "]" [subAttr SP opTail]
//	opTail    = "pr" / compareOp SP compValue
//	valFilter = orExp                 ; paths are bare ATTRNAMEs, no valuePath
//	compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//	compValue = "false" / "null" / "true" / number / string  ; RFC 8259
//	attrPath  = [URI ":"] ATTRNAME [subAttr]
//	subAttr   = "." ATTRNAME
//	ATTRNAME  = ["$"] ALPHA *("-" / "_" / DIGIT / ALPHA)
//
// and a PATCH path is
//
//	PATH      = attrPath / attrPath "[" valFilter "]" [subAttr]
//
// So "not" binds tighter than "and", and "and" tighter than "or":
// `a pr or b pr and c pr` is a or (b and c).
//
// # Choices and leniencies
//
//   - SP is any run of spaces, tabs, CRs and LFs, and may be left out next to
//     a parenthesis or bracket (`not(a pr)`, `(a pr)and(b pr)`); leading and
//     trailing whitespace is ignored. Two words, or a word and a string,
//     still need a space between them: `userName eq"x"` is an error.
//   - Operators and the keywords and, or, not, true, false and null are
//     case-insensitive. Attribute names keep the client's case. The words
//     and, or and not cannot be attribute names in a filter; other keywords
//     can (`pr pr` tests the attribute "pr" for presence).
//   - A URN-qualified path splits at its last colon, and only a dot after
//     that colon starts a sub-attribute, so the dots of "…:core:2.0:User"
//     stay in the URN. The URN must be a URI scheme followed by non-empty
//     colon-separated segments. A path that is only a schema URN parses as
//     described on AttrPath; a URN whose last segment holds a dot
//     ("urn:example:1.0") cannot be written as a bare path.
//   - "$ref" and other names starting with "$" are attribute names, as in
//     `members.$ref` and `members[$ref eq "…"]` (RFC 7643 §2.3.7).
//   - Inside a value filter's brackets, attribute paths are relative to the
//     element: a bare name, no URN, no sub-attribute, no nested brackets.
//   - Entra ID writes `emails[type eq "work"].value eq "x"`; it parses as
//     emails[type eq "work" and value eq "x"]. A PATCH path's
//     `emails[type eq "work"].value` is the standard valuePath subAttr.
//   - Strings are strict JSON strings (RFC 8259 §7): valid UTF-8, control
//     characters escaped, every escape including \uXXXX, surrogate pairs
//     joined and unpaired surrogates rejected. Numbers are JSON numbers
//     (RFC 8259 §6), kept as json.Number in the form written; "01", "1."
//     and "-" are errors. "pr" takes no value; "eq null" is accepted.
//
// # Canonical form
//
// The String methods of every Expr and of Path write a canonical form:
// single spaces, lower-case operators and keywords, JSON values, the
// bracketed value-filter form, and parentheses only where the tree needs
// them. For any tree Parse returns, Parse(e.String()) returns an equal
// tree (a canonical form can exceed the limits by a little where Entra's
// form needed parentheses added).
package filter
