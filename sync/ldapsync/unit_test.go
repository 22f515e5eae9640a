package ldapsync

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/scim/schema"
)

func TestCanonicalDN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"uid=Ann,ou=People,dc=Example,dc=org", "uid=ann,ou=people,dc=example,dc=org"},
		{"UID=ann, OU=people ,DC=example,DC=org", "uid=ann,ou=people,dc=example,dc=org"},
		{`cn=Doe\, Jane+uid=JD,dc=x`, `cn=doe\, jane+uid=jd,dc=x`},
		{`uid=jd+cn=Doe\2C Jane,dc=x`, `cn=doe\, jane+uid=jd,dc=x`},
		{"cn=Jürgen Groß,dc=x", "cn=jürgen groß,dc=x"},
		{`cn=\#hash\ ,dc=x`, `cn=\#hash\ ,dc=x`},
		{"", ""},
		{"  Not A DN  ", "not a dn"},
	} {
		if got := CanonicalDN(tc.in); got != tc.want {
			t.Errorf("CanonicalDN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOUPath(t *testing.T) {
	base := "ou=people,dc=example,dc=org"
	for _, tc := range []struct {
		dn   string
		want []string
	}{
		{"uid=ann,ou=Backend,ou=Engineering,ou=people,dc=example,dc=org", []string{"Engineering", "Backend"}},
		{"uid=ann,OU=Backend,OU=Engineering,OU=People,DC=Example,DC=Org", []string{"Engineering", "Backend"}},
		{"uid=ann,cn=Users,ou=Sales,ou=people,dc=example,dc=org", []string{"Sales"}},
		{"uid=ann,ou=people,dc=example,dc=org", nil},
		{"ou=Sales,ou=people,dc=example,dc=org", nil},
		{"uid=ann,ou=Sales,ou=staff,dc=example,dc=org", nil},
		{"ou=people,dc=example,dc=org", nil},
		{"garbage", nil},
	} {
		if got := OUPath(tc.dn, base); !slices.Equal(got, tc.want) {
			t.Errorf("OUPath(%q) = %q, want %q", tc.dn, got, tc.want)
		}
	}
}

func TestRangeOption(t *testing.T) {
	for _, tc := range []struct {
		in        string
		attr      string
		low, high int
		ok        bool
	}{
		{"member;range=0-1499", "member", 0, 1499, true},
		{"member;Range=1500-*", "member", 1500, -1, true},
		{"member;binary;range=10-19", "member;binary", 10, 19, true},
		{"member", "", 0, 0, false},
		{"member;range=a-b", "", 0, 0, false},
		{"member;range=5", "", 0, 0, false},
		{"member;range=10-3", "", 0, 0, false},
	} {
		attr, low, high, ok := rangeOption(tc.in)
		if attr != tc.attr || low != tc.low || high != tc.high || ok != tc.ok {
			t.Errorf("rangeOption(%q) = %q %d %d %v", tc.in, attr, low, high, ok)
		}
	}
}

// chunks serves n member values in chunks of size, as AD does.
type chunks struct {
	n, size int
	fail    int // serve an error for the chunk starting here (-1: never)
	skew    int // shift the reported start of later chunks
	drop    bool
}

func (c chunks) attr(low int) *ldap.EntryAttribute {
	high := min(low+c.size, c.n) - 1
	a := &ldap.EntryAttribute{}
	for i := low; i <= high; i++ {
		v := fmt.Sprintf("cn=u%d,dc=x", i)
		a.Values, a.ByteValues = append(a.Values, v), append(a.ByteValues, []byte(v))
	}
	bound := fmt.Sprint(high)
	if high == c.n-1 {
		bound = "*"
	}
	start := low
	if low > 0 {
		start += c.skew
	}
	a.Name = fmt.Sprintf("member;range=%d-%s", start, bound)
	return a
}

func (c chunks) fetch(low int) (*ldap.EntryAttribute, error) {
	switch {
	case low == c.fail:
		return nil, errors.New("busy")
	case c.drop && low > 0:
		return nil, nil
	}
	return c.attr(low), nil
}

func TestCollectRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    chunks
		err  string
	}{
		{"one chunk", chunks{n: 10, size: 1500, fail: -1}, ""},
		{"exactly full chunks", chunks{n: 4500, size: 1500, fail: -1}, ""},
		{"partial last chunk", chunks{n: 3001, size: 1500, fail: -1}, ""},
		{"failed chunk", chunks{n: 4000, size: 1500, fail: 3000}, "busy"},
		{"missing chunk", chunks{n: 4000, size: 1500, fail: -1, drop: true}, "missing"},
		{"wrong start", chunks{n: 4000, size: 1500, fail: -1, skew: 1}, "asked from 1500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.c.attr(0)
			_, low, high, _ := rangeOption(first.Name)
			if low != 0 {
				t.Fatal(first.Name)
			}
			vals, raw, err := collectRange("member", first, high, tc.c.fetch)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil || len(vals) != tc.c.n || len(raw) != tc.c.n || vals[tc.c.n-1] != fmt.Sprintf("cn=u%d,dc=x", tc.c.n-1) {
				t.Fatalf("got %d values, %v", len(vals), err)
			}
		})
	}
}

func TestGroupRefusesUnexpandedRanges(t *testing.T) {
	m, err := NewMapper(Source{Preset: PresetActiveDirectory}, nil)
	if err != nil {
		t.Fatal(err)
	}
	guid, _ := EncodeGUID("00112233-4455-6677-8899-aabbccddeeff")
	e := ldap.NewEntry("CN=Big,DC=corp", map[string][]string{
		"objectGUID": {string(guid)}, "cn": {"Big"}, "member;range=0-1499": {"CN=A,DC=corp"},
	})
	if _, err := m.Group(e); err == nil || !strings.Contains(err.Error(), "expand the ranges") {
		t.Errorf("Group with member;range=0-1499: %v", err)
	}
	e = ldap.NewEntry("CN=Big,DC=corp", map[string][]string{
		"objectGUID": {string(guid)}, "cn": {"Big"}, "member;range=0-*": {"CN=A,DC=corp", "CN=Big,DC=corp", ""},
	})
	g, err := m.Group(e)
	if err != nil || !slices.Equal(g.MemberDNs, []string{"cn=a,dc=corp"}) || g.SourceID != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Errorf("Group = %+v, %v", g, err)
	}
}

func TestMapperDetails(t *testing.T) {
	badge := schema.Extension{Schema: mustExtension(t, `{"id": "urn:example:scim:Badge", "attributes": [
		{"name": "level", "type": "integer"}, {"name": "issued", "type": "dateTime"}]}`)}
	rt := schema.NewUserType().Extend(badge)
	src := Source{
		Name: "t", Preset: PresetFreeIPA,
		Mapping: map[string]string{
			`emails[type eq "work" and primary eq true].value`: "mail",
			`emails[type eq "work"].value`:                     "", // the preset's
			"x509Certificates":                                 "userCertificate;binary",
			"urn:example:scim:Badge:level":                     "badgeLevel",
			"urn:example:scim:Badge:issued":                    "badgeIssued",
		},
	}
	if p := (Source{Name: "t", URL: "ldap://x", BindDN: "cn=x", BindPasswordEnv: "SCIMD_TEST_PW", BaseDN: "dc=x",
		Preset: PresetFreeIPA, Mapping: src.Mapping}).Validate(); len(p) != 1 || !strings.Contains(p[0], "SCIMD_TEST_PW") {
		t.Errorf("Validate() = %q; want only the password problem (the org extension is checked later)", p)
	}
	if _, err := NewMapper(src, nil); err == nil || !strings.Contains(err.Error(), "Badge") {
		t.Errorf("NewMapper without the extension: %v", err)
	}
	twice := Source{Preset: PresetFreeIPA, Mapping: map[string]string{`emails[type eq "work" and primary eq true]`: "mail"}}
	if _, err := NewMapper(twice, nil); err == nil || !strings.Contains(err.Error(), "both put mail into emails") {
		t.Errorf("NewMapper with mail mapped twice into emails: %v", err)
	}
	m, err := NewMapper(src, rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"ipaUniqueID", "uid", "nsAccountLock", "mail", "userCertificate;binary", "badgeLevel"} {
		if !slices.Contains(m.UserAttributes(), a) {
			t.Errorf("UserAttributes() = %v lacks %s", m.UserAttributes(), a)
		}
	}
	if slices.Contains(m.UserAttributes(), "userAccountControl") {
		t.Errorf("a FreeIPA source reads userAccountControl")
	}
	cert := []byte{0x30, 0x82, 0x01, 0xff}
	e := ldap.NewEntry("uid=ann,cn=users,cn=accounts,dc=x", map[string][]string{
		"ipaUniqueID": {"1C2D3E4F-0000-4000-8000-000000000001"}, "uid": {"ann"}, "nsAccountLock": {"True"},
		"mail": {"ann@x.test", "a@x.test"}, "userCertificate;binary": {string(cert)}, "badgeLevel": {"3"},
		"badgeIssued": {"20240131235959Z"},
		// AD attributes mean nothing to a FreeIPA source.
		"userAccountControl": {"garbage"},
	})
	u, err := m.User(e, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if u.SourceID != "1c2d3e4f-0000-4000-8000-000000000001" || !u.Disabled || u.Reason != ReasonDisabled {
		t.Errorf("DirUser = %+v", u)
	}
	want := `{"emails":[{"primary":true,"type":"work","value":"ann@x.test"},{"primary":false,"type":"work","value":"a@x.test"}],` +
		`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:scim:Badge"],` +
		`"urn:example:scim:Badge":{"issued":"2024-01-31T23:59:59Z","level":3},"userName":"ann",` +
		`"x509Certificates":[{"value":"` + base64.StdEncoding.EncodeToString(cert) + `"}]}`
	if got := toJSON(t, u.Attrs); got != want {
		t.Errorf("Attrs =\n%s\nwant\n%s", got, want)
	}

	// A value the schema refuses is an error for the entry, which keeps
	// its identity.
	e.Attributes = append(e.Attributes, &ldap.EntryAttribute{Name: "badgeLevel", Values: []string{"high"}})
	e.Attributes = slices.DeleteFunc(e.Attributes, func(a *ldap.EntryAttribute) bool {
		return a.Name == "badgeLevel" && a.Values[0] == "3"
	})
	u, err = m.User(e, time.Now())
	if err == nil || !strings.Contains(err.Error(), "not a valid SCIM User") || u.SourceID == "" {
		t.Errorf("User with a bad level = %+v, %v", u, err)
	}
}

func mustExtension(t *testing.T, def string) *schema.Schema {
	t.Helper()
	s, err := schema.ParseExtension([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
