package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

// An organization's own extension schemas over HTTP: written, validated,
// returned, filtered, sorted, patched and advertised; invisible to another
// organization.

const (
	// custURN is Entra's documented custom extension form.
	custURN = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
	teamURN = "urn:example:scimd:team:2.0:Group"
)

const custDef = `{"id":"` + custURN + `","name":"CustomUser","attributes":[
	{"name":"tag","type":"string"},
	{"name":"badges","type":"string","multiValued":true,"canonicalValues":["gold","silver"]},
	{"name":"level","type":"integer"},
	{"name":"hireDate","type":"dateTime"},
	{"name":"costCenter","type":"complex","subAttributes":[{"name":"code","caseExact":true},{"name":"name"}]},
	{"name":"employeeId","required":true,"mutability":"immutable"},
	{"name":"note","returned":"request"}]}`

const teamDef = `{"id":"` + teamURN + `","required":true,"attributes":[{"name":"room","type":"integer","required":true}]}`

// withOrgSchemas stores the test extensions for the environment's
// organization, before its first request (the server caches types).
func withOrgSchemas(t *testing.T, env *testEnv) {
	t.Helper()
	for _, s := range []store.OrgSchema{
		{OrgID: env.orgID, URN: custURN, Kind: store.KindUser, Definition: json.RawMessage(custDef)},
		{OrgID: env.orgID, URN: teamURN, Kind: store.KindGroup, Definition: json.RawMessage(teamDef)},
	} {
		if err := env.dir.Store().PutOrgSchema(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func ext(m map[string]any) map[string]any {
	x, _ := m[custURN].(map[string]any)
	return x
}

func TestOrgSchemaWrite(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		withOrgSchemas(t, env)
		code, m, _ := env.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+custURN+`"],
			"userName":"ada@acme.test","`+custURN+`":{"Tag":"blue","badges":"gold","level":"3","hireDate":"2020-03-01T09:00:00+01:00",
			"costCenter":{"code":"CC-1","name":"Ops"},"employeeId":"E1","note":"hidden","unknown":true}}`)
		if code != 201 {
			t.Fatalf("POST: %d %v", code, m)
		}
		id := m["id"].(string)
		want := map[string]any{"tag": "blue", "badges": []any{"gold"}, "level": float64(3), "hireDate": "2020-03-01T08:00:00Z",
			"costCenter": map[string]any{"code": "CC-1", "name": "Ops"}, "employeeId": "E1"}
		if !reflect.DeepEqual(ext(m), want) {
			t.Errorf("POST returned %v\nwant %v", ext(m), want)
		}
		if fmt.Sprint(m["schemas"]) != fmt.Sprint([]any{"urn:ietf:params:scim:schemas:core:2.0:User", custURN}) {
			t.Errorf("schemas = %v", m["schemas"])
		}
		// Stored: GET returns the same; note only when asked for.
		code, m, _ = env.do(t, "GET", "/Users/"+id, "")
		if code != 200 || !reflect.DeepEqual(ext(m), want) {
			t.Errorf("GET: %d %v", code, ext(m))
		}
		code, m, _ = env.do(t, "GET", "/Users/"+id+"?attributes="+queryEscape(custURN+":note,userName"), "")
		if code != 200 || !reflect.DeepEqual(ext(m), map[string]any{"note": "hidden"}) || m["userName"] != "ada@acme.test" {
			t.Errorf("GET attributes=note: %d %v", code, m)
		}

		bad := []struct{ name, body, mention string }{
			{"wrong type", `{"userName":"b","` + custURN + `":{"employeeId":"E2","level":"high"}}`, "level"},
			{"wrong dateTime", `{"userName":"b","` + custURN + `":{"employeeId":"E2","hireDate":"last year"}}`, "hireDate"},
			{"required missing", `{"userName":"b","` + custURN + `":{"tag":"x"}}`, "employeeId"},
		}
		for _, b := range bad {
			code, m, _ := env.do(t, "POST", "/Users", b.body)
			if code != 400 || m["scimType"] != "invalidValue" || !strings.Contains(fmt.Sprint(m["detail"]), b.mention) {
				t.Errorf("%s: %d %v; want 400 invalidValue naming %s", b.name, code, m, b.mention)
			}
		}

		// PUT keeps the rules: immutable employeeId, values replaced.
		code, m, _ = env.do(t, "PUT", "/Users/"+id, `{"userName":"ada@acme.test","`+custURN+`":{"employeeId":"E1","tag":"green"}}`)
		if code != 200 || !reflect.DeepEqual(ext(m), map[string]any{"employeeId": "E1", "tag": "green"}) {
			t.Errorf("PUT: %d %v", code, ext(m))
		}
		code, m, _ = env.do(t, "PUT", "/Users/"+id, `{"userName":"ada@acme.test","`+custURN+`":{"employeeId":"E9"}}`)
		if code != 400 || m["scimType"] != "mutability" {
			t.Errorf("PUT changing the immutable employeeId: %d %v", code, m)
		}

		// A required Group extension with a required attribute.
		code, m, _ = env.do(t, "POST", "/Groups", `{"displayName":"Eng"}`)
		if code != 400 || m["scimType"] != "invalidValue" || !strings.Contains(fmt.Sprint(m["detail"]), teamURN) {
			t.Errorf("group without its required extension: %d %v", code, m)
		}
		code, m, _ = env.do(t, "POST", "/Groups", `{"displayName":"Eng","`+teamURN+`":{"room":"12"}}`)
		if room := fmt.Sprint(m[teamURN]); code != 201 || room != "map[room:12]" {
			t.Errorf("group with its extension: %d %v", code, m)
		}
	})
}

func TestOrgSchemaFilterSortPatch(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		withOrgSchemas(t, env)
		ids := map[string]string{}
		for _, u := range []struct{ name, ext string }{
			{"a", `"tag":"X","level":3,"hireDate":"2021-01-01T00:00:00Z","badges":["gold","silver"],"costCenter":{"code":"CC-1"}`},
			{"b", `"tag":"y","level":1,"hireDate":"2019-06-01T00:00:00Z","badges":["silver"],"costCenter":{"code":"cc-1"}`},
			{"c", `"tag":"x","level":2`},
			{"d", `"note":"no level"`},
		} {
			ids[u.name] = env.mustCreate(t, "/Users", `{"userName":"`+u.name+`","`+custURN+`":{"employeeId":"E-`+u.name+`",`+u.ext+`}}`)
		}
		names := func(m map[string]any) string {
			var out []string
			list, _ := m["Resources"].([]any)
			for _, r := range list {
				out = append(out, r.(map[string]any)["userName"].(string))
			}
			return strings.Join(out, ",")
		}
		tests := []struct{ query, want string }{
			{"filter=" + queryEscape(custURN+`:tag eq "x"`) + "&sortBy=userName", "a,c"},
			{"filter=" + queryEscape(`tag eq "X" and level ge 3`), "a"},
			{"filter=" + queryEscape(`level gt 1`) + "&sortBy=userName", "a,c"},
			{"filter=" + queryEscape(`hireDate lt "2020-01-01T00:00:00Z"`), "b"},
			{"filter=" + queryEscape(`badges eq "silver"`) + "&sortBy=userName", "a,b"},
			{"filter=" + queryEscape(custURN+`:costCenter.code eq "CC-1"`), "a"},
			{"filter=" + queryEscape(custURN+`:level pr`) + "&sortBy=userName", "a,b,c"},
			{"sortBy=" + queryEscape(custURN+":level"), "b,c,a,d"},
			{"sortBy=" + queryEscape(custURN+":level") + "&sortOrder=descending", "d,a,c,b"},
			{"sortBy=hireDate", "b,a,c,d"},
		}
		for _, tt := range tests {
			code, m, _ := env.do(t, "GET", "/Users?"+tt.query, "")
			if code != 200 || names(m) != tt.want {
				t.Errorf("GET /Users?%s: %d %q %v; want %q", tt.query, code, names(m), m["detail"], tt.want)
			}
		}
		code, m, _ := env.do(t, "GET", "/Users?filter="+queryEscape(`level co "1"`), "")
		if code != 400 || m["scimType"] != "invalidFilter" {
			t.Errorf("co on an integer: %d %v", code, m)
		}
		code, m, _ = env.do(t, "GET", "/Users?sortBy=badges", "")
		if code != 400 {
			t.Errorf("sort by a multi-valued extension attribute: %d %v", code, m)
		}

		// PATCH through the URN path (Entra's form, idp-traffic Q5).
		patch := func(ops string) (int, map[string]any) {
			code, m, _ := env.do(t, "PATCH", "/Users/"+ids["c"],
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`)
			return code, m
		}
		code, m = patch(`{"op":"Replace","path":"` + custURN + `:level","value":"7"},
			{"op":"add","path":"` + custURN + `:badges","value":["gold"]},
			{"op":"add","value":{"` + custURN + `:tag":"z"}}`)
		want := map[string]any{"employeeId": "E-c", "tag": "z", "level": float64(7), "badges": []any{"gold"}}
		if code != 200 || !reflect.DeepEqual(ext(m), want) {
			t.Errorf("PATCH: %d %v\nwant %v", code, ext(m), want)
		}
		code, m, _ = env.do(t, "GET", "/Users?filter="+queryEscape(`level eq 7`), "")
		if code != 200 || names(m) != "c" {
			t.Errorf("filter after PATCH: %d %q", code, names(m))
		}
		if code, m = patch(`{"op":"replace","path":"` + custURN + `:level","value":"seven"}`); code != 400 || m["scimType"] != "invalidValue" {
			t.Errorf("PATCH with a wrong type: %d %v", code, m)
		}
		if code, m = patch(`{"op":"remove","path":"` + custURN + `:employeeId"}`); code != 400 || m["scimType"] != "mutability" {
			t.Errorf("PATCH removing a required attribute: %d %v", code, m)
		}
		if code, m = patch(`{"op":"add","path":"` + custURN + `:nope","value":"x"}`); code != 400 || m["scimType"] != "invalidPath" {
			t.Errorf("PATCH to an undeclared attribute: %d %v", code, m)
		}
	})
}

func TestOrgSchemaDiscoveryAndIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		withOrgSchemas(t, env)
		ctx := context.Background()
		other, err := env.dir.CreateOrg(ctx, "globex")
		if err != nil {
			t.Fatal(err)
		}
		otherTok, _, err := env.dir.CreateToken(ctx, other.ID, "entra")
		if err != nil {
			t.Fatal(err)
		}

		schemaIDs := func(token string) []string {
			code, m, _ := env.call(t, token, "GET", "/Schemas", "")
			if code != 200 {
				t.Fatalf("GET /Schemas: %d %v", code, m)
			}
			var ids []string
			for _, r := range m["Resources"].([]any) {
				ids = append(ids, r.(map[string]any)["id"].(string))
			}
			return ids
		}
		mine, theirs := strings.Join(schemaIDs(env.token), " "), strings.Join(schemaIDs(otherTok), " ")
		if !strings.Contains(mine, custURN) || !strings.Contains(mine, teamURN) || !strings.Contains(mine, "enterprise:2.0:User") {
			t.Errorf("/Schemas of the organization: %s", mine)
		}
		if strings.Contains(theirs, custURN) || strings.Contains(theirs, teamURN) {
			t.Errorf("/Schemas of another organization lists ours: %s", theirs)
		}
		code, m, _ := env.do(t, "GET", "/Schemas/"+custURN, "")
		attrs, _ := m["attributes"].([]any)
		if code != 200 || m["name"] != "CustomUser" || len(attrs) != 7 {
			t.Errorf("GET /Schemas/%s: %d %v", custURN, code, m)
		}
		if code, _, _ := env.call(t, otherTok, "GET", "/Schemas/"+custURN, ""); code != 404 {
			t.Errorf("another organization reads our schema: %d", code)
		}

		exts := func(token, rt string) string {
			code, m, _ := env.call(t, token, "GET", "/ResourceTypes/"+rt, "")
			if code != 200 {
				t.Fatalf("GET /ResourceTypes/%s: %d %v", rt, code, m)
			}
			b, _ := json.Marshal(m["schemaExtensions"])
			return string(b)
		}
		// The organization's extensions come after the built-in ones.
		if got, want := exts(env.token, "User"), `{"required":false,"schema":"`+custURN+`"}]`; !strings.HasSuffix(got, want) ||
			!strings.Contains(got, `"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`) {
			t.Errorf("User schemaExtensions = %s, want enterprise and then %s", got, want)
		}
		if got, want := exts(env.token, "Group"), `{"required":true,"schema":"`+teamURN+`"}]`; !strings.HasSuffix(got, want) {
			t.Errorf("Group schemaExtensions = %s, want it to end with %s", got, want)
		}
		if got := exts(otherTok, "User"); strings.Contains(got, custURN) {
			t.Errorf("another organization's User type lists our extension: %s", got)
		}
		code, m, _ = env.do(t, "GET", "/ResourceTypes", "")
		if b, _ := json.Marshal(m); code != 200 || !strings.Contains(string(b), custURN) || !strings.Contains(string(b), teamURN) {
			t.Errorf("GET /ResourceTypes: %d %s", code, b)
		}

		// The other organization: the attribute is unknown to its filters,
		// and ignored (RFC 7644 §3.3) in what it writes.
		code, m, _ = env.call(t, otherTok, "GET", "/Users?filter="+queryEscape(custURN+`:tag eq "x"`), "")
		if code != 400 || m["scimType"] != "invalidFilter" {
			t.Errorf("other organization filtering on our attribute: %d %v", code, m)
		}
		code, m, _ = env.call(t, otherTok, "POST", "/Users", `{"userName":"z","`+custURN+`":{"tag":"x"}}`)
		if _, has := m[custURN]; code != 201 || has || fmt.Sprint(m["schemas"]) != "[urn:ietf:params:scim:schemas:core:2.0:User]" {
			t.Errorf("other organization's POST kept our extension: %d %v", code, m)
		}
		code, m, _ = env.call(t, otherTok, "POST", "/Groups", `{"displayName":"Eng"}`)
		if code != 201 {
			t.Errorf("other organization's group needs our required extension: %d %v", code, m)
		}
	})
}

// TestOrgSchemaPatchRequired: a PATCH that starts an extension must bring
// its required attributes; a PATCH that leaves the extension alone (an
// IdP deactivation) works even on a user without it.
func TestOrgSchemaPatchRequired(t *testing.T) {
	env := newEnv(t, sqliteURL(t))
	withOrgSchemas(t, env)
	id := env.mustCreate(t, "/Users", `{"userName":"plain@acme.test"}`)
	code, m, _ := env.do(t, "PATCH", "/Users/"+id, `{"Operations":[{"op":"add","path":"`+custURN+`:tag","value":"x"}]}`)
	if code != 400 || m["scimType"] != "invalidValue" || !strings.Contains(fmt.Sprint(m["detail"]), "employeeId") {
		t.Errorf("PATCH starting the extension without employeeId: %d %v", code, m)
	}
	code, m, _ = env.do(t, "PATCH", "/Users/"+id, `{"Operations":[{"op":"add","value":{"`+custURN+`:tag":"x","`+custURN+`:employeeId":"E9"}}]}`)
	if code != 200 || ext(m)["employeeId"] != "E9" {
		t.Errorf("PATCH starting the extension with employeeId: %d %v", code, m)
	}
	other := env.mustCreate(t, "/Users", `{"userName":"other@acme.test"}`)
	if code, m, _ := env.do(t, "PATCH", "/Users/"+other, `{"Operations":[{"op":"replace","value":{"active":false}}]}`); code != 200 || m["active"] != false {
		t.Errorf("deactivating a user without the extension: %d %v", code, m)
	}
}
