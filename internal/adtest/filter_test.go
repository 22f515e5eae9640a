package adtest

import (
	"slices"
	"testing"
)

// filterFixture builds a small directory:
//
//	OU=People: alice (512, Engineering), bob (514 disabled, Sales),
//	           carol (512, manager alice), dave (514|DONT_EXPIRE = 66050)
//	groups:    Eng {alice, Leads}, Leads {carol, Eng} (a loop), All {Eng}, Solo {dave}
func filterFixture(t *testing.T) (*Server, map[string]GUID) {
	t.Helper()
	srv := Start(t)
	people := "OU=People," + srv.BaseDN()
	groups := "OU=Groups," + srv.BaseDN()
	g := map[string]GUID{}
	g["alice"] = srv.AddUser(User{DN: "CN=Alice Smith," + people, SAMAccountName: "alice", GivenName: "Alice",
		Surname: "Smith", Mail: "Alice.Smith@corp.example.com", Department: "Engineering", EmployeeID: "1001"})
	g["bob"] = srv.AddUser(User{DN: "CN=Bob Jones," + people, SAMAccountName: "bob", GivenName: "Bob",
		Surname: "Jones", Department: "Sales", Disabled: true, EmployeeID: "1002"})
	g["carol"] = srv.AddUser(User{DN: "CN=Carol White," + people, SAMAccountName: "carol", GivenName: "Carol",
		Surname: "White", Manager: "CN=Alice Smith," + people, EmployeeID: "1003"})
	g["dave"] = srv.AddUser(User{DN: "CN=Dave Brown," + people, SAMAccountName: "dave",
		UserAccountControl: UACNormalAccount | UACDontExpirePassword, Disabled: true, EmployeeID: "0999"})
	g["Eng"] = srv.AddGroup(Group{DN: "CN=Eng," + groups, Members: []string{"CN=Alice Smith," + people}})
	g["Leads"] = srv.AddGroup(Group{DN: "CN=Leads," + groups, Members: []string{"CN=Carol White," + people, "CN=Eng," + groups}})
	srv.SetMembers("CN=Eng,"+groups, "CN=Alice Smith,"+people, "CN=Leads,"+groups) // Eng <-> Leads loop
	g["All"] = srv.AddGroup(Group{DN: "CN=All," + groups, Members: []string{"CN=Eng," + groups}})
	g["Solo"] = srv.AddGroup(Group{DN: "CN=Solo," + groups, Members: []string{"CN=Dave Brown," + people}})
	return srv, g
}

func TestFilterEvaluation(t *testing.T) {
	srv, guids := filterFixture(t)
	c := dial(t, srv)
	groups := "OU=Groups," + srv.BaseDN()
	people := "OU=People," + srv.BaseDN()
	tests := []struct {
		name   string
		base   string
		filter string
		want   []string // sAMAccountNames, in creation order
	}{
		{"equality is case-insensitive", people, "(sAMAccountName=ALICE)", []string{"alice"}},
		{"attribute name is case-insensitive", people, "(SAMACCOUNTNAME=bob)", []string{"bob"}},
		{"attribute not in the DN", people, "(department=engineering)", []string{"alice"}},
		{"presence", people, "(manager=*)", []string{"carol"}},
		{"absent attribute is false", people, "(title=x)", nil},
		{"negation", people, "(&(objectClass=user)(!(sAMAccountName=alice)))", []string{"bob", "carol", "dave"}},
		{"negation keeps entries without the attribute", people, "(!(sAMAccountName=alice))", []string{"", "bob", "carol", "dave"}},
		{"negation of an absent attribute", people, "(&(objectClass=user)(!(title=x)))", []string{"alice", "bob", "carol", "dave"}},
		{"and", people, "(&(objectClass=user)(givenName=Carol))", []string{"carol"}},
		{"and, one side false", people, "(&(sAMAccountName=alice)(mail=nobody@x))", nil},
		{"or", people, "(|(sAMAccountName=zed)(sAMAccountName=bob))", []string{"bob"}},
		{"substring initial", people, "(mail=alice.*)", []string{"alice"}},
		{"substring any and final", people, "(sn=*o*es)", []string{"bob"}},
		{"substring on DN-valued attribute", people, "(manager=CN=Alice*)", []string{"carol"}},
		{"greater or equal, string", people, "(employeeID>=1002)", []string{"bob", "carol"}},
		{"less or equal, integer", people, "(userAccountControl<=512)", []string{"alice", "carol"}},
		{"approx is equality", people, "(sn~=jones)", []string{"bob"}},
		{"objectCategory shorthand", srv.BaseDN(), "(&(objectCategory=person)(objectClass=user)(employeeID=*))", []string{"alice", "bob", "carol", "dave"}},
		{"manager DN equality ignores case and spacing", people, "(manager=cn=alice smith, ou=people, dc=corp, dc=example, dc=com)", []string{"carol"}},
		{"bit-AND: disabled users", people, "(userAccountControl:1.2.840.113556.1.4.803:=2)", []string{"bob", "dave"}},
		{"bit-AND: enabled users", people, "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))", []string{"alice", "carol"}},
		{"bit-AND needs every bit", people, "(userAccountControl:1.2.840.113556.1.4.803:=65538)", []string{"dave"}},
		{"bit-OR needs any bit", people, "(userAccountControl:1.2.840.113556.1.4.804:=65538)", []string{"bob", "dave"}},
		{"memberOf direct", people, "(memberOf=CN=Eng," + groups + ")", []string{"alice"}},
		{"memberOf IN_CHAIN is transitive", people, "(memberOf:1.2.840.113556.1.4.1941:=CN=All," + groups + ")", []string{"alice", "carol"}},
		{"memberOf direct is not transitive", people, "(memberOf=CN=All," + groups + ")", nil},
		{"IN_CHAIN through a loop", people, "(memberOf:1.2.840.113556.1.4.1941:=CN=Leads," + groups + ")", []string{"alice", "carol"}},
		{"member IN_CHAIN finds every enclosing group", groups, "(member:1.2.840.113556.1.4.1941:=CN=Carol White," + people + ")", []string{"Eng", "Leads", "All"}},
		{"unknown matching rule is undefined", people, "(sAMAccountName:1.2.3.4:=alice)", nil},
		{"negated undefined stays undefined", people, "(!(sAMAccountName:1.2.3.4:=alice))", nil},
		{"extensible without rule is equality", people, "(sAMAccountName:=alice)", []string{"alice"}},
		{"objectGUID escaped bytes", srv.BaseDN(), "(objectGUID=" + guids["carol"].FilterValue() + ")", []string{"carol"}},
		{"objectGUID is compared as bytes", srv.BaseDN(), "(objectGUID=" + upperHexEscape(guids["bob"]) + ")", []string{"bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Search(subtree(tt.base, tt.filter, "sAMAccountName"))
			if err != nil {
				t.Fatalf("search %s: %v", tt.filter, err)
			}
			var got []string
			for _, e := range res.Entries {
				got = append(got, e.GetAttributeValue("sAMAccountName"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s returned %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func upperHexEscape(g GUID) string {
	out := ""
	for _, b := range g {
		out += "\\" + string("0123456789ABCDEF"[b>>4]) + string("0123456789ABCDEF"[b&15])
	}
	return out
}

func TestScopeAndAttributes(t *testing.T) {
	srv, guids := filterFixture(t)
	c := dial(t, srv)
	people := "OU=People," + srv.BaseDN()

	t.Run("scopes", func(t *testing.T) {
		for _, tt := range []struct {
			scope int
			base  string
			want  int
		}{
			{0, people, 1},       // the OU itself
			{1, people, 4},       // its four users
			{2, people, 5},       // OU + users
			{1, srv.BaseDN(), 3}, // CN=Users, OU=People, OU=Groups
			{2, "CN=Dave Brown," + people, 1},
		} {
			req := subtree(tt.base, "(objectClass=*)", "1.1")
			req.Scope = tt.scope
			res, err := c.Search(req)
			if err != nil {
				t.Fatalf("scope %d at %s: %v", tt.scope, tt.base, err)
			}
			if len(res.Entries) != tt.want {
				t.Errorf("scope %d at %s: %d entries %v, want %d", tt.scope, tt.base, len(res.Entries), dnsOf(res.Entries), tt.want)
			}
		}
	})

	t.Run("no such base", func(t *testing.T) {
		_, err := c.Search(subtree("OU=Gone,"+srv.BaseDN(), "(objectClass=*)"))
		if got := resultCode(err); got != 32 {
			t.Fatalf("search under missing OU: %v (code %d), want 32", err, got)
		}
	})

	t.Run("requested attributes", func(t *testing.T) {
		res, err := c.Search(baseSearch("CN=Alice Smith,"+people, "mail", "objectGUID", "memberOf"))
		if err != nil || len(res.Entries) != 1 {
			t.Fatalf("base search: %v", err)
		}
		e := res.Entries[0]
		var names []string
		for _, a := range e.Attributes {
			names = append(names, a.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"mail", "memberOf", "objectGUID"}) {
			t.Errorf("attributes %v, want mail, memberOf, objectGUID", names)
		}
		raw := e.GetRawAttributeValue("objectGUID")
		if g, err := GUIDFromBytes(raw); err != nil || g != guids["alice"] {
			t.Errorf("objectGUID = %x (%v), want the 16 raw bytes %x", raw, err, guids["alice"].Bytes())
		}
	})

	t.Run("1.1 returns no attributes, * returns AD's user attributes", func(t *testing.T) {
		res, err := c.Search(baseSearch("CN=Bob Jones,"+people, "1.1"))
		if err != nil || len(res.Entries) != 1 || len(res.Entries[0].Attributes) != 0 {
			t.Fatalf("1.1: %v %+v", err, res.Entries)
		}
		res, err = c.Search(baseSearch("CN=Bob Jones,"+people, "*"))
		if err != nil || len(res.Entries) != 1 {
			t.Fatalf("*: %v", err)
		}
		e := res.Entries[0]
		for attr, want := range map[string]string{
			"userAccountControl": "514", "accountExpires": "9223372036854775807",
			"distinguishedName": "CN=Bob Jones," + people, "userPrincipalName": "bob@corp.example.com",
			"objectCategory": "CN=Person,CN=Schema,CN=Configuration," + srv.BaseDN(),
		} {
			if got := e.GetAttributeValue(attr); got != want {
				t.Errorf("%s = %q, want %q", attr, got, want)
			}
		}
		if got := e.GetAttributeValues("objectClass"); !slices.Equal(got, []string{"top", "person", "organizationalPerson", "user"}) {
			t.Errorf("objectClass = %v", got)
		}
	})
}
