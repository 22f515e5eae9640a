package filter

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Tree builders for the tables.

func at(name string) AttrPath        { return AttrPath{Name: name} }
func sub(name, s string) AttrPath    { return AttrPath{Name: name, Sub: s} }
func urn(u, name, s string) AttrPath { return AttrPath{URN: u, Name: name, Sub: s} }
func cmp(p AttrPath, op Op, v any) *Compare {
	return &Compare{Path: p, Op: op, Value: v}
}
func pr(p AttrPath) *Compare                { return &Compare{Path: p, Op: Pr} }
func and(l, r Expr) *And                    { return &And{L: l, R: r} }
func or(l, r Expr) *Or                      { return &Or{L: l, R: r} }
func not(x Expr) *Not                       { return &Not{X: x} }
func vp(p AttrPath, f Expr) *ValuePath      { return &ValuePath{Path: p, Filter: f} }
func num(s string) json.Number              { return json.Number(s) }
func pr3(a, b, c string) (Expr, Expr, Expr) { return pr(at(a)), pr(at(b)), pr(at(c)) }

const (
	coreUser = "urn:ietf:params:scim:schemas:core:2.0:User"
	entUser  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

type validCase struct {
	in    string
	want  Expr
	canon string // "" when the input is already canonical
}

var a, b, c = pr3("a", "b", "c")

// validCases are well-formed filters, with the tree and canonical form.
var validCases = []validCase{
	// Every operator (RFC 7644 §3.4.2.2, Table 3).
	{`userName eq "bjensen"`, cmp(at("userName"), Eq, "bjensen"), ""},
	{`userName ne "bjensen"`, cmp(at("userName"), Ne, "bjensen"), ""},
	{`name.familyName co "O'Malley"`, cmp(sub("name", "familyName"), Co, "O'Malley"), ""},
	{`userName sw "J"`, cmp(at("userName"), Sw, "J"), ""},
	{`userName ew "sen"`, cmp(at("userName"), Ew, "sen"), ""},
	{`title pr`, pr(at("title")), ""},
	{`meta.lastModified gt "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), Gt, "2011-05-13T04:42:34Z"), ""},
	{`meta.lastModified ge "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), Ge, "2011-05-13T04:42:34Z"), ""},
	{`meta.lastModified lt "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), Lt, "2011-05-13T04:42:34Z"), ""},
	{`meta.lastModified le "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), Le, "2011-05-13T04:42:34Z"), ""},

	// Paths: URNs with dots, sub-attributes, $ref, case kept.
	{coreUser + `:userName sw "J"`, cmp(urn(coreUser, "userName", ""), Sw, "J"), ""},
	{entUser + `:manager.value eq "26118915"`, cmp(urn(entUser, "manager", "value"), Eq, "26118915"), ""},
	{coreUser + ` pr`, pr(urn("urn:ietf:params:scim:schemas:core:2.0", "User", "")), ""},
	{`members.$ref pr`, pr(sub("members", "$ref")), ""},
	{`USERNAME PR`, pr(at("USERNAME")), `USERNAME pr`},
	{`x-y_1.Z9 eq 1`, cmp(sub("x-y_1", "Z9"), Eq, num("1")), ""},
	{`a.b:c eq 1`, cmp(urn("a.b", "c", ""), Eq, num("1")), ""},
	{`schemas eq "` + entUser + `"`, cmp(at("schemas"), Eq, entUser), ""},
	// Words that start like keywords, or are operators, are names.
	{`notes pr and order eq 1 and andy pr`, and(and(pr(at("notes")), cmp(at("order"), Eq, num("1"))), pr(at("andy"))), ""},
	{`eq eq "x"`, cmp(at("eq"), Eq, "x"), ""},
	{`pr pr`, pr(at("pr")), ""},
	{`x eq "and"`, cmp(at("x"), Eq, "and"), ""},

	// Logic, precedence and grouping.
	{`title pr and userType eq "Employee"`, and(pr(at("title")), cmp(at("userType"), Eq, "Employee")), ""},
	{`title pr or userType eq "Intern"`, or(pr(at("title")), cmp(at("userType"), Eq, "Intern")), ""},
	{`a pr or b pr and c pr`, or(a, and(b, c)), ""},
	{`a pr and b pr or c pr`, or(and(a, b), c), ""},
	{`a eq 1 or b eq 2 and c eq 3`, or(cmp(at("a"), Eq, num("1")), and(cmp(at("b"), Eq, num("2")), cmp(at("c"), Eq, num("3")))), ""},
	{`(a pr or b pr) and c pr`, and(or(a, b), c), ""},
	{`a pr and (b pr or c pr)`, and(a, or(b, c)), ""},
	{`a pr and b pr and c pr`, and(and(a, b), c), ""},
	{`a pr or b pr or c pr`, or(or(a, b), c), ""},
	{`a pr and (b pr and c pr)`, and(a, and(b, c)), ""},
	{`a pr or (b pr or c pr)`, or(a, or(b, c)), ""},
	{`(a pr and b pr) and c pr`, and(and(a, b), c), `a pr and b pr and c pr`},
	{`((a pr))`, a, `a pr`},
	{`(a pr)and(b pr)`, and(a, b), `a pr and b pr`},
	{`a pr and(b pr)`, and(a, b), `a pr and b pr`},
	{`not (a pr)`, not(a), ""},
	{`not(a pr)`, not(a), `not (a pr)`},
	{`NOT (a pr)`, not(a), `not (a pr)`},
	{`not (a pr) and b pr`, and(not(a), b), ""},
	{`not (a pr or b pr)`, not(or(a, b)), ""},
	{`not (not (a pr))`, not(not(a)), ""},
	{`b pr or not (a pr) and c pr`, or(b, and(not(a), c)), ""},
	{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		and(cmp(at("userType"), Ne, "Employee"), not(or(cmp(at("emails"), Co, "example.com"), cmp(sub("emails", "value"), Co, "example.org")))), ""},
	{`userType eq "Employee" and (emails.type eq "work")`,
		and(cmp(at("userType"), Eq, "Employee"), cmp(sub("emails", "type"), Eq, "work")), `userType eq "Employee" and emails.type eq "work"`},

	// Case-insensitive operators and keywords.
	{`userName Eq "x"`, cmp(at("userName"), Eq, "x"), `userName eq "x"`},
	{`title pr AND NOT (x EQ true)`, and(pr(at("title")), not(cmp(at("x"), Eq, true))), `title pr and not (x eq true)`},
	{`a pr Or b Pr`, or(a, b), `a pr or b pr`},
	{`x eq TRUE`, cmp(at("x"), Eq, true), `x eq true`},
	{`x ne False`, cmp(at("x"), Ne, false), `x ne false`},
	{`x eq NULL`, cmp(at("x"), Eq, nil), `x eq null`},
	{`x GE 1 and x gT 0 and x lE 9 and x Lt 9 and x CO "a" and x SW "a" and x EW "a" and x NE "b"`,
		and(and(and(and(and(and(and(cmp(at("x"), Ge, num("1")), cmp(at("x"), Gt, num("0"))), cmp(at("x"), Le, num("9"))), cmp(at("x"), Lt, num("9"))),
			cmp(at("x"), Co, "a")), cmp(at("x"), Sw, "a")), cmp(at("x"), Ew, "a")), cmp(at("x"), Ne, "b")),
		`x ge 1 and x gt 0 and x le 9 and x lt 9 and x co "a" and x sw "a" and x ew "a" and x ne "b"`},

	// Value paths.
	{`emails[type eq "work" and value co "@example.com"]`, vp(at("emails"), and(cmp(at("type"), Eq, "work"), cmp(at("value"), Co, "@example.com"))), ""},
	{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		and(cmp(at("userType"), Eq, "Employee"), vp(at("emails"), and(cmp(at("type"), Eq, "work"), cmp(at("value"), Co, "@example.com")))), ""},
	{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		or(vp(at("emails"), and(cmp(at("type"), Eq, "work"), cmp(at("value"), Co, "@example.com"))),
			vp(at("ims"), and(cmp(at("type"), Eq, "xmpp"), cmp(at("value"), Co, "@foo.com")))), ""},
	{`emails[not (type eq "work") or (primary eq true)]`, vp(at("emails"), or(not(cmp(at("type"), Eq, "work")), cmp(at("primary"), Eq, true))), `emails[not (type eq "work") or primary eq true]`},
	{`members[$ref eq "x"]`, vp(at("members"), cmp(at("$ref"), Eq, "x")), ""},
	{coreUser + `:emails[type eq "work"]`, vp(urn(coreUser, "emails", ""), cmp(at("type"), Eq, "work")), ""},
	{`emails[ type eq "work" ]`, vp(at("emails"), cmp(at("type"), Eq, "work")), `emails[type eq "work"]`},
	{`not (emails[type pr])`, not(vp(at("emails"), pr(at("type")))), ""},

	// Entra ID's form.
	{`emails[type eq "work"].value eq "x"`, vp(at("emails"), and(cmp(at("type"), Eq, "work"), cmp(at("value"), Eq, "x"))), `emails[type eq "work" and value eq "x"]`},
	{`emails[type eq "work"].value pr`, vp(at("emails"), and(cmp(at("type"), Eq, "work"), pr(at("value")))), `emails[type eq "work" and value pr]`},
	{`emails[type eq "work" or primary eq true].value co "@x"`,
		vp(at("emails"), and(or(cmp(at("type"), Eq, "work"), cmp(at("primary"), Eq, true)), cmp(at("value"), Co, "@x"))),
		`emails[(type eq "work" or primary eq true) and value co "@x"]`},
	{`emails[type eq "work"].value EQ "x" and userName pr`,
		and(vp(at("emails"), and(cmp(at("type"), Eq, "work"), cmp(at("value"), Eq, "x"))), pr(at("userName"))),
		`emails[type eq "work" and value eq "x"] and userName pr`},
	{coreUser + `:addresses[type eq "work"].postalCode eq "12345"`,
		vp(urn(coreUser, "addresses", ""), and(cmp(at("type"), Eq, "work"), cmp(at("postalCode"), Eq, "12345"))),
		coreUser + `:addresses[type eq "work" and postalCode eq "12345"]`},

	// Strings and escapes.
	{`x eq ""`, cmp(at("x"), Eq, ""), ""},
	{`x eq "a\"b\\c\/d\b\f\n\r\t"`, cmp(at("x"), Eq, "a\"b\\c/d\b\f\n\r\t"), `x eq "a\"b\\c/d\b\f\n\r\t"`},
	{`x eq "\u00e9\u20AC"`, cmp(at("x"), Eq, "é€"), `x eq "é€"`},
	{`x eq "\ud83d\ude00!"`, cmp(at("x"), Eq, "😀!"), `x eq "😀!"`},
	{`x eq "\u0001\u001F\u0000"`, cmp(at("x"), Eq, "\x01\x1f\x00"), `x eq "\u0001\u001f\u0000"`},
	{`x eq "naïve 日本 😀"`, cmp(at("x"), Eq, "naïve 日本 😀"), ""},
	{`x eq "(a) [b] and or"`, cmp(at("x"), Eq, "(a) [b] and or"), ""},

	// Numbers (RFC 8259 §6), kept as written.
	{`x eq 0`, cmp(at("x"), Eq, num("0")), ""},
	{`x eq -0`, cmp(at("x"), Eq, num("-0")), ""},
	{`x gt 10`, cmp(at("x"), Gt, num("10")), ""},
	{`x lt -1.5`, cmp(at("x"), Lt, num("-1.5")), ""},
	{`x eq 0.25e10`, cmp(at("x"), Eq, num("0.25e10")), ""},
	{`x eq 1E+2`, cmp(at("x"), Eq, num("1E+2")), ""},
	{`x eq 2e-3`, cmp(at("x"), Eq, num("2e-3")), ""},
	{`(x eq 1)`, cmp(at("x"), Eq, num("1")), `x eq 1`},
	{`x[y eq 1]`, vp(at("x"), cmp(at("y"), Eq, num("1"))), ""},

	// Whitespace.
	{"  userName   eq\t\"x\"  ", cmp(at("userName"), Eq, "x"), `userName eq "x"`},
	{"a pr\r\n and\tb pr", and(a, b), `a pr and b pr`},
}

func TestParse(t *testing.T) {
	for _, tc := range validCases {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q)\n got  %#v\n want %#v", tc.in, got, tc.want)
		}
		canon := tc.canon
		if canon == "" {
			canon = tc.in
		}
		if s := got.String(); s != canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, s, canon)
		}
	}
}

// TestRoundTrip checks that every valid case's canonical form parses back
// to the same tree and the same string.
func TestRoundTrip(t *testing.T) {
	for _, tc := range validCases {
		e, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		s := e.String()
		e2, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q) (canonical form of %q): %v", s, tc.in, err)
			continue
		}
		if !reflect.DeepEqual(e, e2) {
			t.Errorf("%q: tree changed through %q", tc.in, s)
		}
		if s2 := e2.String(); s2 != s {
			t.Errorf("%q: String() = %q, then %q", tc.in, s, s2)
		}
	}
}

func TestParseValueTypes(t *testing.T) {
	for in, want := range map[string]any{
		`x eq "1"`:  "1",
		`x eq 1`:    json.Number("1"),
		`x eq true`: true,
		`x eq null`: nil,
	} {
		e, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		got := e.(*Compare).Value
		if reflect.TypeOf(got) != reflect.TypeOf(want) || got != want {
			t.Errorf("Parse(%q) value = %#v (%T), want %#v (%T)", in, got, got, want, want)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	nest := func(n int, open, inner, close string) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	for _, tc := range []struct {
		in     string
		offset int // -1: valid
	}{
		{nest(MaxDepth, "(", "a pr", ")"), -1},
		{nest(MaxDepth+1, "(", "a pr", ")"), MaxDepth},
		{nest(MaxDepth, "not (", "a pr", ")"), -1},
		{nest(MaxDepth+1, "not(", "a pr", ")"), MaxDepth*4 + 3},
		{nest(MaxDepth-1, "(", "x[a pr]", ")"), -1},
		{nest(MaxDepth, "(", "x[a pr]", ")"), MaxDepth + 1},
		{"x[" + nest(MaxDepth-1, "(", "a pr", ")") + "]", -1},
		{"x[" + nest(MaxDepth, "(", "a pr", ")") + "]", MaxDepth + 1},
		{nest(100000, "(", "", ""), MaxLength},
	} {
		_, err := Parse(tc.in)
		if tc.offset < 0 {
			if err != nil {
				t.Errorf("Parse(%.30q...): %v", tc.in, err)
			}
			continue
		}
		se := asSyntaxError(t, tc.in, err)
		if se != nil && se.Offset != tc.offset {
			t.Errorf("Parse(%.30q...): offset %d, want %d (%v)", tc.in, se.Offset, tc.offset, err)
		}
	}
}

func TestLongInput(t *testing.T) {
	// The longest accepted filter, and one byte more.
	pad := MaxLength - len(`x eq ""`)
	ok := `x eq "` + strings.Repeat("y", pad) + `"`
	if _, err := Parse(ok); err != nil {
		t.Errorf("Parse of %d bytes: %v", len(ok), err)
	}
	long := ok + " "
	_, err := Parse(long)
	se := asSyntaxError(t, long, err)
	if se != nil && (se.Offset != MaxLength || !strings.Contains(se.Msg, "longer than 8192 bytes")) {
		t.Errorf("Parse of %d bytes: %v (offset %d)", len(long), se, se.Offset)
	}

	// A long chain of terms is not nesting and is accepted.
	chain := strings.Repeat("a pr and ", 500) + "a pr"
	e, err := Parse(chain)
	if err != nil {
		t.Fatalf("Parse(chain): %v", err)
	}
	if e.String() != chain {
		t.Errorf("chain did not round-trip")
	}
}
