package adtest

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func TestGUIDForms(t *testing.T) {
	// The example from MS docs / Crowd's GuidHelper: string form vs wire bytes.
	g, err := ParseGUID("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}")
	if err != nil {
		t.Fatalf("ParseGUID: %v", err)
	}
	wire := []byte{0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01}
	if !slices.Equal(g.Bytes(), wire) {
		t.Errorf("bytes % x, want % x", g.Bytes(), wire)
	}
	if g.String() != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" {
		t.Errorf("String() = %s", g.String())
	}
	if g.FilterValue() != `\e0\04\25\3f\89\4f\d3\11\9a\0c\03\05\e8\2c\33\01` {
		t.Errorf("FilterValue() = %s", g.FilterValue())
	}
	for _, bad := range []string{"", "3f2504e0", "3f2504e0-4f89-11d3-9a0c-0305e82c33zz", "3f2504e04f8911d39a0c0305e82c3301"} {
		if _, err := ParseGUID(bad); err == nil {
			t.Errorf("ParseGUID(%q) succeeded", bad)
		}
	}
	fresh, err := newGUID()
	if err != nil || fresh.String()[14] != '4' {
		t.Errorf("generated GUID %s is not version 4 in AD's layout", fresh)
	}
}

func guidOf(t *testing.T, c *ldap.Conn, dn string) GUID {
	t.Helper()
	res, err := c.Search(baseSearch(dn, "objectGUID"))
	if err != nil {
		t.Fatalf("read %s: %v", dn, err)
	}
	g, err := GUIDFromBytes(res.Entries[0].GetRawAttributeValue("objectGUID"))
	if err != nil {
		t.Fatalf("objectGUID of %s: %v", dn, err)
	}
	return g
}

func TestMoveKeepsGUID(t *testing.T) {
	srv := Start(t)
	base := srv.BaseDN()
	alice := "CN=Alice,OU=Sales,OU=People," + base
	g := srv.AddUser(User{DN: alice, SAMAccountName: "alice"})
	boss := srv.AddUser(User{DN: "CN=Boss,OU=Sales,OU=People," + base, SAMAccountName: "boss"})
	srv.SetAttribute(alice, "manager", "CN=Boss,OU=Sales,OU=People,"+base)
	team := "CN=Team,OU=Groups," + base
	srv.AddGroup(Group{DN: team, Members: []string{alice}})
	c := dial(t, srv)

	// Mover: Alice changes OU and name.
	moved := "CN=Alice Jones,OU=Engineering,OU=People," + base
	srv.Move(alice, moved)
	if got := guidOf(t, c, moved); got != g {
		t.Errorf("objectGUID after move %s, want %s", got, g)
	}
	res, err := c.Search(subtree(base, "(objectGUID="+g.FilterValue()+")", "cn", "name", "memberOf"))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("search by objectGUID: %v", err)
	}
	e := res.Entries[0]
	if e.DN != moved || e.GetAttributeValue("cn") != "Alice Jones" || e.GetAttributeValue("name") != "Alice Jones" {
		t.Errorf("entry after move: %s cn=%q name=%q", e.DN, e.GetAttributeValue("cn"), e.GetAttributeValue("name"))
	}
	if got := e.GetAttributeValues("memberOf"); !slices.Equal(got, []string{team}) {
		t.Errorf("memberOf after move %v, want [%s]", got, team)
	}
	if _, err := c.Search(baseSearch(alice)); resultCode(err) != ldap.LDAPResultNoSuchObject {
		t.Errorf("old DN still answers: %v", err)
	}
	res, err = c.Search(baseSearch(team, "member"))
	if err != nil || !slices.Equal(res.Entries[0].GetAttributeValues("member"), []string{moved}) {
		t.Errorf("group member after move: %v %v", err, res.Entries[0].GetAttributeValues("member"))
	}

	// Renaming an OU moves its subtree; GUIDs and manager references follow.
	srv.Move("OU=Sales,OU=People,"+base, "OU=Field Sales,OU=People,"+base)
	newBoss := "CN=Boss,OU=Field Sales,OU=People," + base
	if got := guidOf(t, c, newBoss); got != boss {
		t.Errorf("boss GUID after OU rename %s, want %s", got, boss)
	}
	srv.Move(moved, "CN=Alice Jones,OU=Field Sales,OU=People,"+base)
	res, err = c.Search(baseSearch("CN=Alice Jones,OU=Field Sales,OU=People,"+base, "manager"))
	if err != nil || res.Entries[0].GetAttributeValue("manager") != newBoss {
		t.Errorf("manager after moves: %v %q, want %q", err, res.Entries[0].GetAttributeValue("manager"), newBoss)
	}
}

func TestRemoveAndDisable(t *testing.T) {
	srv := Start(t)
	dns := addPeople(t, srv, 3)
	group := "CN=G,OU=Groups," + srv.BaseDN()
	srv.AddGroup(Group{DN: group, Members: dns})
	c := dial(t, srv)
	usnBefore := srv.HighestCommittedUSN()

	srv.SetDisabled(dns[0], true)
	res, err := c.Search(subtree("OU=People,"+srv.BaseDN(), "(userAccountControl:1.2.840.113556.1.4.803:=2)", "userAccountControl"))
	if err != nil || len(res.Entries) != 1 || res.Entries[0].DN != dns[0] || res.Entries[0].GetAttributeValue("userAccountControl") != "514" {
		t.Fatalf("disabled users: %v %v", err, dnsOf(res.Entries))
	}
	srv.SetDisabled(dns[0], false)
	res, _ = c.Search(baseSearch(dns[0], "userAccountControl", "uSNChanged"))
	if got := res.Entries[0].GetAttributeValue("userAccountControl"); got != "512" {
		t.Errorf("re-enabled userAccountControl %s, want 512", got)
	}

	// Changes raise uSNChanged; a (uSNChanged>=N) filter finds them.
	usn, _ := strconv.ParseInt(res.Entries[0].GetAttributeValue("uSNChanged"), 10, 64)
	if usn <= usnBefore {
		t.Errorf("uSNChanged %d not above the USN before the change (%d)", usn, usnBefore)
	}
	res, err = c.Search(subtree(srv.BaseDN(), "(uSNChanged>="+strconv.FormatInt(usnBefore+1, 10)+")", "1.1"))
	if err != nil || len(res.Entries) != 1 || res.Entries[0].DN != dns[0] {
		t.Errorf("changed since USN %d: %v %v", usnBefore, err, dnsOf(res.Entries))
	}

	srv.Remove(dns[1])
	res, err = c.Search(baseSearch(group, "member"))
	if err != nil || !slices.Equal(res.Entries[0].GetAttributeValues("member"), []string{dns[0], dns[2]}) {
		t.Errorf("members after removal: %v %v", err, res.Entries[0].GetAttributeValues("member"))
	}
	srv.Remove("OU=People," + srv.BaseDN())
	res, err = c.Search(subtree(srv.BaseDN(), "(objectClass=user)", "1.1"))
	if err != nil || !slices.Equal(dnsOf(res.Entries), []string{srv.BindDN()}) {
		t.Errorf("users after removing the OU: %v %v", err, dnsOf(res.Entries))
	}
}

func TestUserDefaultsAndExpiry(t *testing.T) {
	srv := Start(t)
	expiry := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	srv.AddUser(User{SAMAccountName: "jdoe", GivenName: "John", Surname: "Doe", AccountExpires: FileTime(expiry)})
	c := dial(t, srv)
	res, err := c.Search(subtree(srv.BaseDN(), "(sAMAccountName=jdoe)", "userPrincipalName", "accountExpires", "whenCreated"))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("search: %v", err)
	}
	e := res.Entries[0]
	if e.DN != "CN=John Doe,CN=Users,"+srv.BaseDN() || e.GetAttributeValue("userPrincipalName") != "jdoe@corp.example.com" {
		t.Errorf("defaults: DN %s, UPN %s", e.DN, e.GetAttributeValue("userPrincipalName"))
	}
	if got := e.GetAttributeValue("accountExpires"); got != "134458272000000000" {
		t.Errorf("accountExpires %s, want 134458272000000000 (2027-01-31 as FILETIME)", got)
	}
	if _, err := time.Parse("20060102150405.0Z", e.GetAttributeValue("whenCreated")); err != nil {
		t.Errorf("whenCreated %q is not AD generalized time: %v", e.GetAttributeValue("whenCreated"), err)
	}
}
