package schema

import (
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/store"
)

// Expected-expression helpers.
func col(c store.Column, typ store.Type, exact bool) store.Attr {
	return store.Attr{Column: c, Type: typ, CaseExact: exact}
}

func path(typ store.Type, exact bool, keys ...string) store.Attr {
	return store.Attr{Path: keys, Type: typ, CaseExact: exact}
}

func cmp(a store.Attr, op store.Op, v any) store.Expr {
	return store.Compare{Attr: a, Op: op, Value: v}
}

var (
	str    = store.TypeString
	yes    = cmp(col(store.ColID, str, true), store.OpPresent, nil)
	no     = store.Not{X: yes}
	userID = col(store.ColName, str, false)
)

func TestCompile(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	tests := []struct {
		name   string
		rt     *ResourceType
		filter string
		want   store.Expr
	}{
		// Columns.
		{"userName eq (Okta O-3)", users, `userName eq "test.user@okta.local"`, cmp(userID, store.OpEq, "test.user@okta.local")},
		{"attribute and operator case (Q19)", users, `UserName EQ "A"`, cmp(userID, store.OpEq, "A")},
		{"core-qualified", users, `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a"`, cmp(userID, store.OpSw, "a")},
		{"id", users, `id eq "x"`, cmp(col(store.ColID, str, true), store.OpEq, "x")},
		{"externalId caseExact", users, `externalId eq "alice"`, cmp(col(store.ColExternalID, str, true), store.OpEq, "alice")},
		{"active", users, `active eq true`, cmp(col(store.ColActive, store.TypeBoolean, false), store.OpEq, true)},
		{"active string boolean", users, `active eq "False"`, cmp(col(store.ColActive, store.TypeBoolean, false), store.OpEq, false)},
		{"meta.created", users, `meta.created gt "2024-01-01T01:00:00+01:00"`,
			cmp(col(store.ColCreated, store.TypeDateTime, false), store.OpGt, "2024-01-01T00:00:00Z")},
		{"meta.lastModified", groups, `meta.lastModified ge "2011-05-13T04:42:34Z"`,
			cmp(col(store.ColModified, store.TypeDateTime, false), store.OpGe, "2011-05-13T04:42:34Z")},
		{"meta.version etag", users, `meta.version eq "W/\"3\""`, cmp(col(store.ColVersion, store.TypeInteger, true), store.OpEq, int64(3))},
		{"meta.version number", users, `meta.version lt 4`, cmp(col(store.ColVersion, store.TypeInteger, true), store.OpLt, int64(4))},
		{"group displayName (O-11)", groups, `displayName eq "Test SCIMv2"`, cmp(col(store.ColName, str, false), store.OpEq, "Test SCIMv2")},
		{"group id", groups, `id eq "g"`, cmp(col(store.ColID, str, true), store.OpEq, "g")},
		{"members.value", groups, `members.value eq "u1"`, cmp(col(store.ColMember, str, true), store.OpEq, "u1")},
		{"members", groups, `members eq "u1"`, cmp(col(store.ColMember, str, true), store.OpEq, "u1")},
		{"members ne", groups, `members ne "u1"`, cmp(col(store.ColMember, str, true), store.OpNe, "u1")},
		{"members pr", groups, `members pr`, cmp(col(store.ColMember, str, true), store.OpPresent, nil)},
		{"members[value eq]", groups, `members[value eq "u1"]`, cmp(col(store.ColMember, str, true), store.OpEq, "u1")},
		{"members[value eq or value eq]", groups, `members[value eq "a" or value eq "b"]`,
			store.Or{L: cmp(col(store.ColMember, str, true), store.OpEq, "a"), R: cmp(col(store.ColMember, str, true), store.OpEq, "b")}},
		{"groups.value", users, `groups.value eq "g1"`, cmp(col(store.ColGroup, str, true), store.OpEq, "g1")},
		{"groups", users, `groups eq "g1"`, cmp(col(store.ColGroup, str, true), store.OpEq, "g1")},
		// Constants.
		{"meta.resourceType eq own", users, `meta.resourceType eq "User"`, yes},
		{"meta.resourceType eq other", users, `meta.resourceType eq "Group"`, no},
		{"meta.resourceType ne other", groups, `meta.resourceType ne "User"`, yes},
		{"meta.resourceType pr", groups, `meta.resourceType pr`, yes},
		{"meta pr", groups, `meta pr`, yes},
		// Document paths.
		{"displayName (User) is a document path", users, `displayName co "Bob"`, cmp(path(str, false, "displayName"), store.OpCo, "Bob")},
		{"sub-attribute", users, `name.familyName ew "son"`, cmp(path(str, false, "name", "familyName"), store.OpEw, "son")},
		{"name[givenName eq]", users, `name[givenName eq "B"]`, cmp(path(str, false, "name", "givenName"), store.OpEq, "B")},
		{"title pr", users, `title pr`, cmp(path(str, false, "title"), store.OpPresent, nil)},
		{"title eq null", users, `title eq null`, store.Not{X: cmp(path(str, false, "title"), store.OpPresent, nil)}},
		{"title ne null", users, `title ne null`, cmp(path(str, false, "title"), store.OpPresent, nil)},
		{"extension attribute", users, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Eng"`,
			cmp(path(str, false, ent, "department"), store.OpEq, "Eng")},
		{"extension attribute unqualified", users, `department eq "Eng"`, cmp(path(str, false, ent, "department"), store.OpEq, "Eng")},
		{"extension sub-attribute", users, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"`,
			cmp(path(str, false, ent, "manager", "value"), store.OpEq, "m")},
		{"manager compared directly (legacy Entra)", users, `id eq "u" and manager eq "m"`,
			store.And{L: cmp(col(store.ColID, str, true), store.OpEq, "u"), R: cmp(path(str, false, ent, "manager", "value"), store.OpEq, "m")}},
		{"whole extension pr", users, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`, cmp(path(str, false, ent), store.OpPresent, nil)},
		// Multi-valued.
		{"emails.value", users, `emails.value eq "a@b"`,
			store.Any{Path: []string{"emails"}, Cond: cmp(path(str, false, "value"), store.OpEq, "a@b")}},
		{"emails compared directly", users, `emails co "@x"`,
			store.Any{Path: []string{"emails"}, Cond: cmp(path(str, false, "value"), store.OpCo, "@x")}},
		{"emails pr", users, `emails pr`, cmp(path(str, false, "emails"), store.OpPresent, nil)},
		{"emails.type pr", users, `emails.type pr`,
			store.Any{Path: []string{"emails"}, Cond: cmp(path(str, false, "type"), store.OpPresent, nil)}},
		{"value path", users, `emails[type eq "work" and value co "@x"]`,
			store.Any{Path: []string{"emails"}, Cond: store.And{
				L: cmp(path(str, false, "type"), store.OpEq, "work"),
				R: cmp(path(str, false, "value"), store.OpCo, "@x")}}},
		{"Entra value path with sub-attribute (E-3)", users, `emails[type eq "work"].value eq "alice@contoso.com"`,
			store.Any{Path: []string{"emails"}, Cond: store.And{
				L: cmp(path(str, false, "type"), store.OpEq, "work"),
				R: cmp(path(str, false, "value"), store.OpEq, "alice@contoso.com")}}},
		{"value path primary string boolean (Q4)", users, `roles[primary eq "True"]`,
			store.Any{Path: []string{"roles"}, Cond: cmp(path(store.TypeBoolean, false, "primary"), store.OpEq, true)}},
		{"value path not/or", users, `addresses[not (type eq "work") or country eq "FR"]`,
			store.Any{Path: []string{"addresses"}, Cond: store.Or{
				L: store.Not{X: cmp(path(str, false, "type"), store.OpEq, "work")},
				R: cmp(path(str, false, "country"), store.OpEq, "FR")}}},
		{"binary eq", users, `x509Certificates.value eq "AAAA"`,
			store.Any{Path: []string{"x509Certificates"}, Cond: cmp(path(store.TypeBinary, false, "value"), store.OpEq, "AAAA")}},
		{"reference", users, `profileUrl sw "https://"`, cmp(path(store.TypeReference, false, "profileUrl"), store.OpSw, "https://")},
		// Logic.
		{"and/or/not", users, `userName eq "a" or not (active eq false)`,
			store.Or{L: cmp(userID, store.OpEq, "a"), R: store.Not{X: cmp(col(store.ColActive, store.TypeBoolean, false), store.OpEq, false)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filter.Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			got, err := tt.rt.Compile(f)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.filter, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Compile(%q)\n got  %#v\n want %#v", tt.filter, got, tt.want)
			}
		})
	}
}

// TestCompileTypes uses a custom extension for the types the standard
// schemas lack (integer, decimal, dateTime, multi-valued simple).
func TestCompileTypes(t *testing.T) {
	ext := &Schema{ID: "urn:example:ext:1.0:User", Name: "Ext", Attributes: []*Attribute{
		attr("level", Integer, ""),
		attr("score", Decimal, ""),
		attr("hired", DateTime, ""),
		attr("tags", String, "", multi, caseExact),
	}}
	rt := &ResourceType{ID: "User", Schema: User(), Extensions: []Extension{{Schema: ext}}}
	x := ext.ID
	tests := []struct {
		filter string
		want   store.Expr
	}{
		{`level ge 3`, cmp(path(store.TypeInteger, false, x, "level"), store.OpGe, int64(3))},
		{`score lt 2.5`, cmp(path(store.TypeDecimal, false, x, "score"), store.OpLt, 2.5)},
		{`score eq 2`, cmp(path(store.TypeDecimal, false, x, "score"), store.OpEq, 2.0)},
		{`hired le "2024-05-01T12:00:00.250+02:00"`, cmp(path(store.TypeDateTime, false, x, "hired"), store.OpLe, "2024-05-01T10:00:00.25Z")},
		{`tags eq "a"`, store.Any{Path: []string{x, "tags"}, Cond: cmp(store.Attr{Type: str, CaseExact: true}, store.OpEq, "a")}},
		{`tags[value sw "a"]`, store.Any{Path: []string{x, "tags"}, Cond: cmp(store.Attr{Type: str, CaseExact: true}, store.OpSw, "a")}},
		{`tags pr`, cmp(path(str, true, x, "tags"), store.OpPresent, nil)},
	}
	for _, tt := range tests {
		f, err := filter.Parse(tt.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.filter, err)
		}
		got, err := rt.Compile(f)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.filter, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Compile(%q)\n got  %#v\n want %#v", tt.filter, got, tt.want)
		}
	}
	for _, bad := range []string{`level co "1"`, `level eq "3"`, `level eq 3.5`, `score eq "x"`, `hired eq "yesterday"`,
		`hired sw "2024"`, `hired eq 5`, `tags[type eq "x"]`} {
		f, err := filter.Parse(bad)
		if err != nil {
			t.Fatalf("Parse(%q): %v", bad, err)
		}
		if e, err := rt.Compile(f); !isInvalidFilter(t, err) {
			t.Errorf("Compile(%q) = %#v, %v; want 400 invalidFilter", bad, e, err)
		}
	}
}

func isInvalidFilter(t *testing.T, err error) bool {
	typ, status := errType(t, err)
	return typ == "invalidFilter" && status == 400
}

func TestCompileErrors(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	tests := []struct {
		rt      *ResourceType
		filter  string
		mention string
	}{
		{users, `adreses eq "x"`, "adreses"},
		{users, `name.nick eq "x"`, "name.nick"},
		{users, `urn:example:x:department eq "x"`, "department"},
		{groups, `members.display eq "Bob"`, "members.display"},
		{groups, `members.type eq "User"`, "members.type"},
		{groups, `members[display eq "Bob"]`, "members.display"},
		{groups, `members[value eq "a" and value eq "b"]`, "members"},
		{groups, `members co "a"`, "members"},
		{users, `groups.display eq "G"`, "groups.display"},
		{users, `groups.type eq "direct"`, "groups.type"},
		{users, `password eq "secret"`, "password"},
		{users, `meta.location eq "https://x"`, "meta.location"},
		{users, `meta eq "x"`, "meta"},
		{users, `meta.version co "3"`, "meta.version"},
		{users, `meta.version eq "abc"`, "meta.version"},
		{users, `meta.created eq "not a date"`, "meta.created"},
		{users, `meta.resourceType eq 1`, "meta.resourceType"},
		{users, `active gt true`, "active"},
		{users, `active co "t"`, "active"},
		{users, `active eq "maybe"`, "active"},
		{users, `x509Certificates.value gt "AAAA"`, "x509Certificates.value"},
		{users, `userName eq 42`, "userName"},
		{users, `userName eq true`, "userName"},
		{users, `userName gt null`, "userName"},
		{users, `name eq "x"`, "name"},
		{users, `addresses eq "x"`, "addresses"},
		{users, `emails[nope eq "x"]`, "emails.nope"},
		{users, `userName[value eq "x"]`, "userName"},
		{users, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "x"`, "extension"},
		{groups, `department eq "x"`, "department"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := filter.Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			e, err := tt.rt.Compile(f)
			if !isInvalidFilter(t, err) {
				t.Fatalf("Compile(%q) = %#v, %v; want 400 invalidFilter", tt.filter, e, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestSortAttr(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	tests := []struct {
		rt     *ResourceType
		sortBy string
		want   *store.Attr // nil with ok: no sorting
		ok     bool
	}{
		{users, "", nil, true},
		{users, "userName", &store.Attr{Column: store.ColName, Type: str}, true},
		{users, "USERNAME", &store.Attr{Column: store.ColName, Type: str}, true},
		{groups, "displayName", &store.Attr{Column: store.ColName, Type: str}, true},
		{users, "id", &store.Attr{Column: store.ColID, Type: str, CaseExact: true}, true},
		{users, "externalId", &store.Attr{Column: store.ColExternalID, Type: str, CaseExact: true}, true},
		{users, "name.familyName", &store.Attr{Path: []string{"name", "familyName"}, Type: str}, true},
		{users, "displayName", &store.Attr{Path: []string{"displayName"}, Type: str}, true},
		{users, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", &store.Attr{Path: []string{ent, "department"}, Type: str}, true},
		{users, "manager.value", &store.Attr{Path: []string{ent, "manager", "value"}, Type: str}, true},
		{users, "meta.created", &store.Attr{Column: store.ColCreated, Type: store.TypeDateTime}, true},
		{users, "meta.lastModified", &store.Attr{Column: store.ColModified, Type: store.TypeDateTime}, true},
		{users, "emails", nil, false},
		{users, "emails.value", nil, false},
		{groups, "members", nil, false},
		{users, "name", nil, false},
		{users, "password", nil, false},
		{users, "nope", nil, false},
		{users, "meta.resourceType", nil, false},
		{users, ent, nil, false},
	}
	for _, tt := range tests {
		got, err := tt.rt.SortAttr(tt.sortBy)
		if !tt.ok {
			if typ, status := errType(t, err); typ != "invalidValue" || status != 400 {
				t.Errorf("SortAttr(%q) = %#v, %v; want 400 invalidValue", tt.sortBy, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SortAttr(%q) = %#v, %v; want %#v", tt.sortBy, got, err, tt.want)
		}
	}
}
