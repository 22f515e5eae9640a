package filter

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // attribute path, operator, keyword or number, as written
	tString         // JSON string; text holds the decoded value
	tLParen         // (
	tRParen         // )
	tLBrack         // [
	tRBrack         // ]
)

// token is one lexeme. pos and end delimit its source text.
type token struct {
	kind tokKind
	sp   bool // preceded by whitespace
	pos  int
	end  int
	text string
}

// lexer splits a filter into tokens on demand. It is a value type: copying
// it is how the parser looks ahead.
//
// The RFC separates tokens with a single SP (RFC 7644 §3.4.2.2). The lexer
// accepts any run of whitespace instead, and none next to a parenthesis or
// a bracket, but two words, or a word and a string, must still be apart:
// `userName eq"x"` is an error.
type lexer struct {
	src string
	pos int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWordChar reports whether c can appear in a word: an attribute path
// (ALPHA, DIGIT, "-", "_", "$", "." and ":" of URNs), an operator, a
// keyword or a JSON number ("+", "-", ".").
func isWordChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '$' || c == '+'
}

// isDelim reports whether c may follow a word or a string.
func isDelim(c byte) bool {
	return isSpace(c) || c == '(' || c == ')' || c == '[' || c == ']'
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	t := token{pos: l.pos, sp: l.pos > start}
	if l.pos >= len(l.src) {
		t.kind, t.end = tEOF, l.pos
		return t, nil
	}
	c := l.src[l.pos]
	switch c {
	case '(':
		return l.punct(t, tLParen), nil
	case ')':
		return l.punct(t, tRParen), nil
	case '[':
		return l.punct(t, tLBrack), nil
	case ']':
		return l.punct(t, tRBrack), nil
	case '"':
		return l.lexString(t)
	}
	if !isWordChar(c) {
		if c == '\'' {
			return t, syntaxErr(l.src, l.pos, "unexpected single quote: strings take double quotes")
		}
		return t, syntaxErr(l.src, l.pos, "unexpected character %s", describeChar(l.src, l.pos))
	}
	for l.pos < len(l.src) && isWordChar(l.src[l.pos]) {
		l.pos++
	}
	t.kind, t.end, t.text = tWord, l.pos, l.src[t.pos:l.pos]
	return t, l.checkFollow()
}

// punct finishes t, a one-byte token of the given kind.
func (l *lexer) punct(t token, kind tokKind) token {
	l.pos++
	t.kind, t.end = kind, l.pos
	return t
}

// checkFollow reports an error unless the token just read is followed by
// whitespace, a parenthesis, a bracket or the end of the input.
func (l *lexer) checkFollow() error {
	if l.pos >= len(l.src) || isDelim(l.src[l.pos]) {
		return nil
	}
	switch c := l.src[l.pos]; {
	case c == '"':
		return syntaxErr(l.src, l.pos, "expected a space before the string")
	case isWordChar(c):
		return syntaxErr(l.src, l.pos, "expected a space after the string")
	}
	return syntaxErr(l.src, l.pos, "unexpected character %s", describeChar(l.src, l.pos))
}

// lexString reads a JSON string (RFC 8259 §7) starting at the opening
// quote. Strings without escapes are returned without copying.
func (l *lexer) lexString(t token) (token, error) {
	src := l.src
	i := l.pos + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			t.kind, t.text = tString, src[l.pos+1:i]
			l.pos = i + 1
			t.end = l.pos
			return t, l.checkFollow()
		case c == '\\':
			return l.lexEscapedString(t, i)
		case c < 0x20:
			return t, syntaxErr(src, i, "control character %s in string must be escaped", describeChar(src, i))
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size <= 1 {
				return t, syntaxErr(src, i, "invalid UTF-8 in string")
			}
			i += size
		default:
			i++
		}
	}
	return t, syntaxErr(src, t.pos, "unterminated string")
}

// lexEscapedString finishes a string whose first escape is at i.
func (l *lexer) lexEscapedString(t token, i int) (token, error) {
	src := l.src
	var b strings.Builder
	b.Grow(i - l.pos + 16)
	b.WriteString(src[l.pos+1 : i])
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			t.kind, t.text = tString, b.String()
			l.pos = i + 1
			t.end = l.pos
			return t, l.checkFollow()
		case c == '\\':
			n, err := decodeEscape(src, i, &b)
			if err != nil {
				return t, err
			}
			i += n
		case c < 0x20:
			return t, syntaxErr(src, i, "control character %s in string must be escaped", describeChar(src, i))
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size <= 1 {
				return t, syntaxErr(src, i, "invalid UTF-8 in string")
			}
			b.WriteString(src[i : i+size])
			i += size
		default:
			b.WriteByte(c)
			i++
		}
	}
	return t, syntaxErr(src, t.pos, "unterminated string")
}

// decodeEscape decodes the escape sequence at src[i] (a backslash) into b
// and returns its length in bytes.
func decodeEscape(src string, i int, b *strings.Builder) (int, error) {
	if i+1 >= len(src) {
		return 0, syntaxErr(src, i, "unterminated escape sequence in string")
	}
	var r byte
	switch src[i+1] {
	case '"', '\\', '/':
		r = src[i+1]
	case 'b':
		r = '\b'
	case 'f':
		r = '\f'
	case 'n':
		r = '\n'
	case 'r':
		r = '\r'
	case 't':
		r = '\t'
	case 'u':
		return decodeUnicodeEscape(src, i, b)
	default:
		return 0, syntaxErr(src, i, "invalid escape sequence %s in string", quoteSnippet(src[i:i+2]))
	}
	b.WriteByte(r)
	return 2, nil
}

// decodeUnicodeEscape decodes \uXXXX at src[i], joining a UTF-16
// surrogate pair written as two escapes. An unpaired surrogate is an error:
// it encodes no character.
func decodeUnicodeEscape(src string, i int, b *strings.Builder) (int, error) {
	r1, ok := hex4(src, i+2)
	if !ok {
		return 0, syntaxErr(src, i, `invalid \u escape in string: expected four hex digits`)
	}
	if !utf16.IsSurrogate(r1) {
		b.WriteRune(r1)
		return 6, nil
	}
	if r1 < 0xdc00 && i+7 < len(src) && src[i+6] == '\\' && src[i+7] == 'u' {
		if r2, ok := hex4(src, i+8); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				b.WriteRune(r)
				return 12, nil
			}
		}
	}
	return 0, syntaxErr(src, i, "unpaired UTF-16 surrogate %s in string", quoteSnippet(src[i:i+6]))
}

// hex4 parses four hex digits at src[i:].
func hex4(src string, i int) (rune, bool) {
	if i+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(src[i : i+4]) {
		switch {
		case isDigit(c):
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// isJSONNumber reports whether s is a JSON number (RFC 8259 §6):
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func isJSONNumber(s string) bool {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	switch {
	case i < n && s[i] == '0':
		i++
	case i < n && '1' <= s[i] && s[i] <= '9':
		for i < n && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < n && s[i] == '.' {
		i++
		if i >= n || !isDigit(s[i]) {
			return false
		}
		for i < n && isDigit(s[i]) {
			i++
		}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= n || !isDigit(s[i]) {
			return false
		}
		for i < n && isDigit(s[i]) {
			i++
		}
	}
	return i == n
}

// maxSnippet bounds how much of the client's input an error message echoes.
const maxSnippet = 40

// quoteSnippet quotes s for an error message, cut to maxSnippet bytes on a
// rune boundary. Control and invalid bytes come out escaped.
func quoteSnippet(s string) string {
	if len(s) <= maxSnippet {
		return strconv.Quote(s)
	}
	cut := maxSnippet
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut] + "...")
}

// describeChar names the character at src[i] for an error message.
func describeChar(src string, i int) string {
	r, size := utf8.DecodeRuneInString(src[i:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x", src[i])
	}
	return strconv.QuoteRune(r)
}

// describe names a token for an error message.
func (t token) describe(src string) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "a string"
	}
	return quoteSnippet(src[t.pos:t.end])
}
