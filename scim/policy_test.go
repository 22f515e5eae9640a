package scim_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

// An organization's policy (package directory) as the SCIM writer sees
// it: refusals become RFC 7644 §3.12 errors, and a refused request
// changes nothing.

// setPolicy sets the environment's organization's policy.
func setPolicy(t testing.TB, env *testEnv, p store.Policy) {
	t.Helper()
	if err := env.dir.SetPolicy(context.Background(), env.orgID, p); err != nil {
		t.Fatal(err)
	}
}

// wantError checks a §3.12 error response: its status, scimType and that
// its detail mentions each of mention.
func wantError(t testing.TB, what string, code int, m map[string]any, status int, scimType string, mention ...string) {
	t.Helper()
	if code != status || m["status"] != fmt.Sprint(status) || m["scimType"] != nilIfEmpty(scimType) {
		t.Errorf("%s: %d %v, want %d scimType %q", what, code, m, status, scimType)
		return
	}
	detail, _ := m["detail"].(string)
	for _, s := range mention {
		if !strings.Contains(detail, s) {
			t.Errorf("%s: detail %q does not mention %q", what, detail, s)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// values lists the value of each element of a multi-valued attribute.
func values(m map[string]any, attr string) []string {
	list, _ := m[attr].([]any)
	out := []string{}
	for _, e := range list {
		v, _ := e.(map[string]any)["value"].(string)
		out = append(out, v)
	}
	return out
}

// TestPolicyCatalogues: roles and entitlements outside the organization's
// catalogue are refused with 400 invalidValue naming the allowed values, on
// POST, PUT, PATCH and in /Bulk, with nothing of the request applied; a
// known value in another case is stored in the catalogue's spelling.
func TestPolicyCatalogues(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		setPolicy(t, env, store.Policy{
			Roles:        []store.CatalogEntry{{Value: "Fleet management", Description: "Trucks"}, {Value: "IT"}},
			Entitlements: []store.CatalogEntry{{Value: "crm:read"}, {Value: "crm:write"}},
		})
		for _, c := range []struct{ attr, unknown, other, canonical string }{
			{"roles", "Accounting", "fleet MANAGEMENT", "Fleet management"},
			{"entitlements", "erp:admin", "CRM:Write", "crm:write"},
		} {
			t.Run(c.attr, func(t *testing.T) {
				name := c.attr + "@acme.test"
				code, m, _ := env.do(t, "POST", "/Users", `{"userName":"`+name+`","`+c.attr+`":[{"value":"`+c.unknown+`"}]}`)
				wantError(t, "POST with an unknown value", code, m, 400, "invalidValue", c.unknown, "allowed")
				if strings.Contains(fmt.Sprint(m["detail"]), "\"IT\"") != (c.attr == "roles") {
					t.Errorf("the detail %q should list this attribute's catalogue only", m["detail"])
				}
				if n := total(t, env, "/Users", `userName eq "`+name+`"`); n != 0 {
					t.Fatalf("a refused POST stored the user (%v found)", n)
				}

				code, m, _ = env.do(t, "POST", "/Users", `{"userName":"`+name+`","title":"Clerk","`+c.attr+`":[{"value":"`+c.other+`"}]}`)
				if code != 201 || !reflect.DeepEqual(values(m, c.attr), []string{c.canonical}) {
					t.Fatalf("POST with %q: %d %v; want it stored as %q", c.other, code, m, c.canonical)
				}
				id := m["id"].(string)
				if _, m, _ = env.do(t, "GET", "/Users/"+id, ""); !reflect.DeepEqual(values(m, c.attr), []string{c.canonical}) {
					t.Errorf("GET %s = %v, want [%s]", c.attr, m[c.attr], c.canonical)
				}

				// A PATCH changing title and adding an unknown value
				// changes neither.
				code, m, _ = env.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
					{"op":"replace","path":"title","value":"Director"},
					{"op":"add","path":"`+c.attr+`","value":[{"value":"`+c.unknown+`"}]}]}`)
				wantError(t, "PATCH adding an unknown value", code, m, 400, "invalidValue", c.unknown)
				code, m, _ = env.do(t, "PUT", "/Users/"+id, `{"userName":"`+name+`","title":"Director","`+c.attr+`":[{"value":"`+c.unknown+`"}]}`)
				wantError(t, "PUT with an unknown value", code, m, 400, "invalidValue", c.unknown)
				_, m, _ = env.do(t, "GET", "/Users/"+id, "")
				if m["title"] != "Clerk" || !reflect.DeepEqual(values(m, c.attr), []string{c.canonical}) {
					t.Errorf("after refused writes: title %v, %s %v; want Clerk, [%s]", m["title"], c.attr, m[c.attr], c.canonical)
				}

				res := postBulk(t, env, env.token, bulkBody(t, 0,
					bop("PATCH", "/Users/"+id, "", map[string]any{"Operations": []any{map[string]any{
						"op": "add", "path": c.attr, "value": []any{map[string]any{"value": c.unknown}}}}})))
				wantStatuses(t, res, "400")
				if resp := res[0]["response"].(map[string]any); resp["scimType"] != "invalidValue" {
					t.Errorf("bulk PATCH with an unknown value: %v", resp)
				}
			})
		}
	})
}

// TestPolicyImmutable: attributes the organization declares immutable
// (userType, the Enterprise employeeNumber) may be set while empty and
// never changed after: 400 mutability, nothing applied.
func TestPolicyImmutable(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		setPolicy(t, env, store.Policy{Immutable: []string{"userType", "employeeNumber"}})
		ent := func(number string) string {
			return `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterpriseURN + `"],"` +
				enterpriseURN + `":{"employeeNumber":"` + number + `"}`
		}
		id := env.mustCreate(t, "/Users", `{"userName":"ada@acme.test","userType":"Employee","title":"Clerk",`+ent("E1")+`}`)

		for _, c := range []struct{ name, body, attr string }{
			{"PATCH userType", `{"Operations":[{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"userType","value":"Contractor"}]}`, "userType"},
			{"PATCH employeeNumber", `{"Operations":[{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"` + enterpriseURN + `:employeeNumber","value":"E2"}]}`, "employeeNumber"},
			{"PATCH remove employeeNumber", `{"Operations":[{"op":"remove","path":"` + enterpriseURN + `:employeeNumber"}]}`, "employeeNumber"},
			{"PATCH userType without a path", `{"Operations":[{"op":"replace","value":{"userType":"Contractor"}}]}`, "userType"},
		} {
			code, m, _ := env.do(t, "PATCH", "/Users/"+id, c.body)
			wantError(t, c.name, code, m, 400, "mutability", c.attr)
		}
		code, m, _ := env.do(t, "PUT", "/Users/"+id, `{"userName":"ada@acme.test","userType":"Employee","title":"Boss",`+ent("E9")+`}`)
		wantError(t, "PUT changing employeeNumber", code, m, 400, "mutability", "employeeNumber")
		_, m, _ = env.do(t, "GET", "/Users/"+id, "")
		if e, _ := m[enterpriseURN].(map[string]any); m["userType"] != "Employee" || m["title"] != "Clerk" || e["employeeNumber"] != "E1" {
			t.Errorf("after refused changes: %v", m)
		}
		// Sending the same values back is no change.
		code, m, _ = env.do(t, "PUT", "/Users/"+id, `{"userName":"ada@acme.test","userType":"Employee","title":"Boss",`+ent("E1")+`}`)
		if code != 200 || m["title"] != "Boss" {
			t.Errorf("PUT keeping the immutable values: %d %v", code, m)
		}

		// Setting them while empty is allowed, once.
		id2 := env.mustCreate(t, "/Users", `{"userName":"bob@acme.test"}`)
		code, m, _ = env.do(t, "PATCH", "/Users/"+id2, `{"Operations":[{"op":"add","value":{"userType":"Contractor","`+enterpriseURN+`:employeeNumber":"C7"}}]}`)
		if e, _ := m[enterpriseURN].(map[string]any); code != 200 || m["userType"] != "Contractor" || e["employeeNumber"] != "C7" {
			t.Fatalf("setting empty immutable attributes: %d %v", code, m)
		}
		code, m, _ = env.do(t, "PATCH", "/Users/"+id2, `{"Operations":[{"op":"replace","path":"userType","value":"Employee"}]}`)
		wantError(t, "changing userType once set", code, m, 400, "mutability", "userType")
	})
}

// TestSchemasListCatalogues: /Schemas lists the organization's role and
// entitlement catalogues as canonicalValues of roles.value and
// entitlements.value (RFC 7643 §7); an organization without catalogues,
// and every other attribute, is unchanged.
func TestSchemasListCatalogues(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		// Before the organization's first request: the server caches its
		// types for a few seconds.
		setPolicy(t, env, store.Policy{
			Roles:        []store.CatalogEntry{{Value: "Admin"}, {Value: "User admin"}, {Value: "Member"}},
			Entitlements: []store.CatalogEntry{{Value: "crm:read"}},
		})
		other, err := env.dir.CreateOrg(context.Background(), "globex")
		if err != nil {
			t.Fatal(err)
		}
		otherTok, _, err := env.dir.CreateToken(context.Background(), other.ID, "entra")
		if err != nil {
			t.Fatal(err)
		}
		userURN := "urn:ietf:params:scim:schemas:core:2.0:User"
		canonicals := func(doc map[string]any, attr, sub string) any {
			for _, a := range doc["attributes"].([]any) {
				a := a.(map[string]any)
				if a["name"] != attr {
					continue
				}
				for _, s := range a["subAttributes"].([]any) {
					if s := s.(map[string]any); s["name"] == sub {
						return s["canonicalValues"]
					}
				}
			}
			t.Fatalf("no %s.%s in %v", attr, sub, doc["id"])
			return nil
		}
		code, doc, _ := env.do(t, "GET", "/Schemas/"+userURN, "")
		if code != 200 {
			t.Fatalf("GET /Schemas/User: %d %v", code, doc)
		}
		if got := canonicals(doc, "roles", "value"); !reflect.DeepEqual(got, []any{"Admin", "User admin", "Member"}) {
			t.Errorf("roles.value canonicalValues = %v", got)
		}
		if got := canonicals(doc, "entitlements", "value"); !reflect.DeepEqual(got, []any{"crm:read"}) {
			t.Errorf("entitlements.value canonicalValues = %v", got)
		}
		if got := canonicals(doc, "emails", "type"); !reflect.DeepEqual(got, []any{"work", "home", "other"}) {
			t.Errorf("emails.type canonicalValues = %v, want the core ones", got)
		}
		if got := canonicals(doc, "x509Certificates", "value"); got != nil {
			t.Errorf("x509Certificates.value canonicalValues = %v", got)
		}
		// The list endpoint serves the same document.
		_, list, _ := env.do(t, "GET", "/Schemas", "")
		found := false
		for _, r := range list["Resources"].([]any) {
			if r := r.(map[string]any); r["id"] == userURN {
				found = reflect.DeepEqual(canonicals(r, "roles", "value"), []any{"Admin", "User admin", "Member"})
			}
		}
		if !found {
			t.Error("GET /Schemas does not list the role catalogue")
		}
		// Another organization has no catalogue.
		code, doc, _ = env.call(t, otherTok, "GET", "/Schemas/"+userURN, "")
		if code != 200 || canonicals(doc, "roles", "value") != nil || canonicals(doc, "entitlements", "value") != nil {
			t.Errorf("another organization's User schema: %d roles %v", code, canonicals(doc, "roles", "value"))
		}
	})
}
