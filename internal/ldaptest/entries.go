package ldaptest

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Entry is a directory entry to add: a DN and its attributes (objectClass
// included). Values are strings of bytes, so binary values such as an AD
// objectGUID can be given as string(b).
type Entry struct {
	DN    string
	Attrs map[string][]string
}

// User is an inetOrgPerson to add. UID is required; empty fields are left
// out; CN defaults to UID and SN to "User".
type User struct {
	UID              string
	CN, SN           string
	GivenName        string
	DisplayName      string
	Mail             []string
	Title            string
	EmployeeNumber   string
	EmployeeType     string
	DepartmentNumber string
	TelephoneNumber  string
	Mobile           string
	Manager          string // a DN
	// Parent is the DN the entry is added under; default ou=people,<OU>.
	Parent string
	// Extra adds attributes; extra object classes go in "objectClass".
	Extra map[string][]string
}

// GroupKind is a directory group's object class.
type GroupKind int

// The group shapes of RFC 4519 and RFC 2307.
const (
	GroupOfNames       GroupKind = iota // member: DNs (at least one)
	GroupOfUniqueNames                  // uniqueMember: DNs (at least one)
	PosixGroup                          // memberUid: uid values; gidNumber
)

// Group is a group to add.
type Group struct {
	CN         string
	Kind       GroupKind
	Members    []string // member / uniqueMember DNs
	MemberUIDs []string // memberUid values (PosixGroup)
	GIDNumber  int      // PosixGroup; default 10000
	// Parent is the DN the entry is added under; default ou=groups,<OU>.
	Parent string
	Extra  map[string][]string
}

// Conn returns a connection bound as the root DN, closed when the test
// ends: for writing fixtures and changing them mid-test (Modify, Del,
// ModifyDN).
func (s *Server) Conn(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := s.dialRoot()
	if err != nil {
		t.Fatalf("connecting to slapd as root: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) dialRoot() (*ldap.Conn, error) {
	c, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(time.Minute)
	if err := c.Bind(s.RootDN, s.RootPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// NewOU creates a fresh organizational unit below Suffix for one test,
// with ou=people and ou=groups below it, and returns its DN. The entries
// are left in place (the directory is thrown away with the server).
func (s *Server) NewOU(t testing.TB) string {
	t.Helper()
	base := "ou=t" + randomHex(6) + "," + Suffix
	s.AddEntries(t,
		ou(base),
		ou("ou=people,"+base),
		ou("ou=groups,"+base),
	)
	return base
}

// AddOU adds the organizational unit ou=name below parent and returns its
// DN.
func (s *Server) AddOU(t testing.TB, parent, name string) string {
	t.Helper()
	dn := "ou=" + ldap.EscapeDN(name) + "," + parent
	s.AddEntries(t, ou(dn))
	return dn
}

func ou(dn string) Entry {
	return Entry{DN: dn, Attrs: map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {rdnValue(dn)}}}
}

// rdnValue returns the value of the first RDN of a fixture DN.
func rdnValue(dn string) string {
	d, err := ldap.ParseDN(dn)
	if err != nil || len(d.RDNs) == 0 || len(d.RDNs[0].Attributes) == 0 {
		return ""
	}
	return d.RDNs[0].Attributes[0].Value
}

// AddEntries adds entries in order, as the root DN. It fails the test on
// the first error.
func (s *Server) AddEntries(t testing.TB, entries ...Entry) {
	t.Helper()
	c := s.Conn(t)
	for _, e := range entries {
		if err := add(c, e); err != nil {
			t.Fatal(err)
		}
	}
}

// AddUsers adds users below ou=people of base (or their Parent), several
// at a time, and returns their DNs in the order given.
func (s *Server) AddUsers(t testing.TB, base string, users ...User) []string {
	t.Helper()
	entries := make([]Entry, len(users))
	for i, u := range users {
		entries[i] = u.entry(base)
	}
	s.addParallel(t, entries)
	return dns(entries)
}

// AddGroups adds groups below ou=groups of base (or their Parent), several
// at a time, and returns their DNs in the order given.
func (s *Server) AddGroups(t testing.TB, base string, groups ...Group) []string {
	t.Helper()
	entries := make([]Entry, len(groups))
	for i, g := range groups {
		entries[i] = g.entry(base)
	}
	s.addParallel(t, entries)
	return dns(entries)
}

// GenUsers returns n users uid=<prefix>00001… with a name, a mail address
// and a title.
func GenUsers(prefix string, n int) []User {
	users := make([]User, n)
	for i := range users {
		uid := fmt.Sprintf("%s%05d", prefix, i+1)
		users[i] = User{
			UID: uid, CN: "User " + uid, SN: "User", GivenName: uid,
			Mail: []string{uid + "@example.test"}, Title: "Engineer",
		}
	}
	return users
}

func (u User) entry(base string) Entry {
	parent := u.Parent
	if parent == "" {
		parent = "ou=people," + base
	}
	a := map[string][]string{
		"objectClass": {"inetOrgPerson"},
		"uid":         {u.UID},
		"cn":          {orDefault(u.CN, u.UID)},
		"sn":          {orDefault(u.SN, "User")},
	}
	set := func(k, v string) {
		if v != "" {
			a[k] = []string{v}
		}
	}
	set("givenName", u.GivenName)
	set("displayName", u.DisplayName)
	set("title", u.Title)
	set("employeeNumber", u.EmployeeNumber)
	set("employeeType", u.EmployeeType)
	set("departmentNumber", u.DepartmentNumber)
	set("telephoneNumber", u.TelephoneNumber)
	set("mobile", u.Mobile)
	set("manager", u.Manager)
	if len(u.Mail) > 0 {
		a["mail"] = u.Mail
	}
	merge(a, u.Extra)
	return Entry{DN: "uid=" + ldap.EscapeDN(u.UID) + "," + parent, Attrs: a}
}

func (g Group) entry(base string) Entry {
	parent := g.Parent
	if parent == "" {
		parent = "ou=groups," + base
	}
	a := map[string][]string{"cn": {g.CN}}
	switch g.Kind {
	case GroupOfNames:
		a["objectClass"] = []string{"groupOfNames"}
		a["member"] = g.Members
	case GroupOfUniqueNames:
		a["objectClass"] = []string{"groupOfUniqueNames"}
		a["uniqueMember"] = g.Members
	case PosixGroup:
		a["objectClass"] = []string{"posixGroup"}
		gid := g.GIDNumber
		if gid == 0 {
			gid = 10000
		}
		a["gidNumber"] = []string{itoa(gid)}
		if len(g.MemberUIDs) > 0 {
			a["memberUid"] = g.MemberUIDs
		}
	}
	merge(a, g.Extra)
	return Entry{DN: "cn=" + ldap.EscapeDN(g.CN) + "," + parent, Attrs: a}
}

func merge(a, extra map[string][]string) {
	for k, v := range extra {
		if k == "objectClass" {
			a[k] = append(slices.Clone(a[k]), v...)
			continue
		}
		a[k] = v
	}
}

// addParallel adds entries whose parents already exist, eight at a time
// over one connection (go-ldap multiplexes requests).
func (s *Server) addParallel(t testing.TB, entries []Entry) {
	t.Helper()
	c := s.Conn(t)
	work := make(chan Entry)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range 8 {
		wg.Go(func() {
			for e := range work {
				if err := add(c, e); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, e := range entries {
		work <- e
	}
	close(work)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

func add(c *ldap.Conn, e Entry) error {
	req := ldap.NewAddRequest(e.DN, nil)
	keys := make([]string, 0, len(e.Attrs))
	for k := range e.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		req.Attribute(k, e.Attrs[k])
	}
	if err := c.Add(req); err != nil {
		return fmt.Errorf("adding %s: %w", e.DN, err)
	}
	return nil
}

func dns(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.DN
	}
	return out
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
