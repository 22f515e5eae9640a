package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// checkFuzzError asserts the properties every error must have.
func checkFuzzError(t *testing.T, in string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %v (%T) is not a *SyntaxError", in, err, err)
	}
	if se.Offset < 0 || se.Offset > len(in) {
		t.Fatalf("%q: offset %d outside the input", in, se.Offset)
	}
	asSyntaxError(t, in, err)
}

// atLimit reports whether err is a length or depth limit error; the
// canonical form can be a little longer or one level deeper than the input
// (Entra's x[f or g].s op v renders as x[(f or g) and s op v]).
func atLimit(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se) && (strings.Contains(se.Msg, "nesting deeper") || strings.Contains(se.Msg, "longer than"))
}

func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add(tc.in)
	}
	for _, tc := range filterErrors {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := Parse(in)
		if err != nil {
			if e != nil {
				t.Fatalf("%q: Parse returned a tree with its error", in)
			}
			checkFuzzError(t, in, err)
			return
		}
		s := e.String()
		e2, err := Parse(s)
		if err != nil {
			if atLimit(err) {
				return
			}
			t.Fatalf("%q: canonical form %q does not parse: %v", in, s, err)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("%q: tree changed through %q:\n%#v\n%#v", in, s, e, e2)
		}
		if s2 := e2.String(); s2 != s {
			t.Fatalf("%q: String() = %q, then %q", in, s, s2)
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.in)
	}
	for _, tc := range pathErrors {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePath(in)
		if err != nil {
			checkFuzzError(t, in, err)
			return
		}
		if p.Filter == nil && p.SubAttr != "" {
			t.Fatalf("%q: SubAttr %q without a filter", in, p.SubAttr)
		}
		if p.Filter != nil && p.Attr.Sub != "" {
			t.Fatalf("%q: value filter after a sub-attribute", in)
		}
		if p.Filter == nil {
			// A plain path is an attrPath.
			a, err := ParseAttrPath(in)
			if err != nil || a != p.Attr {
				t.Fatalf("%q: ParseAttrPath = %#v, %v; ParsePath gave %#v", in, a, err, p.Attr)
			}
		}
		s := p.String()
		p2, err := ParsePath(s)
		if err != nil {
			if atLimit(err) {
				return
			}
			t.Fatalf("%q: canonical form %q does not parse: %v", in, s, err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("%q: path changed through %q:\n%#v\n%#v", in, s, p, p2)
		}
		if s2 := p2.String(); s2 != s {
			t.Fatalf("%q: String() = %q, then %q", in, s, s2)
		}
	})
}

func FuzzParseAttrPath(f *testing.F) {
	for _, tc := range attrPathCases {
		f.Add(tc.in)
	}
	for _, tc := range attrPathErrors {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseAttrPath(in)
		if err != nil {
			checkFuzzError(t, in, err)
			return
		}
		s := a.String()
		if s != strings.Trim(in, " \t\r\n") {
			t.Fatalf("%q: String() = %q, want the input trimmed", in, s)
		}
		if a2, err := ParseAttrPath(s); err != nil || a2 != a {
			t.Fatalf("%q: ParseAttrPath(%q) = %#v, %v", in, s, a2, err)
		}
		// Every attrPath can be tested for presence, bar the three
		// keywords a filter cannot use as names.
		if a.URN == "" && a.Sub == "" {
			switch strings.ToLower(a.Name) {
			case "and", "or", "not":
				return
			}
		}
		e, err := Parse(s + " pr")
		if err != nil || !reflect.DeepEqual(e, &Compare{Path: a, Op: Pr}) {
			t.Fatalf("%q: Parse(%q) = %v, %v", in, s+" pr", e, err)
		}
	})
}
