package filter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The canonical form written by the String methods: single spaces between
// tokens, lower-case operators and keywords, values as JSON (strings quoted
// with the shortest escapes, numbers as written), a value filter in the
// bracketed form (Entra's x[f].s op v comes out as x[f and s op v]), and
// parentheses only where the tree needs them: around an "or" inside an
// "and", and around a right operand of the same operator (the parser
// associates to the left). For any tree Parse returns, Parse(e.String())
// returns an equal tree.

// String renders e in canonical form.
func (e *And) String() string { return render(e) }

// String renders e in canonical form.
func (e *Or) String() string { return render(e) }

// String renders e in canonical form: "not (X)".
func (e *Not) String() string { return render(e) }

// String renders e in canonical form: "path op value" or "path pr".
func (e *Compare) String() string { return render(e) }

// String renders e in canonical form: "path[filter]".
func (e *ValuePath) String() string { return render(e) }

// String renders p in canonical form; ParsePath(p.String()) gives back p
// for any p that ParsePath returned.
func (p Path) String() string {
	if p.Filter == nil {
		return p.Attr.String()
	}
	b := make([]byte, 0, 64)
	b = appendAttrPath(b, p.Attr)
	b = append(b, '[')
	b = appendExpr(b, p.Filter)
	b = append(b, ']')
	if p.SubAttr != "" {
		b = append(b, '.')
		b = append(b, p.SubAttr...)
	}
	return string(b)
}

func render(e Expr) string {
	return string(appendExpr(make([]byte, 0, 64), e))
}

// Binding strengths, weakest first.
const (
	precOr = iota + 1
	precAnd
	precTerm
)

func precedence(e Expr) int {
	switch e.(type) {
	case *Or:
		return precOr
	case *And:
		return precAnd
	}
	return precTerm
}

// appendOperand appends x, an operand of an operator binding with strength
// prec, parenthesised when reparsing would otherwise regroup it.
func appendOperand(b []byte, x Expr, prec int, right bool) []byte {
	if p := precedence(x); p < prec || (right && p == prec) {
		b = append(b, '(')
		b = appendExpr(b, x)
		return append(b, ')')
	}
	return appendExpr(b, x)
}

const nilExpr = "<nil>"

// appendExpr appends the canonical form of e. A nil node, which Parse never
// produces, renders as "<nil>".
func appendExpr(b []byte, e Expr) []byte {
	switch e := e.(type) {
	case *Or:
		if e == nil {
			return append(b, nilExpr...)
		}
		b = appendOperand(b, e.L, precOr, false)
		b = append(b, " or "...)
		return appendOperand(b, e.R, precOr, true)
	case *And:
		if e == nil {
			return append(b, nilExpr...)
		}
		b = appendOperand(b, e.L, precAnd, false)
		b = append(b, " and "...)
		return appendOperand(b, e.R, precAnd, true)
	case *Not:
		if e == nil {
			return append(b, nilExpr...)
		}
		b = append(b, "not ("...)
		b = appendExpr(b, e.X)
		return append(b, ')')
	case *Compare:
		if e == nil {
			return append(b, nilExpr...)
		}
		b = appendAttrPath(b, e.Path)
		b = append(b, ' ')
		b = append(b, strings.ToLower(string(e.Op))...)
		if e.Op == Pr {
			return b
		}
		b = append(b, ' ')
		return appendValue(b, e.Value)
	case *ValuePath:
		if e == nil {
			return append(b, nilExpr...)
		}
		b = appendAttrPath(b, e.Path)
		b = append(b, '[')
		b = appendExpr(b, e.Filter)
		return append(b, ']')
	}
	return append(b, nilExpr...)
}

// appendAttrPath appends p.String() without allocating.
func appendAttrPath(b []byte, p AttrPath) []byte {
	if p.URN != "" {
		b = append(b, p.URN...)
		b = append(b, ':')
	}
	b = append(b, p.Name...)
	if p.Sub != "" {
		b = append(b, '.')
		b = append(b, p.Sub...)
	}
	return b
}

// appendValue appends v as JSON. Parse only produces string, bool, nil and
// json.Number; other values, from hand-built trees, go through
// encoding/json.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendQuoted(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case json.Number:
		return append(b, v...)
	}
	if data, err := json.Marshal(v); err == nil {
		return append(b, data...)
	}
	return appendQuoted(b, fmt.Sprint(v))
}

// appendQuoted appends s as a JSON string (RFC 8259 §7) with the shortest
// escapes. Invalid UTF-8, which Parse never produces, becomes U+FFFD.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				b = append(b, `\ufffd`...)
			}
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
