package patch

import (
	"testing"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// deviceType is a resource type with immutable attributes, which the core
// User and Group schemas lack at the top level.
func deviceType() *schema.ResourceType {
	return &schema.ResourceType{
		ID: "Device", Name: "Device", Endpoint: "/Devices",
		Schema: &schema.Schema{ID: "urn:example:Device", Name: "Device", Attributes: []*schema.Attribute{
			{Name: "serial", Type: schema.String, Required: true, Mutability: schema.ReadWrite},
			{Name: "badge", Type: schema.String, Mutability: schema.Immutable},
			{Name: "account", Type: schema.Complex, Mutability: schema.ReadWrite, SubAttributes: []*schema.Attribute{
				{Name: "number", Type: schema.String, Mutability: schema.Immutable},
				{Name: "note", Type: schema.String, Mutability: schema.ReadWrite},
			}},
			{Name: "readings", Type: schema.Complex, MultiValued: true, Mutability: schema.ReadWrite, SubAttributes: []*schema.Attribute{
				{Name: "value", Type: schema.Integer, Mutability: schema.ReadWrite},
				{Name: "at", Type: schema.DateTime, Mutability: schema.ReadWrite},
				{Name: "code", Type: schema.String, CaseExact: true, Mutability: schema.ReadWrite},
				{Name: "ok", Type: schema.Boolean, Mutability: schema.ReadWrite},
				{Name: "tags", Type: schema.String, MultiValued: true, Mutability: schema.ReadWrite},
			}},
			{Name: "labels", Type: schema.String, MultiValued: true, Mutability: schema.ReadWrite},
		}},
	}
}

func TestImmutable(t *testing.T) {
	rt := deviceType()
	for _, c := range []struct {
		name string
		doc  map[string]any
		op   Operation
		err  bool
	}{
		{"add to an unset immutable attribute", map[string]any{"serial": "s"}, Operation{Op: "add", Path: "badge", Value: "b1"}, false},
		{"replace with the same value", map[string]any{"serial": "s", "badge": "b1"}, Operation{Op: "replace", Path: "badge", Value: "b1"}, false},
		{"replace with another value", map[string]any{"serial": "s", "badge": "b1"}, Operation{Op: "replace", Path: "badge", Value: "b2"}, true},
		{"remove a set immutable attribute", map[string]any{"serial": "s", "badge": "b1"}, Operation{Op: "remove", Path: "badge"}, true},
		{"path-less change", map[string]any{"serial": "s", "badge": "b1"}, Operation{Op: "replace", Value: map[string]any{"badge": "b2"}}, true},
		{"immutable sub-attribute set once", map[string]any{"serial": "s", "account": map[string]any{"note": "n"}}, Operation{Op: "add", Path: "account.number", Value: "1"}, false},
		{"immutable sub-attribute changed", map[string]any{"serial": "s", "account": map[string]any{"number": "1"}}, Operation{Op: "replace", Path: "account", Value: map[string]any{"number": "2"}}, true},
		{"other sub-attribute of the same complex", map[string]any{"serial": "s", "account": map[string]any{"number": "1"}}, Operation{Op: "replace", Path: "account.note", Value: "x"}, false},
		{"required attribute removed", map[string]any{"serial": "s"}, Operation{Op: "remove", Path: "serial"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Apply(rt, c.doc, []Operation{c.op}, Options{})
			if !c.err {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				return
			}
			if e, ok := scimerr.As(err); !ok || e.Type != scimerr.Mutability {
				t.Fatalf("error = %v, want mutability", err)
			}
		})
	}
}

// Typed values in filters and in stored elements.
func TestTypedElements(t *testing.T) {
	rt := deviceType()
	doc := map[string]any{"serial": "s", "labels": []any{"a", "b"}, "readings": []any{
		map[string]any{"value": int64(7), "at": "2019-12-31T23:30:00Z", "code": "ABC", "ok": true},
		map[string]any{"value": int64(3), "code": "abc"},
	}}
	got, _, err := Apply(rt, doc, []Operation{
		{Op: "replace", Path: `readings[value gt 5].ok`, Value: "False"},
		{Op: "remove", Path: `readings[code eq "abc"]`},
		{Op: "add", Path: `readings[value eq 9]`, Value: map[string]any{"at": "2020-01-01T01:00:00+01:00"}},
		{Op: "remove", Path: `labels[value eq "A"]`},
		{Op: "add", Path: "labels", Value: []any{"b", "c"}},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, "document", got, `{"schemas":["urn:example:Device"],"serial":"s","labels":["b","c"],"readings":[
	 {"value":7,"at":"2019-12-31T23:30:00Z","code":"ABC","ok":false},
	 {"value":9,"at":"2020-01-01T00:00:00Z"}]}`)
}
