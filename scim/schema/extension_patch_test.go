package schema_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/patch"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// TestExtensionPatch runs the PATCH engine (RFC 7644 §3.5.2) over an
// organization's extension, with the path forms Entra and Okta send for
// custom attributes (idp-traffic Q3, Q5).
func TestExtensionPatch(t *testing.T) {
	const urn = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
	ext, err := schema.ParseExtensionDefinition([]byte(`{"id":"` + urn + `","attributes":[
		{"name":"tag"},
		{"name":"badges","multiValued":true},
		{"name":"level","type":"integer"},
		{"name":"costCenter","type":"complex","subAttributes":[{"name":"code","caseExact":true},{"name":"name"}]},
		{"name":"employeeId","required":true,"mutability":"immutable"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	rt := schema.NewUserType().Extend(ext)
	const core = `"userName":"a"`
	const with = `"schemas":["` + schema.UserURN + `","` + urn + `"]`
	const without = `"schemas":["` + schema.UserURN + `"]`
	stored := `{` + core + `,"` + urn + `":{"employeeId":"E1","tag":"x","badges":["gold","silver"],"level":2}}`
	tests := []struct {
		name, doc, ops, want string
		err                  string
	}{
		{"add by URN path creates the extension", `{` + core + `}`,
			`{"op":"add","path":"` + urn + `:tag","value":"new"}`,
			`{` + with + `,` + core + `,"` + urn + `":{"tag":"new"}}`, ""},
		{"Entra capitalised Replace, URN in another case", stored,
			`{"op":"Replace","path":"` + strings.ToLower(urn) + `:TAG","value":"y"}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E1","tag":"y","badges":["gold","silver"],"level":2}}`, ""},
		{"integer coerced", stored, `{"op":"replace","path":"` + urn + `:level","value":"5"}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E1","tag":"x","badges":["gold","silver"],"level":5}}`, ""},
		{"add to a multi-valued one appends", stored, `{"op":"add","path":"` + urn + `:badges","value":["bronze"]}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E1","tag":"x","badges":["gold","silver","bronze"],"level":2}}`, ""},
		{"remove by value filter", stored, `{"op":"remove","path":"` + urn + `:badges[value eq \"gold\"]"}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E1","tag":"x","badges":["silver"],"level":2}}`, ""},
		{"sub-attribute path", stored, `{"op":"replace","path":"` + urn + `:costCenter.code","value":"C9"}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E1","tag":"x","badges":["gold","silver"],"level":2,"costCenter":{"code":"C9"}}}`, ""},
		{"path-less value with a URN-qualified key (Q3)", stored, `{"op":"replace","value":{"` + urn + `:tag":"z","userName":"b"}}`,
			`{` + with + `,"userName":"b","` + urn + `":{"employeeId":"E1","tag":"z","badges":["gold","silver"],"level":2}}`, ""},
		{"path-less value with the extension object", stored, `{"op":"replace","value":{"` + urn + `":{"level":9}}}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E1","tag":"x","badges":["gold","silver"],"level":9}}`, ""},
		{"whole-extension path", `{` + core + `}`, `{"op":"add","path":"` + urn + `","value":{"employeeId":"E7","Tag":"t"}}`,
			`{` + with + `,` + core + `,"` + urn + `":{"employeeId":"E7","tag":"t"}}`, ""},
		{"remove the last values drops the URN from schemas", `{` + core + `,"` + urn + `":{"tag":"x"}}`,
			`{"op":"remove","path":"` + urn + `:tag"}`, `{` + without + `,` + core + `}`, ""},
		{"wrong type", stored, `{"op":"replace","path":"` + urn + `:level","value":"high"}`, "", "invalidValue"},
		{"required cannot be removed", stored, `{"op":"remove","path":"` + urn + `:employeeId"}`, "", "mutability"},
		{"immutable cannot change", stored, `{"op":"replace","path":"` + urn + `:employeeId","value":"E2"}`, "", "mutability"},
		{"extension holding a required value cannot be removed", stored, `{"op":"remove","path":"` + urn + `"}`, "", "mutability"},
		{"unknown attribute of the extension", stored, `{"op":"add","path":"` + urn + `:nope","value":"x"}`, "", "invalidPath"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := patch.Decode(strings.NewReader(`{"schemas":["` + schema.PatchOpURN + `"],"Operations":[` + tt.ops + `]}`))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, _, err := patch.Apply(rt, decodeDoc(t, tt.doc), req.Operations, patch.Options{ID: "u1"})
			if tt.err != "" {
				if e, ok := scimerr.As(err); !ok || e.Type != tt.err || e.Status != 400 {
					t.Fatalf("Apply = %v, %v; want 400 %s", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if g, w := canonical(t, got), canonical(t, decodeDoc(t, tt.want)); g != w {
				t.Errorf("Apply:\n got  %s\n want %s", g, w)
			}
		})
	}

	// Another organization's type (without the extension) refuses the path.
	req, _ := patch.Decode(strings.NewReader(`{"Operations":[{"op":"add","path":"` + urn + `:tag","value":"x"}]}`))
	if _, _, err := patch.Apply(schema.NewUserType(), decodeDoc(t, `{`+core+`}`), req.Operations, patch.Options{ID: "u1"}); err == nil {
		t.Error("the core type accepted a path into an organization's extension")
	} else if e, _ := scimerr.As(err); e == nil || e.Type != "invalidPath" {
		t.Errorf("core type: %v; want invalidPath", err)
	}
}

func decodeDoc(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// canonical renders v as JSON with sorted keys and numbers as written.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(x)
	return string(out)
}
