package filter

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

type errorCase struct {
	in     string
	offset int
	msg    string // a substring of the message
}

// filterErrors are malformed filters, with where and why they fail.
var filterErrors = []errorCase{
	{``, 0, "empty filter"},
	{"  \t", 3, "empty filter"},
	{`userName`, 8, `expected a comparison operator after "userName"`},
	{`userName `, 9, `expected a comparison operator after "userName" at offset 9`},
	{`userName xx "a"`, 9, `expected a comparison operator after "userName", found "xx"`},
	{`userName "a"`, 9, `expected a comparison operator after "userName", found a string`},
	{`userName eq`, 11, `expected a value after "eq"`},
	{`userName EQ john`, 12, `expected a value (string, number, true, false or null) after "EQ", found "john"`},
	{`userName eq )`, 12, `expected a value`},
	{`x eq tru`, 5, `expected a value`},
	{`x eq true1`, 5, `expected a value`},
	{`userName eq "x`, 12, "unterminated string"},
	{`userName eq"x"`, 11, "expected a space before the string"},
	{`x eq "a""b"`, 8, "expected a space before the string"},
	{`userName eq "x"and b pr`, 15, "expected a space after the string"},
	{`title pr "x"`, 9, `operator "pr" takes no value`},
	{`title pr 1`, 9, `operator "pr" takes no value`},
	{`title pr null`, 9, `operator "pr" takes no value`},
	{`userName eq "x" foo`, 16, `expected "and", "or" or end of input, found "foo"`},
	{`x eq 1 2`, 7, `expected "and", "or" or end of input, found "2"`},
	{`userName eq "x" and`, 19, `expected an attribute path, "(" or "not", found end of input`},
	{`and eq 1`, 0, `expected an attribute path, found "and"`},
	{`a pr or or b pr`, 8, `expected an attribute path, found "or"`},
	{`a pr and AND b pr`, 9, `expected an attribute path, found "AND"`},
	{`(a pr`, 0, `unclosed "("`},
	{`not (a pr and (b pr)`, 4, `unclosed "("`},
	{`a pr)`, 4, `unmatched ")"`},
	{`a pr]`, 4, `unmatched "]"`},
	{`(a pr]`, 5, `expected "and", "or" or ")", found "]"`},
	{`()`, 1, `expected an attribute path, "(" or "not", found ")"`},
	{`"x" eq 1`, 0, `expected an attribute path, "(" or "not", found a string`},
	{`not a pr`, 4, `expected "(" after "not", found "a"`},
	{`not`, 3, `expected "(" after "not", found end of input`},
	{`a pr and not`, 12, `expected "(" after "not"`},

	// Value paths.
	{`emails[type eq "work"`, 6, `unclosed "["`},
	{`emails[]`, 6, "empty value filter"},
	{`emails[type eq "work")`, 21, `expected "and", "or" or "]", found ")"`},
	{`emails[value[x eq 1]]`, 12, "value filters cannot be nested"},
	{`emails[name.first eq 1]`, 7, `inside a value filter an attribute path must be a plain sub-attribute name, not "name.first"`},
	{`emails[urn:a:b:c eq 1]`, 7, "plain sub-attribute name"},
	{`name.familyName[x eq 1]`, 15, `a value filter cannot follow the sub-attribute "name.familyName"`},
	{`emails[type eq "work"] .value eq "x"`, 23, `expected "and", "or" or end of input, found ".value"`},
	{`emails[type eq "work"]x pr`, 22, `expected "and", "or" or end of input, found "x"`},
	{`emails[type eq "work"].value`, 28, `expected a comparison operator after "emails[type eq \"work\"].value"`},
	{`emails[type eq "work"].`, 23, "expected sub-attribute name"},
	{`emails[type eq "work"].value.x eq 1`, 28, "sub-attributes nest only one level"},
	{`emails[type eq "work"].1x eq 1`, 23, `sub-attribute name "1x" must start with a letter`},
	{`emails[type eq "work"].value eq`, 31, `expected a value after "eq"`},

	// Attribute paths.
	{`a.b.c eq 1`, 3, `sub-attributes nest only one level: unexpected "." after "b"`},
	{`1abc eq 1`, 0, `attribute name "1abc" must start with a letter`},
	{`-x eq 1`, 0, "must start with a letter"},
	{`$ eq 1`, 0, `attribute name "$" must start with a letter`},
	{`a$b eq 1`, 1, `invalid character '$' in attribute name "a$b"`},
	{`a+b eq 1`, 1, `invalid character '+' in attribute name`},
	{`name. eq 1`, 5, "expected sub-attribute name"},
	{`.name eq 1`, 0, "expected attribute name"},
	{`:userName eq 1`, 0, `missing schema URN before ":"`},
	{`urn::x:userName eq 1`, 4, "empty segment in schema URN"},
	{`1urn:x:userName eq 1`, 0, `schema URN "1urn:x" must start with a letter`},
	{`u_rn:x:userName eq 1`, 1, `invalid character '_' in URI scheme`},
	{`userName: eq 1`, 9, "expected attribute name"},
	{coreUser + `: eq 1`, len(coreUser) + 1, "expected attribute name"},
	{`userName = "x"`, 9, `unexpected character '='`},
	{`userName eq 'x'`, 12, `unexpected single quote: strings take double quotes`},
	{`userName eq "x" && b pr`, 16, `unexpected character '&'`},
	{`ü eq 1`, 0, `unexpected character 'ü'`},
	{"x eq 1 \xff", 7, "unexpected character byte 0xff"},
	{"\x00", 0, `unexpected character '\x00'`},

	// Numbers.
	{`x eq 01`, 5, `invalid number "01"`},
	{`x eq -01`, 5, "invalid number"},
	{`x eq 1.`, 5, `invalid number "1."`},
	{`x eq -`, 5, `invalid number "-"`},
	{`x eq 1e`, 5, "invalid number"},
	{`x eq 1e+`, 5, "invalid number"},
	{`x eq 1.5.5`, 5, "invalid number"},
	{`x eq 1abc`, 5, "invalid number"},
	{`x eq 0x10`, 5, "invalid number"},
	{`x eq .5`, 5, "expected a value"},
	{`x eq +1`, 5, "expected a value"},

	// Strings.
	{`x eq "\x"`, 6, `invalid escape sequence "\\x" in string`},
	{`x eq "\u12"`, 6, `invalid \u escape in string: expected four hex digits`},
	{`x eq "\u12G4"`, 6, `invalid \u escape`},
	{`x eq "\ud800"`, 6, `unpaired UTF-16 surrogate "\\ud800" in string`},
	{`x eq "\udc00\ud800"`, 6, "unpaired UTF-16 surrogate"},
	{`x eq "\ud800\u0041"`, 6, "unpaired UTF-16 surrogate"},
	{`x eq "\ud800\ud800"`, 6, "unpaired UTF-16 surrogate"},
	{`x eq "\`, 6, "unterminated escape sequence"},
	{`x eq "a\"`, 5, "unterminated string"},
	{"x eq \"a\nb\"", 7, `control character '\n' in string must be escaped`},
	{"x eq \"a\\n\tb\"", 9, `control character '\t' in string must be escaped`},
	{"x eq \"\xff\"", 6, "invalid UTF-8 in string"},
	{"x eq \"\\n\xc3\"", 8, "invalid UTF-8 in string"},
}

// asSyntaxError fails t unless err is a well-formed *SyntaxError for in.
func asSyntaxError(t *testing.T, in string, err error) *SyntaxError {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("%.40q: got error %v (%T), want *SyntaxError", in, err, err)
		return nil
	}
	if se.Input != in {
		t.Errorf("%.40q: SyntaxError.Input = %.40q", in, se.Input)
	}
	if se.Error() != se.Msg {
		t.Errorf("%.40q: Error() = %q, Msg = %q", in, se.Error(), se.Msg)
	}
	if !strings.HasSuffix(se.Msg, " at offset "+strconv.Itoa(se.Offset)) {
		t.Errorf("%.40q: message %q does not end with its offset %d", in, se.Msg, se.Offset)
	}
	if !utf8.ValidString(se.Msg) || strings.ContainsFunc(se.Msg, func(r rune) bool { return r < 0x20 }) {
		t.Errorf("%.40q: message %q has control characters or invalid UTF-8", in, se.Msg)
	}
	return se
}

func checkErrors(t *testing.T, cases []errorCase, parse func(string) (any, error)) {
	t.Helper()
	for _, tc := range cases {
		got, err := parse(tc.in)
		if err == nil {
			t.Errorf("%q: parsed as %v, want an error", tc.in, got)
			continue
		}
		se := asSyntaxError(t, tc.in, err)
		if se == nil {
			continue
		}
		if se.Offset != tc.offset {
			t.Errorf("%q: offset %d, want %d (%v)", tc.in, se.Offset, tc.offset, err)
		}
		if !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%q: message %q, want it to contain %q", tc.in, se.Msg, tc.msg)
		}
	}
}

func TestParseErrors(t *testing.T) {
	checkErrors(t, filterErrors, func(s string) (any, error) {
		e, err := Parse(s)
		if err == nil {
			return e.String(), nil
		}
		if e != nil {
			t.Errorf("%q: Parse returned %#v with its error", s, e)
		}
		return nil, err
	})
}

func TestErrorSnippetIsBounded(t *testing.T) {
	long := strings.Repeat("x", 1000)
	_, err := Parse(long)
	se := asSyntaxError(t, long, err)
	if se != nil && (len(se.Msg) > 120 || !strings.Contains(se.Msg, `xxx..."`)) {
		t.Errorf("message for a long name is not cut: %q", se.Msg)
	}

	// The snippet is cut on a character boundary.
	in := `e[t eq  "` + strings.Repeat("é", 50) + `"].v`
	_, err = Parse(in)
	se = asSyntaxError(t, in, err)
	want := strconv.Quote(in[:maxSnippet-1] + "...")
	if se != nil && !strings.Contains(se.Msg, want) {
		t.Errorf("message %q, want it to contain %s", se.Msg, want)
	}
}
