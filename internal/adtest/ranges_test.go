package adtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// bigGroup adds n users and a group holding all of them.
func bigGroup(t *testing.T, srv *Server, n int) (groupDN string, members []string) {
	t.Helper()
	members = addPeople(t, srv, n)
	groupDN = "CN=Everyone,OU=Groups," + srv.BaseDN()
	srv.AddGroup(Group{DN: groupDN, Members: members})
	return groupDN, members
}

// onlyAttr returns the single attribute of e whose name starts with prefix.
func onlyAttr(t *testing.T, e *ldap.Entry, prefix string) *ldap.EntryAttribute {
	t.Helper()
	var found []*ldap.EntryAttribute
	for _, a := range e.Attributes {
		if strings.HasPrefix(strings.ToLower(a.Name), prefix) {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %q attribute, got %d", prefix, len(found))
	}
	return found[0]
}

func TestRangeRetrieval(t *testing.T) {
	srv := Start(t)
	group, members := bigGroup(t, srv, 3200)
	c := dial(t, srv)

	// A plain request gets the first chunk only, under a ranged name.
	res, err := c.Search(baseSearch(group, "member", "cn"))
	if err != nil {
		t.Fatalf("search group: %v", err)
	}
	e := res.Entries[0]
	if vals := e.GetAttributeValues("member"); len(vals) != 0 {
		t.Fatalf("plain member returned %d values; AD returns none when ranging", len(vals))
	}
	a := onlyAttr(t, e, "member")
	if a.Name != "member;range=0-1499" || len(a.Values) != 1500 {
		t.Fatalf("first chunk %s with %d values, want member;range=0-1499 with 1500", a.Name, len(a.Values))
	}
	got := append([]string(nil), a.Values...)

	// The client follows with open-ended ranges until the "*" chunk.
	var names []string
	for low := 1500; ; {
		res, err := c.Search(baseSearch(group, fmt.Sprintf("member;range=%d-*", low)))
		if err != nil {
			t.Fatalf("range from %d: %v", low, err)
		}
		a := onlyAttr(t, res.Entries[0], "member;range=")
		names = append(names, a.Name)
		got = append(got, a.Values...)
		if strings.HasSuffix(a.Name, "-*") {
			break
		}
		low += len(a.Values)
	}
	if !slices.Equal(names, []string{"member;range=1500-2999", "member;range=3000-*"}) {
		t.Errorf("chunks %v, want member;range=1500-2999 then member;range=3000-*", names)
	}
	if !slices.Equal(got, members) {
		t.Errorf("range retrieval returned %d values, want the %d members each once in order", len(got), len(members))
	}

	tests := []struct {
		attr, wantName string
		wantVals       int
	}{
		{"member;range=1500-2999", "member;range=1500-2999", 1500},
		{"member;range=0-9", "member;range=0-9", 10},
		{"Member;Range=3000-3199", "member;range=3000-*", 200},
		{"member;range=3000-99999", "member;range=3000-*", 200},
		{"member;range=100-*", "member;range=100-1599", 1500},
	}
	for _, tt := range tests {
		res, err := c.Search(baseSearch(group, tt.attr))
		if err != nil {
			t.Fatalf("%s: %v", tt.attr, err)
		}
		a := onlyAttr(t, res.Entries[0], "member;range=")
		if a.Name != tt.wantName || len(a.Values) != tt.wantVals {
			t.Errorf("%s returned %s with %d values, want %s with %d", tt.attr, a.Name, len(a.Values), tt.wantName, tt.wantVals)
		}
	}

	// Past the last value: operationsError, unless RANGE_RETRIEVAL_NOERR is sent.
	_, err = c.Search(baseSearch(group, "member;range=3200-*"))
	if got := resultCode(err); got != ldap.LDAPResultOperationsError {
		t.Errorf("range past the end: %v (code %d), want operationsError", err, got)
	}
	req := baseSearch(group, "member;range=3200-*", "cn")
	req.Controls = []ldap.Control{&ldap.ControlString{ControlType: "1.2.840.113556.1.4.1948"}}
	res, err = c.Search(req)
	if err != nil || len(res.Entries) != 1 || len(res.Entries[0].Attributes) != 1 {
		t.Errorf("range past the end with NOERR: %v, %+v", err, res)
	}
}

func TestRangeSizeIsConfigurable(t *testing.T) {
	srv := Start(t, WithMaxValRange(100))
	group, members := bigGroup(t, srv, 250)
	small := "CN=Small,OU=Groups," + srv.BaseDN()
	srv.AddGroup(Group{DN: small, Members: members[:100]})
	c := dial(t, srv)

	// In a paged subtree search of groups, the big group's member is ranged
	// and the small one's is not.
	res, err := c.SearchWithPaging(subtree("OU=Groups,"+srv.BaseDN(), "(objectClass=group)", "member"), 1000)
	if err != nil || len(res.Entries) != 2 {
		t.Fatalf("group search: %v", err)
	}
	if a := onlyAttr(t, res.Entries[0], "member"); a.Name != "member;range=0-99" || len(a.Values) != 100 {
		t.Errorf("big group: %s with %d values", a.Name, len(a.Values))
	}
	if got := res.Entries[1].GetAttributeValues("member"); len(got) != 100 {
		t.Errorf("small group: %d plain member values, want 100", len(got))
	}
	res, err = c.Search(baseSearch(group, "member;range=200-*"))
	if err != nil {
		t.Fatalf("last chunk: %v", err)
	}
	if a := onlyAttr(t, res.Entries[0], "member;range="); a.Name != "member;range=200-*" || len(a.Values) != 50 {
		t.Errorf("last chunk %s with %d values, want member;range=200-* with 50", a.Name, len(a.Values))
	}
	// An explicit range on a small attribute is still answered with a range name.
	res, err = c.Search(baseSearch(small, "member;range=0-*"))
	if err != nil {
		t.Fatalf("small group ranged: %v", err)
	}
	if a := onlyAttr(t, res.Entries[0], "member;range="); a.Name != "member;range=0-*" || len(a.Values) != 100 {
		t.Errorf("small group ranged: %s with %d values", a.Name, len(a.Values))
	}
}
