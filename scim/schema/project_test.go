package schema

import "testing"

// fullUser is an output resource as a handler builds it before projection.
const fullUser = `{
 "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "id":"u1","externalId":"ext","userName":"bjensen","password":"leaked?",
 "name":{"givenName":"Barbara","familyName":"Jensen"},
 "displayName":"Babs","active":true,
 "emails":[{"value":"b@work","type":"work","primary":true},{"value":"b@home","type":"home"}],
 "groups":[{"value":"g1","display":"Eng","type":"direct"}],
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Eng","manager":{"value":"m1","displayName":"Boss"}},
 "meta":{"resourceType":"User","created":"2024-01-01T00:00:00Z","location":"https://h/Users/u1","version":"W/\"1\""}
}`

func TestProjection(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	const sch = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`
	const ext = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	const meta = `"meta":{"resourceType":"User","created":"2024-01-01T00:00:00Z","location":"https://h/Users/u1","version":"W/\"1\""}`
	tests := []struct {
		name                 string
		attributes, excluded string
		want                 string
	}{
		{"default: all but never", "", "", `{` + sch + `,"id":"u1","externalId":"ext","userName":"bjensen",
			"name":{"givenName":"Barbara","familyName":"Jensen"},"displayName":"Babs","active":true,
			"emails":[{"value":"b@work","type":"work","primary":true},{"value":"b@home","type":"home"}],
			"groups":[{"value":"g1","display":"Eng","type":"direct"}],` + ext + `:{"department":"Eng","manager":{"value":"m1","displayName":"Boss"}},` + meta + `}`},
		{"attributes: always kept, meta is default", "userName", "", `{` + sch + `,"id":"u1","userName":"bjensen"}`},
		{"attributes: case-insensitive and several", "USERNAME, Emails", "", `{` + sch + `,"id":"u1","userName":"bjensen",
			"emails":[{"value":"b@work","type":"work","primary":true},{"value":"b@home","type":"home"}]}`},
		{"attributes: sub-attribute", "name.givenName", "", `{` + sch + `,"id":"u1","name":{"givenName":"Barbara"}}`},
		{"attributes: sub-attribute of multi-valued", "emails.value", "", `{` + sch + `,"id":"u1","emails":[{"value":"b@work"},{"value":"b@home"}]}`},
		{"attributes: Microsoft emails[type eq \"work\"]", `emails[type eq "work"]`, "", `{` + sch + `,"id":"u1",
			"emails":[{"value":"b@work","type":"work","primary":true},{"value":"b@home","type":"home"}]}`},
		{"attributes: URN-qualified core", "urn:ietf:params:scim:schemas:core:2.0:User:userName,meta", "", `{` + sch + `,"id":"u1","userName":"bjensen",` + meta + `}`},
		{"attributes: URN-qualified extension attribute", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "",
			`{` + sch + `,"id":"u1",` + ext + `:{"department":"Eng"}}`},
		{"attributes: unqualified extension sub-attribute", "manager.value", "",
			`{` + sch + `,"id":"u1",` + ext + `:{"manager":{"value":"m1"}}}`},
		{"attributes: whole extension", ext[1 : len(ext)-1], "",
			`{` + sch + `,"id":"u1",` + ext + `:{"department":"Eng","manager":{"value":"m1","displayName":"Boss"}}}`},
		{"attributes: never stays never", "password,userName", "", `{` + sch + `,"id":"u1","userName":"bjensen"}`},
		{"attributes: unknown ignored", "nope,userName", "", `{` + sch + `,"id":"u1","userName":"bjensen"}`},
		{"attributes wins over excluded", "userName", "userName", `{` + sch + `,"id":"u1","userName":"bjensen"}`},
		{"excluded: top-level", "", "emails,groups,meta", `{` + sch + `,"id":"u1","externalId":"ext","userName":"bjensen",
			"name":{"givenName":"Barbara","familyName":"Jensen"},"displayName":"Babs","active":true,` + ext + `:{"department":"Eng","manager":{"value":"m1","displayName":"Boss"}}}`},
		{"excluded: id and schemas cannot be excluded", "", "id,schemas,userName,name,displayName,active,emails,groups,meta,externalId," + ext[1:len(ext)-1],
			`{` + sch + `,"id":"u1"}`},
		{"excluded: sub-attributes", "", "name.familyName,emails.type,emails.primary,manager.displayName,meta,groups,externalId,displayName,active",
			`{` + sch + `,"id":"u1","userName":"bjensen","name":{"givenName":"Barbara"},"emails":[{"value":"b@work"},{"value":"b@home"}],` +
				ext + `:{"department":"Eng","manager":{"value":"m1"}}}`},
		{"excluded: extension attribute, qualified", "", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager,meta,emails,groups,name",
			`{` + sch + `,"id":"u1","externalId":"ext","userName":"bjensen","displayName":"Babs","active":true,` + ext + `:{"department":"Eng"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := users.NewProjection(tt.attributes, tt.excluded)
			if err != nil {
				t.Fatalf("NewProjection: %v", err)
			}
			res := decode(t, fullUser)
			before := canon(t, res)
			got := p.Apply(res)
			if g, w := canon(t, got), canonJSON(t, tt.want); g != w {
				t.Errorf("Apply\n got  %s\n want %s", g, w)
			}
			if canon(t, res) != before {
				t.Errorf("Apply modified its argument")
			}
		})
	}

	// Groups: excludedAttributes=members (Entra E-10, E-11, Q20).
	p, _ := groups.NewProjection("", "members")
	got := p.Apply(decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g","displayName":"G",
		"members":[{"value":"u","display":"U","type":"User","$ref":"https://h/Users/u"}],"meta":{"resourceType":"Group"}}`))
	if g, w := canon(t, got), canonJSON(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g","displayName":"G","meta":{"resourceType":"Group"}}`); g != w {
		t.Errorf("excludedAttributes=members\n got  %s\n want %s", g, w)
	}
}

func TestProjectionWants(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	tests := []struct {
		rt                   *ResourceType
		attributes, excluded string
		name                 string
		want                 bool
	}{
		{groups, "", "", "members", true},
		{groups, "", "members", "members", false},
		{groups, "", "MEMBERS", "Members", false},
		{groups, "", "members.display", "members", true},
		{groups, "displayName", "", "members", false},
		{groups, "members.value", "", "members", true},
		{groups, "displayName", "", "id", true},
		{users, "", "", "groups", true},
		{users, "userName", "", "groups", false},
		{users, "groups", "", "groups", true},
		{users, "", "groups", "groups", false},
		{users, "", "", "password", false},
		{users, "password", "", "password", false},
		{users, "userName", "", "meta", false},
		{users, "", "id", "id", true},
		{users, "department", "", ent, true},
		{users, "userName", "", ent, false},
		{users, "", ent, ent, false},
		{users, "", ent, "department", false},
		{users, ent, "", "department", true},
		{users, "", "", "department", true},
	}
	for _, tt := range tests {
		p, err := tt.rt.NewProjection(tt.attributes, tt.excluded)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Wants(tt.name); got != tt.want {
			t.Errorf("%s attributes=%q excluded=%q: Wants(%q) = %v, want %v", tt.rt.ID, tt.attributes, tt.excluded, tt.name, got, tt.want)
		}
	}
}

func TestSplitNames(t *testing.T) {
	got := splitNames(` userName, emails[type eq "work,home"].value ,,name.givenName,`)
	want := []string{"userName", "emails.value", "name.givenName"}
	if canon(t, got) != canon(t, want) {
		t.Errorf("splitNames = %q, want %q", got, want)
	}
}

// TestProjectionReturned covers returned=request and returned=never on
// attributes and sub-attributes, which only extensions use.
func TestProjectionReturned(t *testing.T) {
	ext := &Schema{ID: "urn:example:ext:1.0:User", Name: "Ext", Attributes: []*Attribute{
		attr("secret", String, "", never),
		attr("badge", String, "", func(a *Attribute) { a.Returned = Request }),
		attr("info", Complex, "", subs(
			attr("pin", String, "", never),
			attr("label", String, ""),
		)),
		attr("cards", Complex, "", multi, subs(
			attr("pin", String, "", never),
			attr("label", String, ""),
		)),
	}}
	rt := &ResourceType{ID: "User", Schema: User(), Extensions: []Extension{{Schema: ext}}}
	const x = `"urn:example:ext:1.0:User"`
	res := `{"id":"u","userName":"u",` + x + `:{"secret":"s","badge":"b","info":{"pin":"1","label":"L"},"cards":[{"pin":"2","label":"C"}]}}`
	tests := []struct {
		attributes, excluded, want string
		wantsBadge                 bool
	}{
		{"", "", `{"id":"u","userName":"u",` + x + `:{"info":{"label":"L"},"cards":[{"label":"C"}]}}`, false},
		{"badge", "", `{"id":"u",` + x + `:{"badge":"b"}}`, true},
		{"info,cards", "", `{"id":"u",` + x + `:{"info":{"label":"L"},"cards":[{"label":"C"}]}}`, false},
		{"info.pin,secret", "", `{"id":"u"}`, false},
		{x[1 : len(x)-1], "", `{"id":"u",` + x + `:{"badge":"b","info":{"label":"L"},"cards":[{"label":"C"}]}}`, true},
		{"", "info.label,userName,cards", `{"id":"u"}`, false},
		{"", "userName", `{"id":"u",` + x + `:{"info":{"label":"L"},"cards":[{"label":"C"}]}}`, false},
	}
	for _, tt := range tests {
		p, _ := rt.NewProjection(tt.attributes, tt.excluded)
		if g, w := canon(t, p.Apply(decode(t, res))), canonJSON(t, tt.want); g != w {
			t.Errorf("attributes=%q excluded=%q\n got  %s\n want %s", tt.attributes, tt.excluded, g, w)
		}
		if got := p.Wants("badge"); got != tt.wantsBadge {
			t.Errorf("attributes=%q excluded=%q: Wants(badge) = %v", tt.attributes, tt.excluded, got)
		}
		if p.Wants("secret") {
			t.Errorf("attributes=%q excluded=%q: Wants(secret)", tt.attributes, tt.excluded)
		}
	}
}
