package ldapsync

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/scimd/scimd/scim/schema"
)

// validSource is a complete openldap source with a password file.
func validSource(t *testing.T) Source {
	return Source{
		Name:             "corp",
		URL:              "ldaps://ldap.example.org",
		BindDN:           "cn=sync,dc=example,dc=org",
		BindPasswordFile: writeFile(t, "pw", "s3cret\n"),
		BaseDN:           "dc=example,dc=org",
		Preset:           PresetOpenLDAP,
		Schedule:         "*/30 * * * *",
	}
}

func TestValidateAcceptsAValidSource(t *testing.T) {
	if p := validSource(t).Validate(); p != nil {
		t.Fatalf("Validate() = %q, want nil", p)
	}
}

func TestYAMLDecoding(t *testing.T) {
	const doc = `
name: corp
url: ldap://dc1.corp.example:389
startTLS: true
bindDN: CN=svc-sync,OU=Service,DC=corp,DC=example
bindPasswordEnv: CORP_LDAP_PASSWORD
baseDN: DC=corp,DC=example
preset: activedirectory
pageSize: 1000
timeLimit: 90s
schedule: "@every 15m"
thresholds: {maxDeactivations: 0, maxMembershipRemovalPercent: 5}
mapping:
  urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter: extensionAttribute1
  phoneNumbers[type eq "mobile"].value: ""
ouTeams: true
`
	var s Source
	if err := yaml.Unmarshal([]byte(doc), &s); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CORP_LDAP_PASSWORD", "x")
	if p := s.Validate(); p != nil {
		t.Fatalf("Validate() = %q", p)
	}
	s.ApplyPreset()
	if s.TimeLimit.Seconds() != 90 || !s.StartTLS || !s.OUTeams || s.PageSize != 1000 {
		t.Errorf("decoded %+v", s)
	}
	if *s.Thresholds.MaxDeactivations != 0 || *s.Thresholds.MaxMembershipRemovalPercent != 5 ||
		*s.Thresholds.MaxDeactivationPercent != 10 || *s.Thresholds.MaxMembershipRemovals != 500 {
		t.Errorf("thresholds = %d %v %d %v", *s.Thresholds.MaxDeactivations, *s.Thresholds.MaxDeactivationPercent,
			*s.Thresholds.MaxMembershipRemovals, *s.Thresholds.MaxMembershipRemovalPercent)
	}
	if got := s.Mapping["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"]; got != "extensionAttribute1" {
		t.Errorf("costCenter mapped to %q", got)
	}
	if m, err := NewMapper(s, nil); err != nil {
		t.Fatal(err)
	} else if strings.Contains(strings.Join(m.UserAttributes(), ","), "mobile") {
		t.Errorf("the removed mobile mapping is still read: %v", m.UserAttributes())
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	bad := Source{
		Name:               "Corp Directory",
		URL:                "ldaps://ldap.example.org/dc=example?uid",
		StartTLS:           true,
		CAFile:             "/nonexistent/ca.pem",
		ClientCertFile:     "/nonexistent/client.pem",
		BindDN:             "not a dn",
		BindPasswordFile:   "/nonexistent/pw",
		BindPasswordEnv:    "SCIMD_TEST_UNSET_PW",
		BindPassword:       "hunter2",
		UserBaseDN:         "ou=people,,",
		UserFilter:         "(objectClass=person",
		GroupBaseDN:        "ou=groups,dc=example,dc=org",
		PageSize:           20000,
		TimeLimit:          -1,
		Schedule:           "every day at noon",
		Thresholds:         Thresholds{MaxDeactivations: ptr(-1), MaxDeactivationPercent: ptr(150.0)},
		Preset:             "novell",
		IDAttribute:        "mail",
		GroupNameAttribute: "c n",
		Mapping: map[string]string{
			"active":                       "enabled",
			"password":                     "userPassword",
			"groups":                       "memberOf",
			"name":                         "cn",
			"nickName":                     "not an attribute!",
			`emails[type ne "work"].value`: "mail",
			"favouriteColour":              "color",
		},
	}
	want := []string{
		"name:", "url:", "caFile:", "clientCertFile, clientKeyFile:", "bindPassword: a password may not be written",
		"bindDN:", "bindPasswordFile, bindPasswordEnv: set one", "userBaseDN:", "userFilter:", "groupFilter: required",
		"pageSize:", "timeLimit:", "preset:", "schedule:", "thresholds.maxDeactivations:",
		"thresholds.maxDeactivationPercent:", `mapping "active"`, `mapping "password"`, `mapping "groups"`,
		`mapping "name"`, `mapping "nickName"`, `mapping "emails[type ne \"work\"].value"`,
		`mapping "favouriteColour"`, "mapping: userName must be mapped", "idAttribute:", "groupNameAttribute:",
	}
	got := bad.Validate()
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("no problem mentions %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), joined)
	}
	if strings.Contains(joined, "hunter2") {
		t.Error("a problem message contains the literal password")
	}
}

func TestValidatePasswordSources(t *testing.T) {
	t.Setenv("SCIMD_TEST_PW", "from-env")
	for _, tc := range []struct {
		name string
		mod  func(*Source)
		want string // substring of the only problem; "" for valid
	}{
		{"file", func(*Source) {}, ""},
		{"env", func(s *Source) { s.BindPasswordFile, s.BindPasswordEnv = "", "SCIMD_TEST_PW" }, ""},
		{"env unset", func(s *Source) { s.BindPasswordFile, s.BindPasswordEnv = "", "SCIMD_TEST_NOPE" }, "is not set"},
		{"empty file", func(s *Source) { s.BindPasswordFile = writeFile(t, "empty", "\n") }, "is empty"},
		{"none", func(s *Source) { s.BindPasswordFile = "" }, "set bindPasswordFile or bindPasswordEnv"},
		{"no bind DN", func(s *Source) { s.BindDN = "" }, "bindDN: required"},
		{"ldaps with StartTLS", func(s *Source) { s.StartTLS = true }, "already TLS"},
		{"http", func(s *Source) { s.URL = "http://ldap.example.org" }, "must be ldap or ldaps"},
		{"AD page size", func(s *Source) { s.Preset, s.PageSize = PresetActiveDirectory, 1500 }, "MaxPageSize"},
		{"uid as identity", func(s *Source) { s.IDAttribute = "uid" }, "changes with renames"},
		{"mail as identity", func(s *Source) { s.IDAttribute = "Mail" }, "changes with renames"},
		{"duplicate mapping", func(s *Source) {
			s.Mapping = map[string]string{"name.givenName": "gn", "NAME.GIVENNAME": "givenName"}
		}, "name the same attribute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSource(t)
			tc.mod(&s)
			got := s.Validate()
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("Validate() = %q, want nil", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Fatalf("Validate() = %q, want one problem mentioning %q", got, tc.want)
			}
		})
	}
}

func TestPresets(t *testing.T) {
	for _, tc := range []struct {
		preset                         string
		id, userName, userBase, filter string
		groupBase                      string
		pageSize                       int
		disabled                       string
	}{
		{PresetOpenLDAP, "entryUUID", "uid", "dc=example,dc=org", "(objectClass=inetOrgPerson)",
			"dc=example,dc=org", 500, ""},
		{PresetActiveDirectory, "objectGUID", "sAMAccountName", "dc=example,dc=org",
			"(&(objectClass=user)(!(objectClass=computer)))", "dc=example,dc=org", 1000, ""},
		{PresetFreeIPA, "ipaUniqueID", "uid", "cn=users,cn=accounts,dc=example,dc=org", "(objectClass=inetOrgPerson)",
			"cn=groups,cn=accounts,dc=example,dc=org", 500, "nsAccountLock"},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			s := Source{Preset: strings.ToUpper(tc.preset), BaseDN: "dc=example,dc=org"}
			s.ApplyPreset()
			if s.IDAttribute != tc.id || s.Mapping["userName"] != tc.userName || s.UserBaseDN != tc.userBase ||
				s.UserFilter != tc.filter || s.GroupBaseDN != tc.groupBase || s.PageSize != tc.pageSize ||
				s.DisabledAttribute != tc.disabled || s.GroupNameAttribute != "cn" || s.MemberAttribute != "member" {
				t.Errorf("ApplyPreset gave %v", s)
			}
			if s.Mapping[`emails[type eq "work"].value`] != "mail" || s.Mapping[enterprise+"manager"] != "manager" {
				t.Errorf("mapping = %v", s.Mapping)
			}

			// Every field can be overridden; a mapping key overrides
			// however it is spelled, and an empty value removes it.
			o := Source{
				Preset: tc.preset, BaseDN: "dc=example,dc=org", IDAttribute: "employeeID",
				UserBaseDN: "ou=staff,dc=example,dc=org", UserFilter: "(objectClass=person)", PageSize: 200,
				GroupNameAttribute: "displayName", MemberAttribute: "uniqueMember", DisabledAttribute: "locked",
				Mapping: map[string]string{
					"USERNAME": "mail", "Emails[Type Eq \"work\"].Value": "otherMailbox",
					"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "",
				},
			}
			o.ApplyPreset()
			once := fmt.Sprint(o.Mapping)
			o.ApplyPreset()
			if fmt.Sprint(o.Mapping) != once {
				t.Errorf("ApplyPreset is not idempotent: %s then %v", once, o.Mapping)
			}
			if o.IDAttribute != "employeeID" || o.UserBaseDN != "ou=staff,dc=example,dc=org" ||
				o.UserFilter != "(objectClass=person)" || o.PageSize != 200 || o.GroupNameAttribute != "displayName" ||
				o.MemberAttribute != "uniqueMember" || o.DisabledAttribute != "locked" {
				t.Errorf("overrides lost: %v", o)
			}
			m, err := NewMapper(o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.userName != "mail" {
				t.Errorf("userName is read from %q, want mail", m.userName)
			}
			for _, tg := range m.targets {
				if tg.manager {
					t.Errorf("the removed manager mapping is still there")
				}
				if tg.key == `emails[type eq "work"].value` && tg.ldap != "otherMailbox" {
					t.Errorf("work e-mail read from %q", tg.ldap)
				}
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := func() Source {
		return Source{
			Name: "corp", URL: "ldaps://LDAP.example.org", BindDN: "cn=sync,dc=example,dc=org",
			BindPasswordFile: "/run/secrets/a", BaseDN: "dc=example,dc=org", Preset: PresetOpenLDAP,
		}
	}
	fp := base().Fingerprint()
	if len(fp) != 64 {
		t.Fatalf("Fingerprint() = %q, want 64 hex digits", fp)
	}
	same := map[string]func(*Source){
		"name":            func(s *Source) { s.Name = "other" },
		"schedule":        func(s *Source) { s.Schedule = "@hourly" },
		"thresholds":      func(s *Source) { s.Thresholds.MaxDeactivations = ptr(3) },
		"page size":       func(s *Source) { s.PageSize = 100 },
		"time limit":      func(s *Source) { s.TimeLimit = 7 },
		"TLS":             func(s *Source) { s.CAFile, s.InsecureSkipVerify = "/ca.pem", true },
		"password source": func(s *Source) { s.BindPasswordFile, s.BindPasswordEnv = "", "PW" },
		"adoptExisting":   func(s *Source) { s.AdoptExisting = true },
		"plain port 389":  func(s *Source) { s.URL, s.StartTLS = "ldap://ldap.example.org:389", true },
		"DN spelling":     func(s *Source) { s.BaseDN = "DC=Example, DC=Org" },
		"preset spelled":  func(s *Source) { s.Preset = "OpenLDAP" },
		"preset made explicit": func(s *Source) {
			s.IDAttribute, s.GroupNameAttribute = "entryUUID", "cn"
			s.Mapping = map[string]string{"userName": "uid", "NAME.givenName": "givenName"}
		},
	}
	for name, mod := range same {
		s := base()
		mod(&s)
		if got := s.Fingerprint(); got != fp {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	changed := map[string]func(*Source){
		"host":             func(s *Source) { s.URL = "ldaps://ldap2.example.org" },
		"global catalog":   func(s *Source) { s.URL = "ldaps://ldap.example.org:3269" },
		"bind DN":          func(s *Source) { s.BindDN = "cn=other,dc=example,dc=org" },
		"user base":        func(s *Source) { s.UserBaseDN = "ou=people,dc=example,dc=org" },
		"group base":       func(s *Source) { s.GroupBaseDN = "ou=groups,dc=example,dc=org" },
		"user filter":      func(s *Source) { s.UserFilter = "(objectClass=person)" },
		"group filter":     func(s *Source) { s.GroupFilter = "(objectClass=groupOfNames)" },
		"id attribute":     func(s *Source) { s.IDAttribute = "employeeNumber" },
		"mapping":          func(s *Source) { s.Mapping = map[string]string{"title": "description"} },
		"mapping removal":  func(s *Source) { s.Mapping = map[string]string{"title": ""} },
		"preset":           func(s *Source) { s.Preset = PresetFreeIPA },
		"member attribute": func(s *Source) { s.MemberAttribute = "uniqueMember" },
		"disabled":         func(s *Source) { s.DisabledAttribute = "nsAccountLock" },
		"ouTeams":          func(s *Source) { s.OUTeams = true },
	}
	seen := map[string]string{fp: "base"}
	for name, mod := range changed {
		s := base()
		mod(&s)
		got := s.Fingerprint()
		if prev, dup := seen[got]; dup {
			t.Errorf("%s gives the fingerprint of %s", name, prev)
		}
		seen[got] = name
	}
}

func TestSecretsAreNeverPrinted(t *testing.T) {
	s := validSource(t)
	s.BindPassword = "hunter2"
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("source", "source", s)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("source", "source", s)
	for _, out := range []string{
		s.String(), fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), fmt.Sprintf("%v", &s), logged.String(),
	} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cret") {
			t.Errorf("printed a password: %s", out)
		}
		if !strings.Contains(out, "corp") {
			t.Errorf("printed no source name: %s", out)
		}
	}
	if s.Insecure() || s.Plaintext() {
		t.Error("Insecure or Plaintext wrong for a verified ldaps source")
	}
	s.InsecureSkipVerify, s.URL = true, "ldap://ldap.example.org"
	if !s.Insecure() || !s.Plaintext() {
		t.Error("Insecure or Plaintext wrong for an unverified plain source")
	}
}

func TestMappingKeys(t *testing.T) {
	for _, tc := range []struct{ key, canonical, err string }{
		{"userName", "userName", ""},
		{"name.GIVENNAME", "name.givenName", ""},
		{`emails[type eq "work"]`, `emails[type eq "work"].value`, ""},
		{`emails[primary eq true and type eq "work"].value`, `emails[primary eq true and type eq "work"].value`, ""},
		{"emails", "emails.value", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", ""},
		{"manager", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", ""},
		{"x509Certificates.value", "x509Certificates.value", ""},
		{`emails[type eq "work" or type eq "home"].value`, "", "eq, joined by and"},
		{`emails[type eq "work"].display`, `emails[type eq "work"].display`, ""},
		{`emails[value eq "x"].value`, "", "receives the value"},
		{`emails[primary eq "yes"].value`, "", "is not a string"},
		{`emails[type eq true].value`, "", "is not a boolean"},
		{`title[type eq "x"]`, "", "single-valued"},
		{"meta.created", "", "read-only"},
		{"id", "", "read-only"},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "", "whole schema extension"},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "", "read-only"},
	} {
		tg, err := compileTarget(schema.NewUserType(), tc.key)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err = %v, want one mentioning %q", tc.key, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.key, err)
		case tc.err == "" && tg.key != tc.canonical:
			t.Errorf("%s: canonical key %q, want %q", tc.key, tg.key, tc.canonical)
		}
	}
}
