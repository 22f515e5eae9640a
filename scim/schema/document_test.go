package schema

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// noNulls fails on any nil, and on any empty string, in a discovery
// document (Entra rejects nulls, idp-traffic §4.3).
func noNulls(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Errorf("%s is null", where)
	case string:
		if x == "" {
			t.Errorf("%s is an empty string", where)
		}
	case map[string]any:
		for k, e := range x {
			noNulls(t, where+"."+k, e)
		}
	case []any:
		for i, e := range x {
			noNulls(t, fmt.Sprintf("%s[%d]", where, i), e)
		}
	case bool:
	default:
		t.Errorf("%s has unexpected Go type %T", where, v)
	}
}

// flatten indexes a schema document's attributes by dotted name.
func flatten(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	var walk func(prefix string, attrs []any)
	walk = func(prefix string, attrs []any) {
		for _, a := range attrs {
			m := a.(map[string]any)
			name := prefix + m["name"].(string)
			out[name] = m
			if subs, ok := m["subAttributes"].([]any); ok {
				walk(name+".", subs)
			}
		}
	}
	walk("", doc["attributes"].([]any))
	return out
}

func TestSchemaDocuments(t *testing.T) {
	for _, s := range []*Schema{User(), Group(), EnterpriseUser()} {
		t.Run(s.Name, func(t *testing.T) {
			loc := "https://h/scim/v2/Schemas/" + s.ID
			doc := s.Document(loc)
			noNulls(t, s.Name, doc)
			// Round-trip through JSON: what /Schemas actually serves.
			back := decode(t, canon(t, doc))
			if back["id"] != s.ID || back["name"] != s.Name {
				t.Errorf("id/name = %v/%v", back["id"], back["name"])
			}
			if got := canon(t, back["schemas"]); got != `["urn:ietf:params:scim:schemas:core:2.0:Schema"]` {
				t.Errorf("schemas = %s", got)
			}
			if got := canon(t, back["meta"]); got != canon(t, map[string]any{"resourceType": "Schema", "location": loc}) {
				t.Errorf("meta = %s", got)
			}
			for name, a := range flatten(back) {
				for _, k := range []string{"name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness"} {
					if _, ok := a[k]; !ok {
						t.Errorf("%s lacks %q", name, k)
					}
				}
				if a["type"] == "complex" {
					if subs, ok := a["subAttributes"].([]any); !ok || len(subs) == 0 {
						t.Errorf("complex %s has no subAttributes", name)
					}
				} else if _, ok := a["subAttributes"]; ok {
					t.Errorf("simple %s has subAttributes", name)
				}
				if a["type"] == "reference" {
					if _, ok := a["referenceTypes"]; !ok {
						t.Errorf("reference %s has no referenceTypes", name)
					}
				}
				for k, allowed := range map[string]string{
					"mutability": "readOnly readWrite immutable writeOnly",
					"returned":   "always never default request",
					"uniqueness": "none server global",
					"type":       "string boolean decimal integer dateTime binary reference complex",
				} {
					if v, _ := a[k].(string); !strings.Contains(" "+allowed+" ", " "+v+" ") {
						t.Errorf("%s.%s = %q", name, k, v)
					}
				}
			}
		})
	}
	// No sub-attribute is advertised twice, and nothing beyond RFC 7643:
	// emails.display is accepted but hidden (Q30).
	u := flatten(User().Document(""))
	if _, ok := u["emails.display"]; ok {
		t.Errorf("emails.display is advertised")
	}
	if _, ok := u["phoneNumbers.display"]; !ok {
		t.Errorf("phoneNumbers.display is missing")
	}
	if _, ok := User().Document("")["meta"].(map[string]any)["location"]; ok {
		t.Errorf("meta.location emitted for empty location")
	}
}

// TestCharacteristics pins the characteristics of RFC 7643 §8.7.1 and
// scimd's deliberate choices, as /Schemas advertises them.
func TestCharacteristics(t *testing.T) {
	type ch struct {
		typ                      string
		multi, required, exact   bool
		mutability, returned, uq string
		canonical                string // comma-joined canonicalValues
	}
	docs := map[string]map[string]map[string]any{
		"User":  flatten(User().Document("")),
		"Group": flatten(Group().Document("")),
		"Ent":   flatten(EnterpriseUser().Document("")),
	}
	tests := map[string]ch{
		"User.id":                     {"string", false, false, true, "readOnly", "always", "server", ""},
		"User.externalId":             {"string", false, false, true, "readWrite", "default", "none", ""},
		"User.meta":                   {"complex", false, false, false, "readOnly", "default", "none", ""},
		"User.meta.lastModified":      {"dateTime", false, false, false, "readOnly", "default", "none", ""},
		"User.userName":               {"string", false, true, false, "readWrite", "default", "server", ""},
		"User.name.givenName":         {"string", false, false, false, "readWrite", "default", "none", ""},
		"User.active":                 {"boolean", false, false, false, "readWrite", "default", "none", ""},
		"User.password":               {"string", false, false, false, "writeOnly", "never", "none", ""},
		"User.profileUrl":             {"reference", false, false, false, "readWrite", "default", "none", ""},
		"User.emails":                 {"complex", true, false, false, "readWrite", "default", "none", ""},
		"User.emails.type":            {"string", false, false, false, "readWrite", "default", "none", "work,home,other"},
		"User.emails.primary":         {"boolean", false, false, false, "readWrite", "default", "none", ""},
		"User.phoneNumbers.type":      {"string", false, false, false, "readWrite", "default", "none", "work,home,mobile,fax,pager,other"},
		"User.ims.type":               {"string", false, false, false, "readWrite", "default", "none", "aim,gtalk,icq,xmpp,msn,skype,qq,yahoo"},
		"User.photos.value":           {"reference", false, false, false, "readWrite", "default", "none", ""},
		"User.photos.type":            {"string", false, false, false, "readWrite", "default", "none", "photo,thumbnail"},
		"User.addresses.type":         {"string", false, false, false, "readWrite", "default", "none", "work,home,other"},
		"User.addresses.primary":      {"boolean", false, false, false, "readWrite", "default", "none", ""},
		"User.groups":                 {"complex", true, false, false, "readOnly", "default", "none", ""},
		"User.groups.$ref":            {"reference", false, false, false, "readOnly", "default", "none", ""},
		"User.groups.type":            {"string", false, false, false, "readOnly", "default", "none", "direct,indirect"},
		"User.roles.primary":          {"boolean", false, false, false, "readWrite", "default", "none", ""},
		"User.x509Certificates.value": {"binary", false, false, false, "readWrite", "default", "none", ""},
		"Group.displayName":           {"string", false, true, false, "readWrite", "default", "server", ""},
		"Group.members":               {"complex", true, false, false, "readWrite", "default", "none", ""},
		"Group.members.value":         {"string", false, false, false, "immutable", "default", "none", ""},
		"Group.members.$ref":          {"reference", false, false, false, "immutable", "default", "none", ""},
		"Group.members.type":          {"string", false, false, false, "immutable", "default", "none", "User,Group"},
		"Group.members.display":       {"string", false, false, false, "readOnly", "default", "none", ""},
		"Ent.employeeNumber":          {"string", false, false, false, "readWrite", "default", "none", ""},
		"Ent.manager":                 {"complex", false, false, false, "readWrite", "default", "none", ""},
		"Ent.manager.$ref":            {"reference", false, false, false, "readWrite", "default", "none", ""},
		"Ent.manager.displayName":     {"string", false, false, false, "readOnly", "default", "none", ""},
	}
	for key, want := range tests {
		schema, name, _ := strings.Cut(key, ".")
		a, ok := docs[schema][name]
		if !ok {
			t.Errorf("%s missing", key)
			continue
		}
		var canonical []string
		if cv, ok := a["canonicalValues"].([]any); ok {
			for _, v := range cv {
				canonical = append(canonical, v.(string))
			}
		}
		got := ch{a["type"].(string), a["multiValued"].(bool), a["required"].(bool), a["caseExact"].(bool),
			a["mutability"].(string), a["returned"].(string), a["uniqueness"].(string), strings.Join(canonical, ",")}
		if got != want {
			t.Errorf("%s = %+v\n want %+v", key, got, want)
		}
	}
	// Every RFC 7643 §4.1 User attribute is there.
	for _, n := range []string{"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType",
		"preferredLanguage", "locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims", "photos",
		"addresses", "groups", "entitlements", "roles", "x509Certificates", "name.formatted", "name.familyName",
		"name.middleName", "name.honorificPrefix", "name.honorificSuffix", "addresses.formatted", "addresses.streetAddress",
		"addresses.locality", "addresses.region", "addresses.postalCode", "addresses.country", "groups.value", "groups.display"} {
		if _, ok := docs["User"][n]; !ok {
			t.Errorf("User.%s missing", n)
		}
	}
	for _, n := range []string{"costCenter", "organization", "division", "department", "manager.value"} {
		if _, ok := docs["Ent"][n]; !ok {
			t.Errorf("Enterprise %s missing", n)
		}
	}
}

func TestResourceTypeDocument(t *testing.T) {
	got := NewUserType().Document("https://h/scim/v2/ResourceTypes/User")
	noNulls(t, "User", got)
	want := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],"id":"User","name":"User",
		"endpoint":"/Users","description":"User Account","schema":"urn:ietf:params:scim:schemas:core:2.0:User",
		"schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","required":false}],
		"meta":{"resourceType":"ResourceType","location":"https://h/scim/v2/ResourceTypes/User"}}`)
	if g, w := canon(t, got), canon(t, want); g != w {
		t.Errorf("User resource type\n got  %s\n want %s", g, w)
	}
	g := NewGroupType().Document("https://h/scim/v2/ResourceTypes/Group")
	noNulls(t, "Group", g)
	if ext, _ := g["schemaExtensions"].([]any); len(ext) != 1 || ext[0].(map[string]any)["schema"] != TeamURN {
		t.Errorf("Group schemaExtensions = %v, want the team extension", g["schemaExtensions"])
	}
	if g["endpoint"] != "/Groups" || g["schema"] != GroupURN {
		t.Errorf("Group = %v", g)
	}
}

// TestDefinitionsFresh: each call builds new definitions (no shared
// mutable state).
func TestDefinitionsFresh(t *testing.T) {
	a, b := User(), User()
	if a == b || a.Attributes[0] == b.Attributes[0] {
		t.Fatal("User() returns shared definitions")
	}
	if !reflect.DeepEqual(a.Document(""), b.Document("")) {
		t.Fatal("User() is not deterministic")
	}
}
