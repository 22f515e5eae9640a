package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// acmeURN is the custom extension the extension tests use, in the form
// Entra and Okta document for custom attributes.
const acmeURN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

// acmeDef declares one attribute of every kind the tests need.
const acmeDef = `{
 "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
 "id": "` + acmeURN + `",
 "name": "AcmeUser",
 "description": "Acme's custom user attributes",
 "attributes": [
  {"name": "tag", "type": "string", "description": "A free-form tag."},
  {"name": "badges", "type": "string", "multiValued": true, "canonicalValues": ["gold", "silver"]},
  {"name": "level", "type": "integer"},
  {"name": "hireDate", "type": "dateTime"},
  {"name": "costCenter", "type": "complex", "subAttributes": [
    {"name": "code", "type": "string", "caseExact": true},
    {"name": "name"}
  ]},
  {"name": "employeeId", "required": true, "mutability": "immutable"},
  {"name": "note", "returned": "request"},
  {"name": "secretScore", "type": "decimal", "returned": "never"},
  {"name": "active", "type": "boolean"}
 ],
 "meta": {"resourceType": "Schema", "location": "https://h/scim/v2/Schemas/x"}
}`

func mustParse(t *testing.T, def string) Extension {
	t.Helper()
	e, err := ParseExtensionDefinition([]byte(def))
	if err != nil {
		t.Fatalf("ParseExtensionDefinition: %v", err)
	}
	return e
}

func TestParseExtension(t *testing.T) {
	e := mustParse(t, acmeDef)
	s := e.Schema
	if e.Required || s.ID != acmeURN || s.Name != "AcmeUser" || s.Description != "Acme's custom user attributes" {
		t.Fatalf("schema = %+v required=%v", s, e.Required)
	}
	var names []string
	for _, a := range s.Attributes {
		names = append(names, a.Name)
	}
	want := []string{"tag", "badges", "level", "hireDate", "costCenter", "employeeId", "note", "secretScore", "active"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("attributes %v, want %v in order", names, want)
	}
	// RFC 7643 §2.2 defaults.
	tag := s.Attr("TAG")
	wantTag := &Attribute{Name: "tag", Type: String, Description: "A free-form tag.", Mutability: ReadWrite, Returned: Default, Uniqueness: None}
	if !reflect.DeepEqual(tag, wantTag) {
		t.Errorf("tag = %+v\nwant %+v", tag, wantTag)
	}
	cc := s.Attr("costCenter")
	name := cc.Sub("name")
	if cc.Type != Complex || len(cc.SubAttributes) != 2 || !cc.Sub("code").CaseExact ||
		name.Type != String || name.CaseExact || name.Description != "name" || name.Mutability != ReadWrite {
		t.Errorf("costCenter = %+v, name = %+v", cc, name)
	}
	if b := s.Attr("badges"); !b.MultiValued || !reflect.DeepEqual(b.CanonicalValues, []string{"gold", "silver"}) {
		t.Errorf("badges = %+v", b)
	}
	if a := s.Attr("employeeId"); !a.Required || a.Mutability != Immutable {
		t.Errorf("employeeId = %+v", a)
	}
	if s.Attr("note").Returned != Request || s.Attr("secretScore").Returned != Never || s.Attr("level").Type != Integer {
		t.Error("returned / type characteristics not read")
	}

	// Minimal form, lenient key and keyword case, top-level required.
	m := mustParse(t, `{"ID":"urn:example:ext:Group","Required":true,"attributes":[
		{"Name":"room","TYPE":"Integer","Mutability":"READONLY","returned":"ALWAYS","uniqueness":"None"},
		{"name":"homePage","type":"reference","referenceTypes":["EXTERNAL","uri"]}]}`)
	room := m.Schema.Attr("room")
	if !m.Required || m.Schema.Name != "urn:example:ext:Group" || m.Schema.Description != m.Schema.Name ||
		room.Type != Integer || room.Mutability != ReadOnly || room.Returned != Always || room.Uniqueness != None {
		t.Errorf("minimal = %+v required=%v, room = %+v", m.Schema, m.Required, room)
	}
	if rt := m.Schema.Attr("homePage").ReferenceTypes; !reflect.DeepEqual(rt, []string{"external", "uri"}) {
		t.Errorf("referenceTypes = %v, want canonical spellings", rt)
	}
	if s, err := ParseExtension([]byte(acmeDef)); err != nil || s.ID != acmeURN {
		t.Errorf("ParseExtension = %v, %v", s, err)
	}
}

func TestParseExtensionRejects(t *testing.T) {
	attr := func(a string) string { return `{"id":"urn:example:x:User","attributes":[` + a + `]}` }
	tests := []struct {
		name, def string
		want      []string // substrings, one problem each
	}{
		{"not JSON", `{"id":`, []string{"not valid JSON"}},
		{"not an object", `[1]`, []string{"must be a JSON object"}},
		{"trailing data", `{"id":"urn:example:x:User","attributes":[{"name":"a"}]} {}`, []string{"data after"}},
		{"no id, no attributes", `{}`, []string{"id is required", "attributes is required"}},
		{"empty attributes", `{"id":"urn:example:x:User","attributes":[]}`, []string{"attributes is empty"}},
		{"unknown top-level key", `{"id":"urn:example:x:User","attributes":[{"name":"a"}],"resourceType":"User"}`, []string{`unknown key "resourceType"`}},
		{"duplicate key by case", `{"id":"urn:example:x:User","ID":"urn:example:y:User","attributes":[{"name":"a"}]}`, []string{`"id" twice`}},
		{"schemas without the Schema URN", `{"schemas":["urn:x"],"id":"urn:example:x:User","attributes":[{"name":"a"}]}`, []string{"schemas, when given"}},
		{"required not boolean", `{"id":"urn:example:x:User","required":"yes","attributes":[{"name":"a"}]}`, []string{"required must be true or false"}},
		{"id not a URN", `{"id":"https://example.com/x","attributes":[{"name":"a"}]}`, []string{"must be a URN"}},
		{"id with an empty segment", `{"id":"urn:example::User","attributes":[{"name":"a"}]}`, []string{"empty segment"}},
		{"id with a space", `{"id":"urn:example:my ext:User","attributes":[{"name":"a"}]}`, []string{"outside letters"}},
		{"id ending in a version", `{"id":"urn:okta:custom:1.0","attributes":[{"name":"a"}]}`, []string{"must end with a name"}},
		{"core URN", `{"id":"urn:ietf:params:scim:schemas:core:2.0:User","attributes":[{"name":"a"}]}`, []string{"built-in schema"}},
		{"team URN", `{"id":"` + TeamURN + `","attributes":[{"name":"a"}]}`, []string{"built-in schema"}},
		{"scimd namespace", `{"id":"urn:scimd:custom:Group","attributes":[{"name":"a"}]}`, []string{"reserved namespace"}},
		{"enterprise URN, other case", `{"id":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER","attributes":[{"name":"a"}]}`, []string{"built-in schema"}},
		{"below the enterprise URN", `{"id":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:more","attributes":[{"name":"a"}]}`, []string{"built-in schema"}},
		{"reserved core namespace", `{"id":"urn:ietf:params:scim:schemas:core:2.0:Device","attributes":[{"name":"a"}]}`, []string{"reserved namespace"}},
		{"reserved api namespace", `{"id":"urn:ietf:params:scim:api:messages:2.0:Custom","attributes":[{"name":"a"}]}`, []string{"reserved namespace"}},
		{"attribute not an object", attr(`"tag"`), []string{"attributes[0] must be an attribute definition object"}},
		{"no name", attr(`{"type":"string"}`), []string{"attributes[0].name is required"}},
		{"bad name", attr(`{"name":"2fa"}`), []string{`name "2fa" is not a valid attribute name`}},
		{"dotted name", attr(`{"name":"a.b"}`), []string{`name "a.b" is not a valid`}},
		{"$ref at the top level", attr(`{"name":"$ref","type":"reference"}`), []string{`name "$ref" is not a valid`}},
		{"unknown attribute key", attr(`{"name":"a","multivalue":true}`), []string{`unknown key "multivalue"`}},
		{"unknown type", attr(`{"name":"a","type":"int"}`), []string{`attribute "a" type "int" is not one of string, boolean`}},
		{"type not a string", attr(`{"name":"a","type":7}`), []string{`attribute "a" type must be a string`}},
		{"multiValued not boolean", attr(`{"name":"a","multiValued":"true"}`), []string{"multiValued must be true or false"}},
		{"unknown mutability", attr(`{"name":"a","mutability":"sometimes"}`), []string{`mutability "sometimes" is not one of`}},
		{"unknown returned", attr(`{"name":"a","returned":"maybe"}`), []string{`returned "maybe" is not one of`}},
		{"unknown uniqueness", attr(`{"name":"a","uniqueness":"tenant"}`), []string{`uniqueness "tenant" is not one of`}},
		{"uniqueness server", attr(`{"name":"a","uniqueness":"server"}`), []string{`uniqueness "server" is not supported`}},
		{"uniqueness global", attr(`{"name":"a","uniqueness":"global"}`), []string{`uniqueness "global" is not supported`}},
		{"writeOnly", attr(`{"name":"a","mutability":"writeOnly","returned":"never"}`), []string{"writeOnly is not supported"}},
		{"required readOnly", attr(`{"name":"a","required":true,"mutability":"readOnly"}`), []string{"required and readOnly"}},
		{"canonicalValues on an integer", attr(`{"name":"a","type":"integer","canonicalValues":["1"]}`), []string{"canonicalValues apply to strings only"}},
		{"canonicalValues not strings", attr(`{"name":"a","canonicalValues":[1,""]}`), []string{"non-empty strings, not 1", `non-empty strings, not ""`}},
		{"canonicalValues twice", attr(`{"name":"a","canonicalValues":["x","x"]}`), []string{`lists "x" twice`}},
		{"referenceTypes on a string", attr(`{"name":"a","referenceTypes":["User"]}`), []string{"referenceTypes apply to references only"}},
		{"unknown referenceType", attr(`{"name":"a","type":"reference","referenceTypes":["Device"]}`), []string{`referenceTypes "Device" is not one of`}},
		{"subAttributes on a string", attr(`{"name":"a","subAttributes":[{"name":"b"}]}`), []string{"only complex attributes have sub-attributes"}},
		{"complex without subAttributes", attr(`{"name":"a","type":"complex"}`), []string{"it needs subAttributes"}},
		{"complex with empty subAttributes", attr(`{"name":"a","type":"complex","subAttributes":[]}`), []string{"it needs subAttributes"}},
		{"nested complex", attr(`{"name":"a","type":"complex","subAttributes":[{"name":"b","type":"complex","subAttributes":[{"name":"c"}]}]}`),
			[]string{`attribute "a.b": a sub-attribute cannot be complex`}},
		{"multi-valued sub-attribute", attr(`{"name":"a","type":"complex","subAttributes":[{"name":"b","multiValued":true}]}`),
			[]string{`attribute "a.b": scimd does not support multi-valued sub-attributes`}},
		{"$ref not a reference", attr(`{"name":"a","type":"complex","subAttributes":[{"name":"$ref"}]}`), []string{`attribute "a.$ref" must be of type reference`}},
		{"duplicate names by case", attr(`{"name":"tag"},{"name":"Tag"}`), []string{`attribute "Tag" is defined twice`}},
		{"duplicate sub-attribute", attr(`{"name":"a","type":"complex","subAttributes":[{"name":"b"},{"name":"B"}]}`), []string{`attribute "a.B" is defined twice`}},
		{"too large", `{"id":"urn:example:x:User","description":"` + strings.Repeat("x", MaxExtensionBytes) + `"}`, []string{"at most"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseExtension([]byte(tt.def))
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("ParseExtension = %v, %v; want a *DefinitionError", s, err)
			}
			if s != nil {
				t.Errorf("a schema came back with the error: %+v", s)
			}
			if len(de.Problems) != len(tt.want) {
				t.Errorf("problems %q; want %d", de.Problems, len(tt.want))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestParseExtensionListsEveryProblem: one pass reports all of them.
func TestParseExtensionListsEveryProblem(t *testing.T) {
	_, err := ParseExtension([]byte(`{"id":"urn:ietf:params:scim:schemas:core:2.0:User","bogus":1,"attributes":[
		{"name":"ok"},
		{"name":"level","type":"number"},
		{"name":"code","uniqueness":"server","canonicalValues":"A"},
		{"name":"cc","type":"complex","subAttributes":[{"name":"x","type":"complex","subAttributes":[{"name":"y"}]},{"name":"X"}]},
		{"name":"OK"}]}`))
	var de *DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`unknown key "bogus"`,
		"built-in schema",
		`attribute "level" type "number"`,
		`attribute "code" canonicalValues must be a list`,
		`attribute "code": uniqueness "server"`,
		`attribute "cc.x": a sub-attribute cannot be complex`,
		`attribute "cc.X" is defined twice`,
		`attribute "OK" is defined twice`,
	}
	if len(de.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(de.Problems), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%s", w, err)
		}
	}
	if de.URN != UserURN || !strings.HasPrefix(err.Error(), "invalid schema extension "+UserURN+":\n  ") {
		t.Errorf("error header: %q", err)
	}
}

func TestURNsOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"urn:x:a", "urn:x:a", true},
		{"urn:x:a", "URN:X:A", true},
		{"urn:x:a", "urn:x:a:b", true},
		{"urn:x:a:b", "URN:X:A", true},
		{"urn:x:a", "urn:x:ab", false},
		{"urn:x:a", "urn:x:b", false},
		{"urn:x:a.b", "urn:x:a", false},
	}
	for _, tt := range tests {
		if got := URNsOverlap(tt.a, tt.b); got != tt.want {
			t.Errorf("URNsOverlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestWithExtensions: the shared resource type is never modified, and two
// organizations' types built from it do not share extensions.
func TestWithExtensions(t *testing.T) {
	base := NewUserType()
	acme := mustParse(t, acmeDef).Schema
	other := mustParse(t, `{"id":"urn:example:other:User","attributes":[{"name":"tag"}]}`).Schema

	a := base.WithExtensions(acme)
	b := base.WithExtensions(other)
	if len(base.Extensions) != 1 || base.Extensions[0].Schema.ID != EnterpriseUserURN {
		t.Fatalf("base type changed: %+v", base.Extensions)
	}
	if len(a.Extensions) != 2 || a.Extensions[1].Schema != acme || a.Extensions[1].Required {
		t.Errorf("a.Extensions = %+v", a.Extensions)
	}
	if len(b.Extensions) != 2 || b.Extensions[1].Schema != other {
		t.Errorf("b.Extensions = %+v; a's extension leaked?", b.Extensions)
	}
	if a.Schema != base.Schema || a.ID != "User" || a.Endpoint != "/Users" {
		t.Errorf("core schema or identity not kept: %+v", a)
	}
	if _, err := a.ResolveName(acmeURN + ":tag"); err != nil {
		t.Errorf("a resolves its extension: %v", err)
	}
	if _, err := base.ResolveName(acmeURN + ":tag"); err == nil {
		t.Error("the base type resolves an organization's extension")
	}

	// Required extensions, and overlapping URNs skipped.
	req := base.Extend(Extension{Schema: other, Required: true},
		Extension{Schema: &Schema{ID: "URN:EXAMPLE:OTHER:USER"}},
		Extension{Schema: &Schema{ID: "urn:example:other:User:sub"}},
		Extension{Schema: &Schema{ID: EnterpriseUserURN}},
		Extension{})
	if len(req.Extensions) != 2 || !req.Extensions[1].Required {
		t.Errorf("Extend = %+v; want enterprise and other (required), the rest skipped", req.Extensions)
	}
}
