package filter

import (
	"reflect"
	"testing"
)

// TestStringHandBuilt renders trees that Parse would not produce from
// canonical text, checking the parentheses and value forms, and that the
// result parses back to the same tree where it can.
func TestStringHandBuilt(t *testing.T) {
	x, y, z := pr3("x", "y", "z")
	for _, tc := range []struct {
		e         Expr
		want      string
		roundTrip bool
	}{
		{and(x, and(y, z)), `x pr and (y pr and z pr)`, true},
		{and(and(x, y), z), `x pr and y pr and z pr`, true},
		{or(x, or(y, z)), `x pr or (y pr or z pr)`, true},
		{or(and(x, y), z), `x pr and y pr or z pr`, true},
		{or(x, and(y, z)), `x pr or y pr and z pr`, true},
		{and(or(x, y), or(y, z)), `(x pr or y pr) and (y pr or z pr)`, true},
		{and(x, or(y, z)), `x pr and (y pr or z pr)`, true},
		{not(and(x, y)), `not (x pr and y pr)`, true},
		{not(not(x)), `not (not (x pr))`, true},
		{and(not(or(x, y)), z), `not (x pr or y pr) and z pr`, true},
		{vp(at("e"), or(and(x, y), z)), `e[x pr and y pr or z pr]`, true},
		{vp(at("e"), and(or(x, y), z)), `e[(x pr or y pr) and z pr]`, true},
		{and(vp(at("e"), x), vp(at("f"), or(y, z))), `e[x pr] and f[y pr or z pr]`, true},
		{cmp(urn(entUser, "manager", "value"), Eq, "m"), entUser + `:manager.value eq "m"`, true},

		// Values.
		{cmp(at("v"), Eq, "q\"b\\s/\b\f\n\r\t\x00\x1f\x7fé"), `v eq "q\"b\\s/\b\f\n\r\t\u0000\u001f` + "\x7fé\"", true},
		{cmp(at("v"), Eq, "a\xffb"), `v eq "a\ufffdb"`, false},
		{cmp(at("v"), Eq, 5), `v eq 5`, false},
		{cmp(at("v"), Eq, 1.5), `v eq 1.5`, false},
		{cmp(at("v"), Eq, []int{1}), `v eq [1]`, false},
		{cmp(at("v"), Eq, complex(1, 2)), `v eq "(1+2i)"`, false}, // not JSON: quoted
		{cmp(at("v"), Eq, false), `v eq false`, true},
		{cmp(at("v"), Ne, nil), `v ne null`, true},
		{cmp(at("v"), Gt, num("-2.5E-3")), `v gt -2.5E-3`, true},

		// Leniency towards hand-built oddities.
		{&Compare{Path: at("v"), Op: Pr, Value: "ignored"}, `v pr`, false},
		{&Compare{Path: at("v"), Op: "EQ", Value: "x"}, `v eq "x"`, false},
		{and(nil, x), `<nil> and x pr`, false},
		{(*And)(nil), `<nil>`, false},
		{(*Or)(nil), `<nil>`, false},
		{(*Not)(nil), `<nil>`, false},
		{(*Compare)(nil), `<nil>`, false},
		{(*ValuePath)(nil), `<nil>`, false},
		{not(nil), `not (<nil>)`, false},
	} {
		got := tc.e.String()
		if got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
			continue
		}
		if !tc.roundTrip {
			continue
		}
		back, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(%q): %v", got, err)
			continue
		}
		if !reflect.DeepEqual(back, tc.e) {
			t.Errorf("Parse(%q) = %#v, want %#v", got, back, tc.e)
		}
	}
}

func TestPathString(t *testing.T) {
	for _, tc := range []struct {
		p    Path
		want string
	}{
		{Path{Attr: at("userName")}, `userName`},
		{Path{Attr: urn(entUser, "manager", "value")}, entUser + `:manager.value`},
		{Path{Attr: at("emails"), Filter: cmp(at("type"), Eq, "work")}, `emails[type eq "work"]`},
		{Path{Attr: at("emails"), Filter: or(cmp(at("type"), Eq, "work"), pr(at("primary"))), SubAttr: "value"}, `emails[type eq "work" or primary pr].value`},
		{Path{Attr: at("emails"), SubAttr: "ignored"}, `emails`},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}
