package ldapsync

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/scimd/scimd/internal/ldaptest"
)

// adEntry is an AD-shaped entry for slapd with the msuser schema: the
// mandatory attributes of AD's top class, a binary objectGUID, extra
// attributes on extensibleObject.
func adEntry(t *testing.T, dn string, classes []string, guid string, attrs map[string][]string) ldaptest.Entry {
	t.Helper()
	b, err := EncodeGUID(guid)
	if err != nil {
		t.Fatal(err)
	}
	a := map[string][]string{
		"objectClass":          append(classes, "extensibleObject"),
		"instanceType":         {"4"},
		"nTSecurityDescriptor": {"sd"},
		"objectCategory":       {"CN=Person,CN=Schema,CN=Configuration,DC=corp,DC=example"},
		"objectGUID":           {string(b)},
	}
	for k, v := range attrs {
		a[k] = v
	}
	return ldaptest.Entry{DN: dn, Attrs: a}
}

// TestMapActiveDirectoryShapes runs the activedirectory preset, unchanged,
// over AD-shaped entries: computers are left out, the binary objectGUID
// becomes the identity, userAccountControl and accountExpires decide who
// is active.
func TestMapActiveDirectoryShapes(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	users := "ou=people," + base
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ticks := func(tm time.Time) []string {
		return []string{strconv.FormatInt((tm.Unix()+11644473600)*10_000_000, 10)}
	}
	person := func(sam string, uac string, extra map[string][]string) map[string][]string {
		a := map[string][]string{"cn": {sam}, "sn": {sam}, "sAMAccountName": {sam}, "userAccountControl": {uac},
			"mail": {sam + "@corp.example"}}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	s.AddEntries(t,
		adEntry(t, "CN=Ann,"+users, []string{"user"}, "11111111-2222-3333-4444-555555555555",
			person("ann", "512", map[string][]string{"accountExpires": {"9223372036854775807"}, "department": {"Sales"},
				"employeeID": {"E1"}, "manager": {"CN=Bob," + users}})),
		adEntry(t, "CN=Bob,"+users, []string{"user"}, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			person("bob", "66050", nil)), // disabled
		adEntry(t, "CN=Cy,"+users, []string{"user"}, "00000000-0000-0000-0000-000000000001",
			person("cy", "512", map[string][]string{"accountExpires": ticks(now.Add(-time.Hour))})),
		adEntry(t, "CN=Di,"+users, []string{"user"}, "00000000-0000-0000-0000-000000000002",
			person("di", "512", map[string][]string{"accountExpires": ticks(now.Add(time.Hour))})),
		adEntry(t, "CN=WS01,"+users, []string{"computer"}, "00000000-0000-0000-0000-0000000000c0",
			person("WS01$", "4096", nil)),
		adEntry(t, "CN=Sales,ou=groups,"+base, []string{"group"}, "99999999-8888-7777-6666-555555555555",
			map[string][]string{"cn": {"Sales"}, "groupType": {"-2147483646"},
				"member": {"CN=Ann," + users, "CN=Bob," + users}}),
	)
	src := Source{
		Name: "corp", URL: s.URL, BindDN: s.ReaderDN, BindPasswordFile: s.ReaderPasswordFile,
		Preset: PresetActiveDirectory, BaseDN: base,
	}
	if p := src.Validate(); p != nil {
		t.Fatalf("Validate() = %q", p)
	}
	got, errs, comp, err := readUsers(t, src, now)
	if err != nil || !comp.Complete || len(errs) != 0 {
		t.Fatalf("Users = %+v, %v, %v", comp, err, errs)
	}
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ann", "bob", "cy", "di"}) {
		t.Fatalf("users %v, want ann bob cy di (no computer)", names)
	}
	for _, tc := range []struct {
		user, id, reason string
	}{
		{"ann", "11111111-2222-3333-4444-555555555555", ""},
		{"bob", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", ReasonDisabled},
		{"cy", "00000000-0000-0000-0000-000000000001", ReasonExpired},
		{"di", "00000000-0000-0000-0000-000000000002", ""},
	} {
		u := got[tc.user]
		if u.SourceID != tc.id || u.Disabled != (tc.reason != "") || u.Reason != tc.reason {
			t.Errorf("%s: SourceID %q, Disabled %v, Reason %q; want %q, %q", tc.user, u.SourceID, u.Disabled, u.Reason, tc.id, tc.reason)
		}
	}
	ann := got["ann"]
	if ann.ManagerDN != got["bob"].DNKey {
		t.Errorf("ann's manager %q, want bob %q", ann.ManagerDN, got["bob"].DNKey)
	}
	if want := `{"emails":[{"type":"work","value":"ann@corp.example"}],"name":{"familyName":"ann","formatted":"ann"},` +
		`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","employeeNumber":"E1"},` +
		`"userName":"ann"}`; toJSON(t, ann.Attrs) != want {
		t.Errorf("ann = %s\nwant %s", toJSON(t, ann.Attrs), want)
	}

	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var groups []DirGroup
	comp, err = dial(t, src).Groups(ctx(t), m, func(g DirGroup, err error) error {
		if err != nil {
			t.Error(err)
		}
		groups = append(groups, g)
		return nil
	})
	if err != nil || !comp.Complete || len(groups) != 1 {
		t.Fatalf("Groups = %+v, %v, %v", comp, err, groups)
	}
	if g := groups[0]; g.SourceID != "99999999-8888-7777-6666-555555555555" || g.Name != "Sales" ||
		!slices.Equal(g.MemberDNs, []string{ann.DNKey, got["bob"].DNKey}) {
		t.Errorf("group = %+v", g)
	}
}
