package patch

import (
	"testing"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
)

func TestMatch(t *testing.T) {
	user, device := schema.NewUserType(), deviceType()
	emails, err := user.Resolve(filter.AttrPath{Name: "emails"})
	if err != nil {
		t.Fatal(err)
	}
	readings, err := device.Resolve(filter.AttrPath{Name: "readings"})
	if err != nil {
		t.Fatal(err)
	}
	type mc struct {
		f    string
		elem string
		want bool
	}
	check := func(rt *schema.ResourceType, attr schema.Resolved, cases []mc) {
		t.Helper()
		for _, c := range cases {
			f, err := filter.Parse(c.f)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.f, err)
			}
			elem := decodeJSON(t, c.elem).(map[string]any)
			if got := Match(rt, attr, f, elem); got != c.want {
				t.Errorf("Match(%s, %s) = %v, want %v", c.f, c.elem, got, c.want)
			}
		}
	}
	check(user, emails, []mc{
		{`type eq "WORK"`, `{"type":"work"}`, true},                // caseExact false
		{`Type Eq "work"`, `{"TYPE":"work"}`, true},                // names in any case
		{`value eq "a@x"`, `{"value":"A@X"}`, true},                //
		{`primary eq true`, `{"primary":"True"}`, true},            // string boolean on the element side (Q2)
		{`primary eq "true"`, `{"primary":true}`, true},            // and on the filter side
		{`primary eq false`, `{"primary":true}`, false},            //
		{`primary ne true`, `{}`, true},                            // ne on an absent value
		{`primary eq true`, `{}`, false},                           //
		{`primary gt true`, `{"primary":true}`, false},             // ordering does not apply to booleans
		{`display pr`, `{"display":""}`, false},                    //
		{`display pr`, `{"display":"d"}`, true},                    //
		{`display eq null`, `{}`, true},                            //
		{`display ne null`, `{"display":"d"}`, true},               //
		{`value co "@EXAMPLE"`, `{"value":"a@example.com"}`, true}, //
		{`value sw "a@"`, `{"value":"A@example.com"}`, true},       //
		{`value ew ".org"`, `{"value":"a@example.com"}`, false},    //
		{`value gt "b"`, `{"value":"C"}`, true},                    //
		{`not (type eq "work")`, `{"type":"work"}`, false},         //
		{`type eq "home" or type eq "work"`, `{"type":"work"}`, true},
		{`type eq "work" and primary eq true`, `{"type":"work","primary":false}`, false},
		{`type eq "work"`, `{"type":["home","work"]}`, true}, // any value of a list
		{`type eq "work"`, `{"type":{"x":1}}`, false},        // nonsense never panics
		{`nosuch eq "x"`, `{"nosuch":"X"}`, true},            // unknown: case-insensitive text
	})
	check(device, readings, []mc{
		{`value gt 5`, `{"value":7}`, true},
		{`value ge 7.0`, `{"value":7}`, true},
		{`value lt 5`, `{"value":"3"}`, true}, // number written as a string
		{`value eq 7`, `{"value":"seven"}`, false},
		{`at lt "2020-01-01T01:00:00+01:00"`, `{"at":"2019-12-31T23:30:00Z"}`, true}, // instants, not text
		{`at eq "2020-01-01T00:00:00Z"`, `{"at":"2020-01-01T01:00:00+01:00"}`, true},
		{`at gt "not a date"`, `{"at":"2020-01-01T00:00:00Z"}`, false},
		{`code eq "abc"`, `{"code":"ABC"}`, false}, // caseExact true
		{`code eq "ABC"`, `{"code":"ABC"}`, true},
		{`tags eq "x"`, `{"tags":["a","x"]}`, true},
		{`ok eq true`, `{"ok":"TRUE"}`, true},
	})
	if !Match(user, emails, nil, map[string]any{}) {
		t.Error("a nil filter must match")
	}
}
