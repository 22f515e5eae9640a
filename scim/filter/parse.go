package filter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// MaxLength is the longest input, in bytes, that Parse, ParsePath and
// ParseAttrPath accept. Longer input is a *SyntaxError.
const MaxLength = 8 << 10

// MaxDepth is the deepest nesting of parentheses (grouping or "not") and
// value-filter brackets that Parse and ParsePath accept. Deeper input is a
// *SyntaxError, which bounds the parser's recursion.
const MaxDepth = 50

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2). Errors are *SyntaxError.
//
// "not" binds tighter than "and", which binds tighter than "or"; "and" and
// "or" associate to the left. Operators and the keywords and, or, not,
// true, false and null are case-insensitive; attribute names are kept as
// written. See the package documentation for the grammar accepted.
func Parse(s string) (Expr, error) {
	var p parser
	if err := p.init(s, "filter"); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, syntaxErr(s, p.tok.pos, "empty filter")
	}
	e, err := p.parseOr(false)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpectedAfterTerm("end of input")
	}
	return e, nil
}

// ParsePath parses a PATCH path (RFC 7644 §3.5.2). Errors are *SyntaxError.
//
//	PATH = attrPath / valuePath [subAttr]
//
// A path naming a whole schema extension parses as described on AttrPath.
func ParsePath(s string) (Path, error) {
	var p parser
	if err := p.init(s, "path"); err != nil {
		return Path{}, err
	}
	attr, err := p.leadingAttrPath("path")
	if err != nil {
		return Path{}, err
	}
	path := Path{Attr: attr}
	if p.tok.kind == tLBrack {
		if attr.Sub != "" {
			return Path{}, syntaxErr(s, p.tok.pos, "a value filter cannot follow the sub-attribute %s", quoteSnippet(attr.String()))
		}
		if path.Filter, err = p.parseBracket(); err != nil {
			return Path{}, err
		}
		if p.atSubAttr() {
			if path.SubAttr, err = p.parseSubAttr(); err != nil {
				return Path{}, err
			}
		}
	}
	if p.tok.kind != tEOF {
		return Path{}, syntaxErr(s, p.tok.pos, "unexpected %s after path", p.tok.describe(s))
	}
	return path, nil
}

// ParseAttrPath parses a bare attrPath ("name.givenName",
// "urn:...:User:manager.value"), as used by the attributes and
// excludedAttributes parameters and sortBy (RFC 7644 §3.4.2.3, §3.4.2.5,
// §3.9): no value filter. Surrounding whitespace is ignored. Errors are
// *SyntaxError.
func ParseAttrPath(s string) (AttrPath, error) {
	var p parser
	if err := p.init(s, "attribute path"); err != nil {
		return AttrPath{}, err
	}
	attr, err := p.leadingAttrPath("attribute path")
	if err != nil {
		return AttrPath{}, err
	}
	if p.tok.kind != tEOF {
		return AttrPath{}, syntaxErr(s, p.tok.pos, "unexpected %s after attribute path", p.tok.describe(s))
	}
	return attr, nil
}

// SyntaxError reports where and why a filter or path is malformed. Its
// message is safe to show a client.
type SyntaxError struct {
	Input  string
	Offset int // byte offset of the problem in Input
	Msg    string
}

// Error returns Msg, which ends with "at offset N".
func (e *SyntaxError) Error() string { return e.Msg }

// syntaxErr makes a *SyntaxError at byte offset off of src.
func syntaxErr(src string, off int, format string, args ...any) error {
	return &SyntaxError{
		Input:  src,
		Offset: off,
		Msg:    fmt.Sprintf(format, args...) + " at offset " + strconv.Itoa(off),
	}
}

// parser is a recursive-descent parser holding one token of lookahead.
type parser struct {
	lx    lexer
	tok   token // current token
	depth int   // open parentheses and brackets
}

// init readies p to parse s, a what ("filter"), reading the first token.
func (p *parser) init(s, what string) error {
	if len(s) > MaxLength {
		return syntaxErr(s, MaxLength, "%s is longer than %d bytes", what, MaxLength)
	}
	*p = parser{lx: lexer{src: s}}
	return p.advance()
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	p.tok = t
	return err
}

// peek returns the token after the current one without consuming it.
func (p *parser) peek() (token, error) {
	l := p.lx
	return l.next()
}

// isWord reports whether the current token is the keyword kw, in any case.
func (p *parser) isWord(kw string) bool {
	return p.tok.kind == tWord && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) enter(pos int) error {
	if p.depth++; p.depth > MaxDepth {
		return syntaxErr(p.lx.src, pos, "nesting deeper than %d levels", MaxDepth)
	}
	return nil
}

// unexpectedAfterTerm reports the current token where "and", "or" or
// closer was expected.
func (p *parser) unexpectedAfterTerm(closer string) error {
	src := p.lx.src
	switch {
	case p.tok.kind == tRParen && p.depth == 0:
		return syntaxErr(src, p.tok.pos, `unmatched ")"`)
	case p.tok.kind == tRBrack && p.depth == 0:
		return syntaxErr(src, p.tok.pos, `unmatched "]"`)
	}
	return syntaxErr(src, p.tok.pos, `expected "and", "or" or %s, found %s`, closer, p.tok.describe(src))
}

// parseOr parses
//
//	orExp = andExp *(SP "or" SP andExp)
//
// rel is true inside a value filter's brackets.
func (p *parser) parseOr(rel bool) (Expr, error) {
	l, err := p.parseAnd(rel)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseAnd(rel)
		if err != nil {
			return nil, err
		}
		l = &Or{L: l, R: r}
	}
	return l, nil
}

// parseAnd parses
//
//	andExp = term *(SP "and" SP term)
func (p *parser) parseAnd(rel bool) (Expr, error) {
	l, err := p.parseTerm(rel)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseTerm(rel)
		if err != nil {
			return nil, err
		}
		l = &And{L: l, R: r}
	}
	return l, nil
}

// parseTerm parses
//
//	term = ["not" *SP] "(" orExp ")" / attrExp / valuePath
func (p *parser) parseTerm(rel bool) (Expr, error) {
	src := p.lx.src
	switch {
	case p.tok.kind == tLParen:
		return p.parseGroup(rel)
	case p.isWord("not"):
		next, err := p.peek()
		if err != nil {
			return nil, err
		}
		if next.kind != tLParen {
			return nil, syntaxErr(src, next.pos, `expected "(" after "not", found %s`, next.describe(src))
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseGroup(rel)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case p.isWord("and") || p.isWord("or"):
		return nil, syntaxErr(src, p.tok.pos, "expected an attribute path, found %s", p.tok.describe(src))
	case p.tok.kind == tWord:
		return p.parseAttrExp(rel)
	}
	return nil, syntaxErr(src, p.tok.pos, `expected an attribute path, "(" or "not", found %s`, p.tok.describe(src))
}

// parseGroup parses a parenthesised filter; the current token is "(".
func (p *parser) parseGroup(rel bool) (Expr, error) {
	open := p.tok.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseOr(rel)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		if p.tok.kind == tEOF {
			return nil, syntaxErr(p.lx.src, open, `unclosed "("`)
		}
		return nil, p.unexpectedAfterTerm(`")"`)
	}
	p.depth--
	return x, p.advance()
}

// parseBracket parses a value filter "[" valFilter "]"; the current token
// is "[". Paths inside are relative to the multi-valued attribute.
func (p *parser) parseBracket() (Expr, error) {
	src := p.lx.src
	open := p.tok.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tRBrack {
		return nil, syntaxErr(src, open, "empty value filter")
	}
	f, err := p.parseOr(true)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRBrack {
		if p.tok.kind == tEOF {
			return nil, syntaxErr(src, open, `unclosed "["`)
		}
		return nil, p.unexpectedAfterTerm(`"]"`)
	}
	p.depth--
	return f, p.advance()
}

// atSubAttr reports whether the current token is a ".subAttr" written
// right after a closing bracket.
func (p *parser) atSubAttr() bool {
	return p.tok.kind == tWord && !p.tok.sp && p.tok.text[0] == '.'
}

// parseSubAttr consumes a ".subAttr" token and returns the name.
func (p *parser) parseSubAttr() (string, error) {
	name := p.tok.text[1:]
	if err := checkName(p.lx.src, p.tok.pos+1, name, "sub-attribute"); err != nil {
		return "", err
	}
	return name, p.advance()
}

// leadingAttrPath parses the attrPath a path starts with.
func (p *parser) leadingAttrPath(what string) (AttrPath, error) {
	src := p.lx.src
	switch p.tok.kind {
	case tEOF:
		return AttrPath{}, syntaxErr(src, p.tok.pos, "empty %s", what)
	case tWord:
	default:
		return AttrPath{}, syntaxErr(src, p.tok.pos, "expected an attribute path, found %s", p.tok.describe(src))
	}
	attr, err := parseAttrPathWord(src, p.tok.pos, p.tok.text)
	if err != nil {
		return AttrPath{}, err
	}
	return attr, p.advance()
}

// parseAttrExp parses, the current token being a word,
//
//	attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
//	valuePath = attrPath "[" valFilter "]" [subAttr SP ("pr" / compareOp SP compValue)]
//
// The optional tail of valuePath is Entra ID's form: x[f].s op v is
// x[f and s op v].
func (p *parser) parseAttrExp(rel bool) (Expr, error) {
	src := p.lx.src
	word := p.tok
	path, err := parseAttrPathWord(src, word.pos, word.text)
	if err != nil {
		return nil, err
	}
	if rel && (path.URN != "" || path.Sub != "") {
		return nil, syntaxErr(src, word.pos, "inside a value filter an attribute path must be a plain sub-attribute name, not %s", quoteSnippet(word.text))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tLBrack {
		return p.parseOpValue(path, word.text)
	}
	if rel {
		return nil, syntaxErr(src, p.tok.pos, "value filters cannot be nested")
	}
	if path.Sub != "" {
		return nil, syntaxErr(src, p.tok.pos, "a value filter cannot follow the sub-attribute %s", quoteSnippet(word.text))
	}
	f, err := p.parseBracket()
	if err != nil {
		return nil, err
	}
	vp := &ValuePath{Path: path, Filter: f}
	if !p.atSubAttr() {
		return vp, nil
	}
	subTok := p.tok
	sub, err := p.parseSubAttr()
	if err != nil {
		return nil, err
	}
	c, err := p.parseOpValue(AttrPath{Name: sub}, src[word.pos:subTok.end])
	if err != nil {
		return nil, err
	}
	vp.Filter = &And{L: f, R: c}
	return vp, nil
}

// lookupOp finds the operator s (RFC 7644 §3.4.2.2, Table 3), in any case.
func lookupOp(s string) (Op, bool) {
	if len(s) == 2 {
		for _, op := range [...]Op{Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le, Pr} {
			if strings.EqualFold(s, string(op)) {
				return op, true
			}
		}
	}
	return "", false
}

// parseOpValue parses what follows an attribute path, written pathText:
// "pr", or a comparison operator and a value.
func (p *parser) parseOpValue(path AttrPath, pathText string) (Expr, error) {
	src := p.lx.src
	opTok := p.tok
	op, ok := Op(""), false
	if opTok.kind == tWord {
		op, ok = lookupOp(opTok.text)
	}
	if !ok {
		if opTok.kind == tEOF {
			return nil, syntaxErr(src, opTok.pos, "expected a comparison operator after %s", quoteSnippet(pathText))
		}
		return nil, syntaxErr(src, opTok.pos, "expected a comparison operator after %s, found %s", quoteSnippet(pathText), opTok.describe(src))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if op == Pr {
		if p.tok.kind == tString || (p.tok.kind == tWord && isValueWord(p.tok.text)) {
			return nil, syntaxErr(src, p.tok.pos, `operator "pr" takes no value`)
		}
		return &Compare{Path: path, Op: Pr}, nil
	}
	v, err := p.parseValue(opTok.text)
	if err != nil {
		return nil, err
	}
	return &Compare{Path: path, Op: op, Value: v}, p.advance()
}

// isValueWord reports whether a word looks like a value rather than an
// attribute path or keyword.
func isValueWord(s string) bool {
	c := s[0]
	return isDigit(c) || c == '-' || strings.EqualFold(s, "true") || strings.EqualFold(s, "false") || strings.EqualFold(s, "null")
}

// parseValue parses the current token as
//
//	compValue = false / null / true / number / string
//
// (RFC 7644 §3.4.2.2, RFC 8259 §3, §6, §7); opText is the operator as
// written, for messages.
func (p *parser) parseValue(opText string) (any, error) {
	src := p.lx.src
	t := p.tok
	switch t.kind {
	case tString:
		return t.text, nil
	case tWord:
		if c := t.text[0]; isDigit(c) || c == '-' {
			if !isJSONNumber(t.text) {
				return nil, syntaxErr(src, t.pos, "invalid number %s", quoteSnippet(t.text))
			}
			return json.Number(t.text), nil
		}
		switch {
		case strings.EqualFold(t.text, "true"):
			return true, nil
		case strings.EqualFold(t.text, "false"):
			return false, nil
		case strings.EqualFold(t.text, "null"):
			return nil, nil
		}
	case tEOF:
		return nil, syntaxErr(src, t.pos, "expected a value after %s", quoteSnippet(opText))
	}
	return nil, syntaxErr(src, t.pos, "expected a value (string, number, true, false or null) after %s, found %s", quoteSnippet(opText), t.describe(src))
}
