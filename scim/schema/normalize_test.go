package schema

import (
	"strings"
	"testing"
)

// TestNormalize covers the body quirks of idp-traffic.md §2–§3: each case
// is a client body and the stored document it must become.
func TestNormalize(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	const core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	const both = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`
	const grp = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`
	tests := []struct {
		name    string
		rt      *ResourceType
		in      string
		want    string // stored document; "" when an error is expected
		errType string
		errText string
	}{
		{
			name: "Okta create (O-4): read-only and placeholder values",
			rt:   users,
			in: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
				"name":{"givenName":"Test","familyName":"User"},
				"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
				"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
				"groups":[],"password":"1mz050nq","active":true}`,
			want: `{` + core + `,"userName":"test.user@okta.local","name":{"givenName":"Test","familyName":"User"},
				"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
				"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
				"password":"1mz050nq","active":true}`,
		},
		{
			name: "Okta PUT (O-6): id, meta, groups dropped; emails.display kept",
			rt:   users,
			in: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"23a3","userName":"u",
				"emails":[{"primary":true,"value":"u@x","type":"work","display":"u@x"}],
				"groups":[{"value":"g1","display":"G"}],"meta":{"resourceType":"User"}}`,
			want: `{` + core + `,"userName":"u","emails":[{"primary":true,"value":"u@x","type":"work","display":"u@x"}]}`,
		},
		{
			name: "attribute and sub-attribute names case-insensitive (Q27)",
			rt:   users,
			in: `{"UserName":"u","NAME":{"GivenName":"g"},"Emails":[{"Value":"a@b","Primary":"True","TYPE":"work"}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Department":"Eng","Manager":{"Value":"m1"}}}`,
			want: `{` + both + `,"userName":"u","name":{"givenName":"g"},"emails":[{"value":"a@b","primary":true,"type":"work"}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Eng","manager":{"value":"m1"}}}`,
		},
		{
			name: "string booleans (Q2), also roles[].primary",
			rt:   users,
			in:   `{"userName":"u","active":"False","roles":[{"primary":"True","value":"Admin","type":"WindowsAzureActiveDirectoryRole"}]}`,
			want: `{` + core + `,"userName":"u","active":false,"roles":[{"primary":true,"value":"Admin","type":"WindowsAzureActiveDirectoryRole"}]}`,
		},
		{
			name: "lower-case string boolean",
			rt:   users,
			in:   `{"userName":"u","active":"true"}`,
			want: `{` + core + `,"userName":"u","active":true}`,
		},
		{
			name:    "not a boolean",
			rt:      users,
			in:      `{"userName":"u","active":"yes"}`,
			errType: "invalidValue", errText: `"active"`,
		},
		{
			name: "null and empty string mean absent (Q18, Entra Example 2)",
			rt:   users,
			in: `{"userName":"u","title":"","nickName":null,"addresses":null,"name":{"givenName":"","familyName":"F"},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":null,"department":""}}`,
			want: `{` + core + `,"userName":"u","name":{"familyName":"F"}}`,
		},
		{
			name: "unknown attributes and schema URNs ignored (E-4, E-10, Q27)",
			rt:   users,
			in: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
				"userName":"u","adreses":[{"x":1}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0User":{"department":"typo"},
				"emails":[{"value":"a@b","color":"red"}]}`,
			want: `{` + core + `,"userName":"u","emails":[{"value":"a@b"}]}`,
		},
		{
			name: "Microsoft's Group schema URN ignored (E-10)",
			rt:   groups,
			in: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
				"externalId":"8aa1","displayName":"Engineering","meta":{"resourceType":"Group"},
				"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group":{"x":"y"}}`,
			want: `{` + grp + `,"externalId":"8aa1","displayName":"Engineering"}`,
		},
		{
			name: "manager as bare string (Q6)",
			rt:   users,
			in:   `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m1"}}`,
			want: `{` + both + `,"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`,
		},
		{
			name: "manager as list: first element (Q6)",
			rt:   users,
			in:   `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"$ref":"https://h/Users/m1","value":"m1"},{"value":"m2"}]}}`,
			want: `{` + both + `,"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"$ref":"https://h/Users/m1","value":"m1"}}}`,
		},
		{
			name: "manager.displayName is read-only: dropped",
			rt:   users,
			in:   `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1","displayName":"Boss"}}}`,
			want: `{` + both + `,"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`,
		},
		{
			name: "dotted and URN-qualified keys applied as paths (Q3)",
			rt:   users,
			in: `{"userName":"u","name.givenName":"Kkom","name":{"familyName":"Unua"},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Eng"},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value":"m9",
				"urn:ietf:params:scim:schemas:core:2.0:User:displayName":"Bjfe"}`,
			want: `{` + both + `,"userName":"u","name":{"givenName":"Kkom","familyName":"Unua"},"displayName":"Bjfe",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"Aklq","department":"Eng","manager":{"value":"m9"}}}`,
		},
		{
			name: "core attributes nested under the core URN",
			rt:   users,
			in:   `{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"u","title":"T"}}`,
			want: `{` + core + `,"userName":"u","title":"T"}`,
		},
		{
			name:    "sub-attribute of a multi-valued attribute as a key",
			rt:      users,
			in:      `{"userName":"u","emails.value":"a@b"}`,
			errType: "invalidValue", errText: "emails.value",
		},
		{
			name: "single object for a multi-valued attribute",
			rt:   users,
			in:   `{"userName":"u","emails":{"value":"a@b","type":"work"},"phoneNumbers":"+1 555"}`,
			want: `{` + core + `,"userName":"u","emails":[{"value":"a@b","type":"work"}],"phoneNumbers":[{"value":"+1 555"}]}`,
		},
		{
			name: "primary kept exclusive: first wins, rest false",
			rt:   users,
			in: `{"userName":"u","emails":[{"value":"a","primary":false},{"value":"b","primary":"true"},
				{"value":"c","primary":true},{"value":"d"}]}`,
			want: `{` + core + `,"userName":"u","emails":[{"value":"a","primary":false},{"value":"b","primary":true},{"value":"c","primary":false},{"value":"d"}]}`,
		},
		{
			name: "empty elements dropped, empty lists absent",
			rt:   users,
			in:   `{"userName":"u","emails":[{},null,{"value":""},{"display":"x"}],"roles":[]}`,
			want: `{` + core + `,"userName":"u","emails":[{"display":"x"}]}`,
		},
		{
			name: "members: canonical {value,type}, display and $ref dropped, bare ids (Q9, O-12, E-12)",
			rt:   groups,
			in: `{"displayName":"G","members":[{"value":"u1","display":"test.user@okta.local"},
				{"$ref":null,"value":"u2"},{"value":"g3","type":"group","$ref":"https://h/Groups/g3"},"u4"]}`,
			want: `{` + grp + `,"displayName":"G","members":[{"value":"u1"},{"value":"u2"},{"value":"g3","type":"Group"},{"value":"u4"}]}`,
		},
		{
			name: "members: bare string list (Microsoft Postman)",
			rt:   groups,
			in:   `{"displayName":"G","members":["id"]}`,
			want: `{` + grp + `,"displayName":"G","members":[{"value":"id"}]}`,
		},
		{
			name: "members: empty list kept as [] (O-11, Q10)",
			rt:   groups,
			in:   `{"displayName":"Test SCIMv2","members":[]}`,
			want: `{` + grp + `,"displayName":"Test SCIMv2","members":[]}`,
		},
		{
			name:    "members: element without value",
			rt:      groups,
			in:      `{"displayName":"G","members":[{"display":"x","type":"User"}]}`,
			errType: "invalidValue", errText: "members",
		},
		{
			name:    "members: unknown type",
			rt:      groups,
			in:      `{"displayName":"G","members":[{"value":"x","type":"Robot"}]}`,
			errType: "invalidValue", errText: "Robot",
		},
		{
			name:    "required userName missing",
			rt:      users,
			in:      `{"displayName":"x","name":{"givenName":"a"}}`,
			errType: "invalidValue", errText: `"userName"`,
		},
		{
			name:    "required userName empty",
			rt:      users,
			in:      `{"userName":""}`,
			errType: "invalidValue", errText: `"userName"`,
		},
		{
			name:    "required Group displayName missing",
			rt:      groups,
			in:      `{"externalId":"x","members":[]}`,
			errType: "invalidValue", errText: `"displayName"`,
		},
		{
			name: "number sent for a string attribute",
			rt:   users,
			in:   `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":701984}}`,
			want: `{` + both + `,"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984"}}`,
		},
		{
			name:    "object for a string attribute",
			rt:      users,
			in:      `{"userName":{"value":"u"}}`,
			errType: "invalidValue", errText: `"userName"`,
		},
		{
			name:    "list of several for a single-valued simple attribute",
			rt:      users,
			in:      `{"userName":"u","title":["a","b"]}`,
			errType: "invalidValue", errText: `"title"`,
		},
		{
			name: "one-element list for a single-valued simple attribute",
			rt:   users,
			in:   `{"userName":"u","title":["a"]}`,
			want: `{` + core + `,"userName":"u","title":"a"}`,
		},
		{
			name: "binary base64 accepted",
			rt:   users,
			in:   `{"userName":"u","x509Certificates":[{"value":"TUlJRGF6Q0NBbE9nQXdJQkFnSVVMSg=="}]}`,
			want: `{` + core + `,"userName":"u","x509Certificates":[{"value":"TUlJRGF6Q0NBbE9nQXdJQkFnSVVMSg=="}]}`,
		},
		{
			name:    "binary not base64",
			rt:      users,
			in:      `{"userName":"u","x509Certificates":[{"value":"not base64!"}]}`,
			errType: "invalidValue", errText: "x509Certificates.value",
		},
		{
			name: "duplicate keys differing in case: exact case wins",
			rt:   users,
			in:   `{"userName":"exact","USERNAME":"upper"}`,
			want: `{` + core + `,"userName":"exact"}`,
		},
		{
			name:    "extension given as a non-object",
			rt:      users,
			in:      `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"Eng"}`,
			errType: "invalidValue", errText: EnterpriseUserURN,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rt.Normalize(decode(t, tt.in))
			if tt.errType != "" {
				typ, status := errType(t, err)
				if typ != tt.errType || status != 400 || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Normalize error = %v; want 400 %s mentioning %s", err, tt.errType, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if g, w := canon(t, got), canonJSON(t, tt.want); g != w {
				t.Errorf("Normalize\n got  %s\n want %s", g, w)
			}
			// Idempotent: the stored form normalizes to itself.
			again, err := tt.rt.Normalize(decode(t, canon(t, got)))
			if err != nil {
				t.Fatalf("Normalize(Normalize(x)): %v", err)
			}
			if g, w := canon(t, again), canon(t, got); g != w {
				t.Errorf("not idempotent:\n once  %s\n twice %s", w, g)
			}
		})
	}
}

// TestNormalizeValue covers the value-level contract PATCH relies on.
func TestNormalizeValue(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	type tc struct {
		name    string
		rt      *ResourceType
		path    string
		in      string
		element bool
		want    string // JSON of the result; "null" for absent
		errType string
	}
	tests := []tc{
		{"bool from True", users, "active", `"True"`, false, `true`, ""},
		{"bool from false", users, "ACTIVE", `"false"`, false, `false`, ""},
		{"bool kept", users, "active", `false`, false, `false`, ""},
		{"bool bad", users, "active", `"no"`, false, ``, "invalidValue"},
		{"bool from number", users, "active", `1`, false, ``, "invalidValue"},
		{"empty string absent", users, "title", `""`, false, `null`, ""},
		{"null absent", users, "title", `null`, false, `null`, ""},
		{"sub-attribute", users, "name.givenName", `"G"`, false, `"G"`, ""},
		{"complex keys canonical", users, "name", `{"GIVENNAME":"G","foo":"x"}`, false, `{"givenName":"G"}`, ""},
		{"complex all empty absent", users, "name", `{"givenName":""}`, false, `null`, ""},
		{"single wrapped", users, "emails", `{"value":"a@b"}`, false, `[{"value":"a@b"}]`, ""},
		{"element not wrapped", users, "emails", `{"value":"a@b","Primary":"True"}`, true, `{"primary":true,"value":"a@b"}`, ""},
		{"element list rejected", users, "emails", `[{"value":"a@b"}]`, true, ``, "invalidValue"},
		{"list primary exclusive", users, "emails", `[{"value":"a","primary":true},{"value":"b","primary":true}]`, false,
			`[{"primary":true,"value":"a"},{"primary":false,"value":"b"}]`, ""},
		{"manager bare string", users, ent + ":manager", `"m1"`, false, `{"value":"m1"}`, ""},
		{"manager list", users, "manager", `[{"value":"m1"}]`, false, `{"value":"m1"}`, ""},
		{"manager empty string", users, "manager", `""`, false, `null`, ""},
		{"manager value", users, ent + ":manager.value", `"m1"`, false, `"m1"`, ""},
		{"manager read-only sub dropped", users, "manager", `{"displayName":"Boss"}`, false, `null`, ""},
		{"whole extension", users, ent, `{"Department":"Eng","manager":"m1","bogus":1}`, false,
			`{"department":"Eng","manager":{"value":"m1"}}`, ""},
		{"whole extension not an object", users, ent, `"x"`, false, ``, "invalidValue"},
		{"members list", groups, "members", `[{"$ref":null,"value":"a"},"b"]`, false, `[{"value":"a"},{"value":"b"}]`, ""},
		{"members element", groups, "members", `{"value":"a","display":"A","type":"USER"}`, true, `{"type":"User","value":"a"}`, ""},
		{"members empty list absent", groups, "members", `[]`, false, `null`, ""},
		{"roles primary string", users, "roles", `[{"value":"r","primary":"True"}]`, false, `[{"primary":true,"value":"r"}]`, ""},
		{"roles.primary sub", users, "roles.primary", `"False"`, false, `false`, ""},
		{"userName number", users, "userName", `42`, false, `"42"`, ""},
		{"userName bool", users, "userName", `true`, false, ``, "invalidValue"},
		{"userName object", users, "userName", `{"a":1}`, false, ``, "invalidValue"},
		{"reference must be string", users, "profileUrl", `12`, false, ``, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.rt.ResolveName(tt.path)
			if err != nil {
				t.Fatalf("ResolveName(%q): %v", tt.path, err)
			}
			got, err := tt.rt.NormalizeValue(r, decodeValue(t, tt.in), tt.element)
			if tt.errType != "" {
				if typ, status := errType(t, err); typ != tt.errType || status != 400 {
					t.Fatalf("NormalizeValue = %v, %v; want 400 %s", got, err, tt.errType)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeValue: %v", err)
			}
			if g := canon(t, got); g != canonJSON(t, tt.want) {
				t.Errorf("NormalizeValue(%s, %s) = %s, want %s", tt.path, tt.in, g, tt.want)
			}
		})
	}
}

// TestNormalizeScalarTypes covers integer, decimal and dateTime, which
// the standard schemas don't use: a custom extension does.
func TestNormalizeScalarTypes(t *testing.T) {
	ext := &Schema{ID: "urn:example:ext:1.0:User", Name: "Ext", Attributes: []*Attribute{
		attr("level", Integer, ""),
		attr("score", Decimal, ""),
		attr("hired", DateTime, ""),
		attr("tags", String, "", multi),
	}}
	rt := &ResourceType{ID: "User", Schema: User(), Extensions: []Extension{{Schema: ext}}}
	tests := []struct {
		path, in, want, errType string
	}{
		{"level", `3`, `3`, ""},
		{"level", `"3"`, `3`, ""},
		{"level", `3.5`, ``, "invalidValue"},
		{"level", `"three"`, ``, "invalidValue"},
		{"score", `2.5`, `2.5`, ""},
		{"score", `"2.5"`, `2.5`, ""},
		{"score", `true`, ``, "invalidValue"},
		{"hired", `"2024-05-01T12:00:00+02:00"`, `"2024-05-01T10:00:00Z"`, ""},
		{"hired", `"2024-05-01T10:00:00.500Z"`, `"2024-05-01T10:00:00.5Z"`, ""},
		{"hired", `"2024-05-01"`, ``, "invalidValue"},
		{"hired", `"yesterday"`, ``, "invalidValue"},
		{"tags", `"a"`, `["a"]`, ""},
		{"tags", `["a","","b"]`, `["a","b"]`, ""},
		{"tags", `[["a"]]`, ``, "invalidValue"},
	}
	for _, tt := range tests {
		r, err := rt.ResolveName(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rt.NormalizeValue(r, decodeValue(t, tt.in), false)
		if tt.errType != "" {
			if typ, _ := errType(t, err); typ != tt.errType {
				t.Errorf("%s %s: got %v, %v; want %s", tt.path, tt.in, got, err, tt.errType)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", tt.path, tt.in, err)
			continue
		}
		if g := canon(t, got); g != tt.want {
			t.Errorf("%s %s = %s, want %s", tt.path, tt.in, g, tt.want)
		}
	}
	// int64 and float64 are the stored Go types.
	r, _ := rt.ResolveName("level")
	if v, _ := rt.NormalizeValue(r, decodeValue(t, `7`), false); v != int64(7) {
		t.Errorf("integer stored as %T %v, want int64 7", v, v)
	}
	r, _ = rt.ResolveName("score")
	if v, _ := rt.NormalizeValue(r, decodeValue(t, `7`), false); v != float64(7) {
		t.Errorf("decimal stored as %T %v, want float64 7", v, v)
	}
}

func TestExclusivePrimary(t *testing.T) {
	list := decodeValue(t, `[{"value":"a","primary":true},{"value":"b","primary":true},{"value":"c","primary":true}]`).([]any)
	ExclusivePrimary(list, 1)
	if g, w := canon(t, list), `[{"primary":false,"value":"a"},{"primary":true,"value":"b"},{"primary":false,"value":"c"}]`; g != w {
		t.Errorf("ExclusivePrimary(keep 1) = %s, want %s", g, w)
	}
}
