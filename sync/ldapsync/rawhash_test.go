package ldapsync

import (
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/scim/schema"
)

// TestRawHash: the raw hash of an entry is that of the values of the
// requested attributes, whatever the order or the case the server sends
// them in; any change of a requested value, of how values split, of the
// account state, of the mapping or of the organization's schemas changes
// it; attributes not requested do not count.
func TestRawHash(t *testing.T) {
	src := Source{Name: "t", URL: "ldap://x", Preset: PresetOpenLDAP, UserBaseDN: "ou=people,dc=x"}
	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	attrs := func(extra ...string) map[string][]string {
		a := map[string][]string{"entryUUID": {"0f1e2d3c-0000-4000-8000-000000000001"}, "uid": {"ann"},
			"cn": {"Ann"}, "mail": {"a@x", "b@x"}, "title": {"Engineer"}}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				delete(a, extra[i])
			} else {
				a[extra[i]] = []string{extra[i+1]}
			}
		}
		return a
	}
	sum := func(m *Mapper, e *ldap.Entry) [32]byte {
		t.Helper()
		u, err := m.prepare(e, time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return u.raw
	}
	dn := "uid=ann,ou=people,dc=x"
	base := sum(m, ldap.NewEntry(dn, attrs()))

	// Order and case of the attributes as sent do not matter; what was not
	// requested does not count; a hasher reused gives the same.
	e := ldap.NewEntry(dn, attrs("description", "not requested"))
	for i, j := 0, len(e.Attributes)-1; i < j; i, j = i+1, j-1 {
		e.Attributes[i], e.Attributes[j] = e.Attributes[j], e.Attributes[i]
	}
	for _, a := range e.Attributes {
		if a.Name == "title" {
			a.Name = "TITLE"
		}
	}
	h := m.newHasher()
	for range 2 {
		if u, _ := m.prepare(e, time.Now(), h); u.raw != base {
			t.Errorf("the same entry hashes differently")
		}
	}

	differ := map[string]*ldap.Entry{
		"a value":          ldap.NewEntry(dn, attrs("title", "Designer")),
		"a value removed":  ldap.NewEntry(dn, attrs("title", "")),
		"a value added":    ldap.NewEntry(dn, attrs("displayName", "Ann")),
		"values re-split":  ldap.NewEntry(dn, map[string][]string{"entryUUID": {"0f1e2d3c-0000-4000-8000-000000000001"}, "uid": {"ann"}, "cn": {"Ann"}, "mail": {"a@xb@x"}, "title": {"Engineer"}}),
		"moved attribute":  ldap.NewEntry(dn, map[string][]string{"entryUUID": {"0f1e2d3c-0000-4000-8000-000000000001"}, "uid": {"ann"}, "sn": {"Ann"}, "mail": {"a@x", "b@x"}, "title": {"Engineer"}}),
		"a value of a DN":  ldap.NewEntry(dn, attrs("manager", "uid=bob,ou=people,dc=x")),
		"the entry's uuid": ldap.NewEntry(dn, attrs("entryUUID", "0f1e2d3c-0000-4000-8000-000000000002")),
	}
	for what, e := range differ {
		if sum(m, e) == base {
			t.Errorf("%s: the same raw hash", what)
		}
	}

	// The account state, the mapping, the organization's schemas.
	disabledSrc := src
	disabledSrc.DisabledAttribute = "nsAccountLock"
	md, err := NewMapper(disabledSrc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if on, off := sum(md, ldap.NewEntry(dn, attrs("nsAccountLock", "TRUE"))), sum(md, ldap.NewEntry(dn, attrs())); on == off || off == base {
		t.Errorf("the account state or the disabled attribute does not change the hash")
	}
	remapped := src
	remapped.Mapping = map[string]string{"title": "cn"}
	if mr, err := NewMapper(remapped, nil); err != nil || sum(mr, ldap.NewEntry(dn, attrs())) == base {
		t.Errorf("a changed mapping does not change the hash (%v)", err)
	}
	ext := mustExtension(t, `{"id":"urn:example:scim:X","name":"X","attributes":[{"name":"x","type":"string"}]}`)
	if mx, err := NewMapper(src, schema.NewUserType().WithExtensions(ext)); err != nil || sum(mx, ldap.NewEntry(dn, attrs())) == base {
		t.Errorf("another User schema does not change the hash (%v)", err)
	}
}
