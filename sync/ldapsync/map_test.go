package ldapsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
)

// toJSON renders v with sorted keys and without HTML escaping.
func toJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

// readUsers maps every user of src, keyed by userName (or DN on error).
func readUsers(t *testing.T, src Source, now time.Time) (map[string]DirUser, map[string]error, Completeness, error) {
	t.Helper()
	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	users, errs := map[string]DirUser{}, map[string]error{}
	comp, err := dial(t, src).Users(ctx(t), m, now, func(u DirUser, err error) error {
		if err != nil {
			errs[u.DN] = err
			return nil
		}
		users[u.UserName] = u
		return nil
	})
	return users, errs, comp, err
}

// entryUUID reads the entryUUID of dn as root.
func entryUUID(t *testing.T, s *ldaptest.Server, dn string) string {
	t.Helper()
	res, err := s.Conn(t).Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"entryUUID"}, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("reading entryUUID of %s: %v", dn, err)
	}
	return res.Entries[0].GetAttributeValue("entryUUID")
}

func TestMapInetOrgPerson(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	boss := s.AddUsers(t, base, ldaptest.User{UID: "boss", CN: "Big Boss", SN: "Boss"})[0]
	ann := s.AddUsers(t, base, ldaptest.User{
		UID: "ann", CN: "Ann Example", SN: "Example", GivenName: "Ann", DisplayName: "Ann E.",
		Mail:  []string{"ann@example.test", "ann.example@example.test"},
		Title: "Staff Engineer", EmployeeNumber: "1042", EmployeeType: "Employee", DepartmentNumber: "R&D",
		TelephoneNumber: "+1 555 0100", Mobile: "+1 555 0199",
		Manager: strings.ToUpper(boss), // another spelling of the same DN
		Extra:   map[string][]string{"preferredLanguage": {"en-GB"}, "o": {"Example Corp"}},
	})[0]

	users, errs, comp, err := readUsers(t, testSource(s, base), time.Now())
	if err != nil || !comp.Complete || comp.Entries != 2 || len(errs) != 0 {
		t.Fatalf("Users = %+v, %v, entry errors %v", comp, err, errs)
	}
	u := users["ann"]
	if u.SourceID != entryUUID(t, s, ann) || u.DN != ann || u.DNKey != CanonicalDN(ann) || u.UID != "ann" ||
		u.ManagerDN != users["boss"].DNKey || u.Disabled || u.Reason != "" {
		t.Errorf("DirUser = %+v", u)
	}
	want := `{"displayName":"Ann E.",` +
		`"emails":[{"type":"work","value":"ann@example.test"},{"type":"work","value":"ann.example@example.test"}],` +
		`"name":{"familyName":"Example","formatted":"Ann Example","givenName":"Ann"},` +
		`"phoneNumbers":[{"type":"mobile","value":"+1 555 0199"},{"type":"work","value":"+1 555 0100"}],` +
		`"preferredLanguage":"en-GB",` +
		`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"title":"Staff Engineer",` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"1042","organization":"Example Corp"},` +
		`"userName":"ann","userType":"Employee"}`
	if got := toJSON(t, u.Attrs); got != want {
		t.Errorf("Attrs =\n%s\nwant\n%s", got, want)
	}
	if got := toJSON(t, users["boss"].Attrs); got != `{"name":{"familyName":"Boss","formatted":"Big Boss"},`+
		`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"boss"}` {
		t.Errorf("boss Attrs = %s", got)
	}
}

func TestMapGroups(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	dns := s.AddUsers(t, base, ldaptest.User{UID: "ann"}, ldaptest.User{UID: "bob"}, ldaptest.User{UID: "carol"})
	ann, bob, carol := dns[0], dns[1], dns[2]
	backend := s.AddGroups(t, base, ldaptest.Group{CN: "backend", Kind: ldaptest.GroupOfNames, Members: []string{carol}})[0]
	s.AddGroups(t, base,
		ldaptest.Group{CN: "eng", Kind: ldaptest.GroupOfNames,
			Members: []string{ann, strings.ToUpper(strings.ReplaceAll(bob, ",", ", ")), backend}},
		ldaptest.Group{CN: "release", Kind: ldaptest.GroupOfUniqueNames, Members: []string{ann + "#'0101'B", carol}},
		ldaptest.Group{CN: "unix", Kind: ldaptest.PosixGroup, MemberUIDs: []string{"ann", "carol", "dave"}},
		ldaptest.Group{CN: "nobody", Kind: ldaptest.PosixGroup},
	)
	src := testSource(s, base)
	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]DirGroup{}
	comp, err := dial(t, src).Groups(ctx(t), m, func(g DirGroup, err error) error {
		if err != nil {
			t.Errorf("group %s: %v", g.DN, err)
		}
		groups[g.Name] = g
		return nil
	})
	if err != nil || !comp.Complete || comp.Entries != 5 {
		t.Fatalf("Groups = %+v, %v", comp, err)
	}
	for _, tc := range []struct {
		name string
		dns  []string
		uids []string
	}{
		{"eng", []string{ann, bob, backend}, nil},
		{"backend", []string{carol}, nil},
		{"release", []string{ann, carol}, nil},
		{"unix", nil, []string{"ann", "carol", "dave"}},
		{"nobody", nil, nil},
	} {
		g := groups[tc.name]
		var want []string
		for _, dn := range tc.dns {
			want = append(want, CanonicalDN(dn))
		}
		if !slices.Equal(g.MemberDNs, want) || !slices.Equal(g.MemberUIDs, tc.uids) {
			t.Errorf("%s: members %q, uids %q; want %q, %q", tc.name, g.MemberDNs, g.MemberUIDs, want, tc.uids)
		}
		if g.SourceID == "" || g.SourceID != entryUUID(t, s, g.DN) || g.DNKey != CanonicalDN(g.DN) {
			t.Errorf("%s: identity %+v", tc.name, g)
		}
	}

	// Without a group base, groups are not read.
	src.GroupBaseDN = ""
	if src.SyncsGroups() {
		t.Error("SyncsGroups() with no group base DN")
	}
	comp, err = dial(t, src).Groups(ctx(t), m, func(DirGroup, error) error {
		t.Error("a group was read")
		return nil
	})
	if err != nil || !comp.Complete || comp.Entries != 0 {
		t.Errorf("Groups without a base = %+v, %v", comp, err)
	}
}

func TestMapEntriesThatCannotBeMapped(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base,
		ldaptest.User{UID: "ann", EmployeeNumber: "1"},
		ldaptest.User{UID: "bob", EmployeeNumber: "2"},
		ldaptest.User{UID: "ghost"}, // no employeeNumber: no identity
	)
	src := testSource(s, base)
	src.IDAttribute = "employeeNumber"
	users, errs, comp, err := readUsers(t, src, time.Now())
	if !errors.Is(err, ErrIncomplete) || comp.Complete || !strings.Contains(comp.Reason, "1 entries without employeeNumber") {
		t.Errorf("Users = %+v, %v; want incomplete: an entry has no identity", comp, err)
	}
	if len(users) != 2 || users["bob"].SourceID != "2" || len(errs) != 1 {
		t.Fatalf("users %v, errors %v", users, errs)
	}
	for dn, e := range errs {
		if !strings.HasPrefix(dn, "uid=ghost,") || !errors.Is(e, ErrNoIdentity) {
			t.Errorf("error for %s: %v", dn, e)
		}
	}

	// A user without a userName is reported with its identity, and the
	// read stays complete: the engine knows who it is.
	src = testSource(s, base)
	src.Mapping = map[string]string{"userName": "mail"}
	users, errs, comp, err = readUsers(t, src, time.Now())
	if err != nil || !comp.Complete || len(users) != 0 || len(errs) != 3 {
		t.Fatalf("Users = %+v, %v, %v, %v", comp, err, users, errs)
	}
	m, _ := NewMapper(src, nil)
	res, _ := s.Conn(t).Search(ldap.NewSearchRequest("ou=people,"+base, ldap.ScopeSingleLevel, ldap.NeverDerefAliases,
		0, 0, false, "(uid=ann)", m.UserAttributes(), nil))
	u, err := m.User(res.Entries[0], time.Now())
	if err == nil || !strings.Contains(err.Error(), "no mail (mapped to userName)") || u.SourceID == "" || u.DN == "" {
		t.Errorf("User = %+v, %v", u, err)
	}
}
