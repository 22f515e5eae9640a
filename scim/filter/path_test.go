package filter

import (
	"reflect"
	"strings"
	"testing"
)

type pathCase struct {
	in    string
	want  Path
	canon string // "" when the input is already canonical
}

var pathCases = []pathCase{
	{`userName`, Path{Attr: at("userName")}, ""},
	{`name.familyName`, Path{Attr: sub("name", "familyName")}, ""},
	{`members.$ref`, Path{Attr: sub("members", "$ref")}, ""},
	{`members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
		Path{Attr: at("members"), Filter: cmp(at("value"), Eq, "2819c223-7f76-453a-919d-413861904646")}, ""},
	{`members[value eq "a" or value eq "b"]`,
		Path{Attr: at("members"), Filter: or(cmp(at("value"), Eq, "a"), cmp(at("value"), Eq, "b"))}, ""},
	{`emails[type eq "work"].value`,
		Path{Attr: at("emails"), Filter: cmp(at("type"), Eq, "work"), SubAttr: "value"}, ""},
	{`addresses[type EQ "work" and not (primary eq FALSE)].streetAddress`,
		Path{Attr: at("addresses"), Filter: and(cmp(at("type"), Eq, "work"), not(cmp(at("primary"), Eq, false))), SubAttr: "streetAddress"},
		`addresses[type eq "work" and not (primary eq false)].streetAddress`},
	{entUser + `:department`, Path{Attr: urn(entUser, "department", "")}, ""},
	{entUser + `:manager.value`, Path{Attr: urn(entUser, "manager", "value")}, ""},
	{entUser, Path{Attr: urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", "")}, ""},
	{coreUser + `:emails[type eq "work"].display`,
		Path{Attr: urn(coreUser, "emails", ""), Filter: cmp(at("type"), Eq, "work"), SubAttr: "display"}, ""},
	{"  emails[ type pr ]\t", Path{Attr: at("emails"), Filter: pr(at("type"))}, `emails[type pr]`},
}

var pathErrors = []errorCase{
	{``, 0, "empty path"},
	{`   `, 3, "empty path"},
	{`[x eq 1]`, 0, `expected an attribute path, found "["`},
	{`"x"`, 0, "expected an attribute path, found a string"},
	{`emails[type eq "work"].value eq "x"`, 29, `unexpected "eq" after path`},
	{`emails[type eq "work"] .value`, 23, `unexpected ".value" after path`},
	{`emails[type eq "work"]x`, 22, `unexpected "x" after path`},
	{`name.familyName[x eq 1]`, 15, "a value filter cannot follow the sub-attribute"},
	{`emails[`, 7, `expected an attribute path, "(" or "not", found end of input`},
	{`emails[a pr`, 6, `unclosed "["`},
	{`emails[]`, 6, "empty value filter"},
	{`emails[a[b pr]]`, 8, "value filters cannot be nested"},
	{`emails[type eq "work"].`, 23, "expected sub-attribute name"},
	{`emails[type eq "work"].a.b`, 24, "sub-attributes nest only one level"},
	{`a b`, 2, `unexpected "b" after path`},
	{`a.b.c`, 3, "sub-attributes nest only one level"},
	{`urn:x:`, 6, "expected attribute name"},
	{`emails[type eq "work"]]`, 22, `unexpected "]" after path`},
	{`a)`, 1, `unexpected ")" after path`},
	{"x\x01", 1, `unexpected character '\x01'`},
}

func TestParsePath(t *testing.T) {
	for _, tc := range pathCases {
		got, err := ParsePath(tc.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePath(%q)\n got  %#v\n want %#v", tc.in, got, tc.want)
		}
		canon := tc.canon
		if canon == "" {
			canon = tc.in
		}
		s := got.String()
		if s != canon {
			t.Errorf("ParsePath(%q).String() = %q, want %q", tc.in, s, canon)
		}
		again, err := ParsePath(s)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParsePath(%q) = %#v, %v; want the tree of %q", s, again, err, tc.in)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	checkErrors(t, pathErrors, func(s string) (any, error) {
		p, err := ParsePath(s)
		if err == nil {
			return p.String(), nil
		}
		if !reflect.DeepEqual(p, Path{}) {
			t.Errorf("%q: ParsePath returned %#v with its error", s, p)
		}
		return nil, err
	})
	long := strings.Repeat("a", MaxLength+1)
	_, err := ParsePath(long)
	if se := asSyntaxError(t, long, err); se != nil && se.Offset != MaxLength {
		t.Errorf("ParsePath of %d bytes: offset %d", len(long), se.Offset)
	}
}

var attrPathCases = []struct {
	in   string
	want AttrPath
}{
	{`userName`, at("userName")},
	{`USERNAME`, at("USERNAME")},
	{`name.givenName`, sub("name", "givenName")},
	{`members.$ref`, sub("members", "$ref")},
	{` meta.lastModified `, sub("meta", "lastModified")},
	{entUser + `:manager.value`, urn(entUser, "manager", "value")},
	{coreUser + `:name.familyName`, urn(coreUser, "name", "familyName")},
	{entUser, urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", "")},
	{`not`, at("not")},
}

var attrPathErrors = []errorCase{
	{``, 0, "empty attribute path"},
	{` `, 1, "empty attribute path"},
	{`emails[type eq "work"]`, 6, `unexpected "[" after attribute path`},
	{`a b`, 2, `unexpected "b" after attribute path`},
	{`a.b.c`, 3, "sub-attributes nest only one level"},
	{`name.`, 5, "expected sub-attribute name"},
	{`"x"`, 0, "expected an attribute path, found a string"},
	{`(a)`, 0, `expected an attribute path, found "("`},
	{`a,b`, 1, `unexpected character ','`},
	{`9a`, 0, "must start with a letter"},
}

func TestParseAttrPath(t *testing.T) {
	for _, tc := range attrPathCases {
		got, err := ParseAttrPath(tc.in)
		if err != nil {
			t.Errorf("ParseAttrPath(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseAttrPath(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
		if s := got.String(); s != strings.TrimSpace(tc.in) {
			t.Errorf("ParseAttrPath(%q).String() = %q", tc.in, s)
		}
	}
	checkErrors(t, attrPathErrors, func(s string) (any, error) {
		a, err := ParseAttrPath(s)
		if err == nil {
			return a.String(), nil
		}
		if a != (AttrPath{}) {
			t.Errorf("%q: ParseAttrPath returned %#v with its error", s, a)
		}
		return nil, err
	})
	long := strings.Repeat("a", MaxLength+1)
	_, err := ParseAttrPath(long)
	if se := asSyntaxError(t, long, err); se != nil && se.Offset != MaxLength {
		t.Errorf("ParseAttrPath of %d bytes: offset %d", len(long), se.Offset)
	}
}
