package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/store"
)

// These tests put an organization's extension (acmeDef) through
// everything the core schemas go through: Normalize, NormalizeValue,
// Resolve, Compile, SortAttr, Projection, Replace and the discovery
// documents.

func acmeUsers(t *testing.T) *ResourceType {
	t.Helper()
	return NewUserType().Extend(mustParse(t, acmeDef))
}

func TestExtensionNormalize(t *testing.T) {
	rt := acmeUsers(t)
	tests := []struct {
		name, in, want string
		err            string // scimType, "" for success
		mention        string
	}{
		{"nested object, keys in any case, values coerced",
			`{"userName":"a","` + acmeURN + `":{"TAG":"x","badges":"gold","level":"7","hireDate":"2024-01-02T03:04:05+02:00",
			  "CostCenter":{"Code":"C1","name":"Ops"},"employeeId":"E1","unknown":1,"secretScore":2.5,"active":"False"}}`,
			`{"schemas":["` + UserURN + `","` + acmeURN + `"],"userName":"a","` + acmeURN + `":{"tag":"x","badges":["gold"],"level":7,
			  "hireDate":"2024-01-02T01:04:05Z","costCenter":{"code":"C1","name":"Ops"},"employeeId":"E1","secretScore":2.5,"active":false}}`, "", ""},
		{"URN-qualified and unqualified keys; core wins unqualified",
			`{"userName":"a","active":true,"` + strings.ToUpper(acmeURN) + `:tag":"y","level":3,"` + acmeURN + `:employeeId":"E",
			  "` + acmeURN + `:active":"True","` + acmeURN + `:costCenter.code":"C2"}`,
			`{"schemas":["` + UserURN + `","` + acmeURN + `"],"userName":"a","active":true,
			  "` + acmeURN + `":{"tag":"y","level":3,"employeeId":"E","active":true,"costCenter":{"code":"C2"}}}`, "", ""},
		{"extension not used: optional", `{"userName":"a","` + acmeURN + `":{}}`, `{"schemas":["` + UserURN + `"],"userName":"a"}`, "", ""},
		{"multi-valued list, empties dropped", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","badges":["gold","","silver"]}}`,
			`{"schemas":["` + UserURN + `","` + acmeURN + `"],"userName":"a","` + acmeURN + `":{"employeeId":"E","badges":["gold","silver"]}}`, "", ""},
		{"wrong integer", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","level":"seven"}}`, "", "invalidValue", "level"},
		{"fractional integer", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","level":1.5}}`, "", "invalidValue", "level"},
		{"wrong dateTime", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","hireDate":"yesterday"}}`, "", "invalidValue", "hireDate"},
		{"wrong boolean", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","active":"maybe"}}`, "", "invalidValue", "active"},
		{"list of lists", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","badges":[["x"]]}}`, "", "invalidValue", "badges"},
		{"complex as a string", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","costCenter":"C1"}}`, "", "invalidValue", "costCenter"},
		{"two values for a single-valued one", `{"userName":"a","` + acmeURN + `":{"employeeId":"E","tag":["a","b"]}}`, "", "invalidValue", "tag"},
		{"extension not an object", `{"userName":"a","` + acmeURN + `":"x"}`, "", "invalidValue", acmeURN},
		{"required attribute missing", `{"userName":"a","` + acmeURN + `":{"tag":"x"}}`, "", "invalidValue", acmeURN + ":employeeId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rt.Normalize(decode(t, tt.in))
			if typ, status := errType(t, err); typ != tt.err || (tt.err != "" && status != 400) {
				t.Fatalf("Normalize = %v, %v; want %q", got, err, tt.err)
			}
			if tt.err != "" {
				if !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("error %q does not name %q", err, tt.mention)
				}
				return
			}
			if g, w := canon(t, got), canonJSON(t, tt.want); g != w {
				t.Errorf("Normalize:\n got  %s\n want %s", g, w)
			}
			again, err := rt.Normalize(got)
			if err != nil || canon(t, again) != canon(t, got) {
				t.Errorf("not idempotent: %s, %v", canon(t, again), err)
			}
		})
	}

	// A required extension must be present.
	req := NewUserType().Extend(Extension{Schema: mustParse(t, acmeDef).Schema, Required: true})
	_, err := req.Normalize(decode(t, `{"userName":"a"}`))
	if typ, _ := errType(t, err); typ != "invalidValue" || !strings.Contains(err.Error(), "extension \""+acmeURN+"\" is required") {
		t.Errorf("required extension missing: %v", err)
	}
	if _, err := req.Normalize(decode(t, `{"userName":"a","`+acmeURN+`":{"employeeId":"E"}}`)); err != nil {
		t.Errorf("required extension present: %v", err)
	}
	// Another organization's type ignores the attributes (unknown, RFC 7644 §3.3).
	plain, err := NewUserType().Normalize(decode(t, `{"userName":"a","`+acmeURN+`":{"tag":"x"}}`))
	if err != nil || canon(t, plain) != canonJSON(t, `{"schemas":["`+UserURN+`"],"userName":"a"}`) {
		t.Errorf("core type kept an unknown extension: %s, %v", canon(t, plain), err)
	}
}

func TestExtensionResolveAndNormalizeValue(t *testing.T) {
	rt := acmeUsers(t)
	r, err := rt.ResolveName(strings.ToLower(acmeURN) + ":CostCenter.CODE")
	if err != nil || !r.Extension() || !reflect.DeepEqual(r.Keys(), []string{acmeURN, "costCenter", "code"}) ||
		r.String() != acmeURN+":costCenter.code" || r.Def().Name != "code" {
		t.Fatalf("ResolveName = %+v (%v), %v", r.Keys(), r.String(), err)
	}
	whole, err := rt.Resolve(filter.AttrPath{URN: "urn:ietf:params:scim:schemas:extension:acme:2.0", Name: "user"})
	if err != nil || whole.Attr != nil || !reflect.DeepEqual(whole.Keys(), []string{acmeURN}) {
		t.Errorf("whole extension = %v, %v", whole.Keys(), err)
	}
	if r, err := rt.ResolveName("hiredate"); err != nil || !reflect.DeepEqual(r.Keys(), []string{acmeURN, "hireDate"}) {
		t.Errorf("unqualified extension attribute = %v, %v", r.Keys(), err)
	}
	if _, err := rt.ResolveName(acmeURN + ":nope"); err == nil {
		t.Error("unknown extension attribute resolved")
	}

	level, _ := rt.ResolveName("level")
	if v, err := rt.NormalizeValue(level, json.Number("5"), false); err != nil || v != int64(5) {
		t.Errorf("NormalizeValue(level, 5) = %#v, %v", v, err)
	}
	badges, _ := rt.ResolveName("badges")
	if v, err := rt.NormalizeValue(badges, "gold", true); err != nil || v != "gold" {
		t.Errorf("NormalizeValue(badges element) = %#v, %v", v, err)
	}
	if v, err := rt.NormalizeValue(badges, "gold", false); err != nil || !reflect.DeepEqual(v, []any{"gold"}) {
		t.Errorf("NormalizeValue(badges) = %#v, %v", v, err)
	}
	if _, err := rt.NormalizeValue(level, "high", false); err == nil {
		t.Error("NormalizeValue(level, high) succeeded")
	}
	v, err := rt.NormalizeValue(whole, decode(t, `{"Level":"2","nope":1}`), false)
	if err != nil || canon(t, v) != `{"level":2}` {
		t.Errorf("NormalizeValue(whole extension) = %s, %v", canon(t, v), err)
	}
}

func TestExtensionCompile(t *testing.T) {
	rt := acmeUsers(t)
	integer, dt := store.TypeInteger, store.TypeDateTime
	tests := []struct {
		filter string
		want   store.Expr // nil: want 400 invalidFilter
	}{
		{`` + acmeURN + `:tag eq "x"`, cmp(path(str, false, acmeURN, "tag"), store.OpEq, "x")},
		{`TAG eq "x"`, cmp(path(str, false, acmeURN, "tag"), store.OpEq, "x")},
		{`tag co "x" and not (tag sw "y")`, store.And{L: cmp(path(str, false, acmeURN, "tag"), store.OpCo, "x"),
			R: store.Not{X: cmp(path(str, false, acmeURN, "tag"), store.OpSw, "y")}}},
		{`badges eq "gold"`, store.Any{Path: []string{acmeURN, "badges"}, Cond: cmp(path(str, false), store.OpEq, "gold")}},
		{acmeURN + `:badges[value sw "g"]`, store.Any{Path: []string{acmeURN, "badges"}, Cond: cmp(path(str, false), store.OpSw, "g")}},
		{`level gt 3`, cmp(path(integer, false, acmeURN, "level"), store.OpGt, int64(3))},
		{`hireDate ge "2024-01-01T01:00:00+01:00"`, cmp(path(dt, false, acmeURN, "hireDate"), store.OpGe, "2024-01-01T00:00:00Z")},
		{acmeURN + `:costCenter.code eq "C1"`, cmp(path(str, true, acmeURN, "costCenter", "code"), store.OpEq, "C1")},
		// Unqualified names resolve in the core schema, then the
		// extensions in order: the enterprise costCenter comes first.
		{`costCenter eq "C1"`, cmp(path(str, false, EnterpriseUserURN, "costCenter"), store.OpEq, "C1")},
		{acmeURN + `:costCenter[code eq "C1" and name co "O"]`, store.And{
			L: cmp(path(str, true, acmeURN, "costCenter", "code"), store.OpEq, "C1"),
			R: cmp(path(str, false, acmeURN, "costCenter", "name"), store.OpCo, "O")}},
		{acmeURN + ` pr`, cmp(path(str, false, acmeURN), store.OpPresent, nil)},
		{`note eq null`, store.Not{X: cmp(path(str, false, acmeURN, "note"), store.OpPresent, nil)}},
		{acmeURN + `:active eq "True"`, cmp(path(store.TypeBoolean, false, acmeURN, "active"), store.OpEq, true)},
		{`level co "1"`, nil},
		{`level eq "x"`, nil},
		{`hireDate eq "soon"`, nil},
		{`secretScore gt 1`, nil},
		{acmeURN + `:costCenter eq "C1"`, nil},
		{acmeURN + `:nope eq "x"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := filter.Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := rt.Compile(f)
			if tt.want == nil {
				if typ, status := errType(t, err); typ != "invalidFilter" || status != 400 {
					t.Fatalf("Compile = %#v, %v; want 400 invalidFilter", got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Compile =\n %#v, %v\nwant\n %#v", got, err, tt.want)
			}
		})
	}
	// Another organization's resource type does not know the attribute.
	f, _ := filter.Parse(acmeURN + `:tag eq "x"`)
	if _, err := NewUserType().Compile(f); err == nil {
		t.Error("the core type compiled an organization's attribute")
	}
}

func TestExtensionSortAttr(t *testing.T) {
	rt := acmeUsers(t)
	ok := map[string]store.Attr{
		acmeURN + ":level":           path(store.TypeInteger, false, acmeURN, "level"),
		"hireDate":                   path(store.TypeDateTime, false, acmeURN, "hireDate"),
		acmeURN + ":costCenter.code": path(str, true, acmeURN, "costCenter", "code"),
		acmeURN + ":TAG":             path(str, false, acmeURN, "tag"),
		acmeURN + ":active":          path(store.TypeBoolean, false, acmeURN, "active"),
		"urn:ietf:params:scim:schemas:extension:ACME:2.0:User:note": path(str, false, acmeURN, "note"),
	}
	for by, want := range ok {
		got, err := rt.SortAttr(by)
		if err != nil || got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("SortAttr(%q) = %+v, %v; want %+v", by, got, err, want)
		}
	}
	for _, by := range []string{"badges", acmeURN + ":costCenter", "secretScore", acmeURN, acmeURN + ":nope"} {
		if _, err := rt.SortAttr(by); err == nil {
			t.Errorf("SortAttr(%q) succeeded", by)
		} else if typ, _ := errType(t, err); typ != "invalidValue" {
			t.Errorf("SortAttr(%q): %v; want invalidValue", by, err)
		}
	}
}

func TestExtensionProjection(t *testing.T) {
	rt := acmeUsers(t)
	const sch = `"schemas":["` + UserURN + `","` + acmeURN + `"]`
	full := decode(t, `{`+sch+`,"id":"u1","userName":"a","`+acmeURN+`":{"tag":"x","note":"n","secretScore":2.5,
		"badges":["gold"],"costCenter":{"code":"C","name":"N"}}}`)
	tests := []struct{ attributes, excluded, want string }{
		{"", "", `{` + sch + `,"id":"u1","userName":"a","` + acmeURN + `":{"tag":"x","badges":["gold"],"costCenter":{"code":"C","name":"N"}}}`},
		{acmeURN + ":note", "", `{` + sch + `,"id":"u1","` + acmeURN + `":{"note":"n"}}`},
		{acmeURN + ":costCenter.name,userName", "", `{` + sch + `,"id":"u1","userName":"a","` + acmeURN + `":{"costCenter":{"name":"N"}}}`},
		{strings.ToLower(acmeURN), "", `{` + sch + `,"id":"u1","` + acmeURN + `":{"tag":"x","note":"n","badges":["gold"],"costCenter":{"code":"C","name":"N"}}}`},
		{"secretScore", "", `{` + sch + `,"id":"u1"}`},
		{"", acmeURN + ":costCenter.name,badges", `{` + sch + `,"id":"u1","userName":"a","` + acmeURN + `":{"tag":"x","costCenter":{"code":"C"}}}`},
		{"", acmeURN, `{` + sch + `,"id":"u1","userName":"a"}`},
	}
	for _, tt := range tests {
		p, err := rt.NewProjection(tt.attributes, tt.excluded)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := canon(t, p.Apply(full)), canonJSON(t, tt.want); got != want {
			t.Errorf("attributes=%q excluded=%q:\n got  %s\n want %s", tt.attributes, tt.excluded, got, want)
		}
	}
	p, _ := rt.NewProjection("userName", "")
	if p.Wants(acmeURN) || p.Wants("tag") {
		t.Error("attributes=userName wants the extension")
	}
	p, _ = rt.NewProjection("tag", "")
	if !p.Wants(acmeURN) || !p.Wants("tag") {
		t.Error("attributes=tag does not want the extension")
	}
}

func TestExtensionReplace(t *testing.T) {
	rt := acmeUsers(t)
	old := decode(t, `{"userName":"a","`+acmeURN+`":{"employeeId":"E1","tag":"x","level":2}}`)
	next, err := rt.Normalize(decode(t, `{"userName":"a","`+acmeURN+`":{"employeeId":"E1","tag":"y"}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := rt.Replace(old, next)
	want := `{"schemas":["` + UserURN + `","` + acmeURN + `"],"userName":"a","` + acmeURN + `":{"employeeId":"E1","tag":"y"}}`
	if err != nil || canon(t, got) != canonJSON(t, want) {
		t.Errorf("Replace = %s, %v; want %s", canon(t, got), err, want)
	}
	changed, _ := rt.Normalize(decode(t, `{"userName":"a","`+acmeURN+`":{"employeeId":"E2"}}`))
	if _, err := rt.Replace(old, changed); err == nil {
		t.Error("Replace changed the immutable employeeId")
	} else if typ, _ := errType(t, err); typ != "mutability" {
		t.Errorf("Replace of immutable: %v; want mutability", err)
	}
}

func TestExtensionDocuments(t *testing.T) {
	ext := mustParse(t, acmeDef)
	doc := ext.Schema.Document("https://h/scim/v2/Schemas/" + acmeURN)
	noNulls(t, "schema", toJSONValue(t, doc))
	attrs := flatten(doc)
	if len(attrs) != 11 {
		t.Errorf("%d attributes in the document, want 11 (9 + 2 sub-attributes): %v", len(attrs), attrs)
	}
	wantTag := map[string]any{"name": "tag", "type": "string", "multiValued": false, "description": "A free-form tag.",
		"required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	if !reflect.DeepEqual(attrs["tag"], wantTag) {
		t.Errorf("tag = %v\nwant %v", attrs["tag"], wantTag)
	}
	if attrs["badges"]["multiValued"] != true || !reflect.DeepEqual(attrs["badges"]["canonicalValues"], []any{"gold", "silver"}) ||
		attrs["costCenter.code"]["caseExact"] != true || attrs["employeeId"]["mutability"] != "immutable" ||
		attrs["employeeId"]["required"] != true || attrs["note"]["returned"] != "request" {
		t.Errorf("characteristics lost: %v", attrs)
	}
	if doc["id"] != acmeURN || doc["name"] != "AcmeUser" {
		t.Errorf("document id/name = %v/%v", doc["id"], doc["name"])
	}
	for _, required := range []bool{false, true} {
		rt := NewUserType().Extend(Extension{Schema: ext.Schema, Required: required})
		exts, _ := rt.Document("")["schemaExtensions"].([]any)
		want := []any{
			map[string]any{"schema": EnterpriseUserURN, "required": false},
			map[string]any{"schema": acmeURN, "required": required},
		}
		if !reflect.DeepEqual(exts, want) {
			t.Errorf("schemaExtensions = %v, want %v", exts, want)
		}
	}
}

// toJSONValue round-trips v through JSON (so []string becomes []any).
func toJSONValue(t *testing.T, v any) any {
	t.Helper()
	return decodeValue(t, canon(t, v))
}
