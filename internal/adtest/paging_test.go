package adtest

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// pageThrough runs a paged search by hand, returning the DNs of every page.
func pageThrough(t *testing.T, c *ldap.Conn, req *ldap.SearchRequest, size uint32) [][]string {
	t.Helper()
	ctrl := ldap.NewControlPaging(size)
	req.Controls = []ldap.Control{ctrl}
	var pages [][]string
	for {
		res, err := c.Search(req)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		pages = append(pages, dnsOf(res.Entries))
		resp, ok := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if !ok {
			t.Fatalf("page %d has no paging control", len(pages))
		}
		if len(resp.Cookie) == 0 {
			return pages
		}
		ctrl.SetCookie(resp.Cookie)
	}
}

func TestPagingCapsAtMaxPageSize(t *testing.T) {
	srv := Start(t)
	want := addPeople(t, srv, 2500)
	c := dial(t, srv)

	pages := pageThrough(t, c, subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "1.1"), 5000)
	var sizes []int
	seen := map[string]int{}
	for _, p := range pages {
		sizes = append(sizes, len(p))
		for _, dn := range p {
			seen[dn]++
		}
	}
	if len(sizes) != 3 || sizes[0] != 1000 || sizes[1] != 1000 || sizes[2] != 500 {
		t.Errorf("asking for pages of 5000 gave pages of %v, want [1000 1000 500]", sizes)
	}
	if len(seen) != len(want) {
		t.Errorf("%d distinct entries over all pages, want %d", len(seen), len(want))
	}
	for _, dn := range want {
		if seen[dn] != 1 {
			t.Errorf("%s delivered %d times, want once", dn, seen[dn])
		}
	}
	if n := srv.OpenPagedSearches(); n != 0 {
		t.Errorf("%d paged searches left open after the last page", n)
	}
}

func TestSearchWithPagingDeliversEveryEntryOnce(t *testing.T) {
	srv := Start(t)
	want := addPeople(t, srv, 2500)
	c := dial(t, srv)
	res, err := c.SearchWithPaging(subtree(srv.BaseDN(), "(&(objectCategory=person)(sAMAccountName=user*))", "sAMAccountName"), 300)
	if err != nil {
		t.Fatalf("SearchWithPaging: %v", err)
	}
	got := dnsOf(res.Entries)
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d is %s, want %s (each once, in creation order)", i, got[i], want[i])
		}
	}
}

func TestUnpagedSearchIsCutAtMaxPageSize(t *testing.T) {
	srv := Start(t)
	addPeople(t, srv, 1200)
	c := dial(t, srv)
	res, err := c.Search(subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "1.1"))
	if got := resultCode(err); got != ldap.LDAPResultSizeLimitExceeded {
		t.Fatalf("unpaged search over 1200 users: %v (code %d), want sizeLimitExceeded", err, got)
	}
	if len(res.Entries) != 1000 {
		t.Errorf("got %d entries before the cut, want 1000", len(res.Entries))
	}

	// Exactly MaxPageSize entries is not an error.
	srv2 := Start(t, WithMaxPageSize(10))
	addPeople(t, srv2, 10)
	res, err = dial(t, srv2).Search(subtree("OU=People,"+srv2.BaseDN(), "(objectClass=user)", "1.1"))
	if err != nil || len(res.Entries) != 10 {
		t.Errorf("unpaged search of exactly MaxPageSize entries: %v, %d entries", err, len(res.Entries))
	}
}

func TestClientSizeLimit(t *testing.T) {
	srv := Start(t)
	addPeople(t, srv, 30)
	c := dial(t, srv)
	req := subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "1.1")
	req.SizeLimit = 12
	res, err := c.SearchWithPaging(req, 5)
	if got := resultCode(err); got != ldap.LDAPResultSizeLimitExceeded {
		t.Fatalf("paged search with sizeLimit 12: %v (code %d), want sizeLimitExceeded", err, got)
	}
	if len(res.Entries) != 12 {
		t.Errorf("got %d entries, want 12 (the limit counts over all pages)", len(res.Entries))
	}
}

func TestPagingCookies(t *testing.T) {
	srv := Start(t)
	addPeople(t, srv, 25)
	req := func(c uint32) *ldap.SearchRequest {
		r := subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "1.1")
		r.Controls = []ldap.Control{ldap.NewControlPaging(c)}
		return r
	}
	c1 := dial(t, srv)
	first, err := c1.Search(req(10))
	if err != nil || len(first.Entries) != 10 {
		t.Fatalf("first page: %v", err)
	}
	cookie := ldap.FindControl(first.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging).Cookie
	if srv.OpenPagedSearches() != 1 {
		t.Fatalf("OpenPagedSearches = %d after the first page, want 1", srv.OpenPagedSearches())
	}

	t.Run("cookie is bound to its connection", func(t *testing.T) {
		other := req(10)
		other.Controls[0].(*ldap.ControlPaging).SetCookie(cookie)
		_, err := dial(t, srv).Search(other)
		if got := resultCode(err); got != ldap.LDAPResultUnwillingToPerform {
			t.Fatalf("cookie on another connection: %v (code %d), want unwillingToPerform", err, got)
		}
	})

	t.Run("cookie with a different filter", func(t *testing.T) {
		other := req(10)
		other.Filter = "(objectClass=*)"
		other.Controls[0].(*ldap.ControlPaging).SetCookie(cookie)
		_, err := c1.Search(other)
		if got := resultCode(err); got != ldap.LDAPResultUnwillingToPerform {
			t.Fatalf("cookie with another filter: %v (code %d), want unwillingToPerform", err, got)
		}
	})

	t.Run("size 0 abandons", func(t *testing.T) {
		fresh, err := c1.Search(req(10))
		if err != nil {
			t.Fatalf("new paged search: %v", err)
		}
		abandon := req(0)
		abandon.Controls[0].(*ldap.ControlPaging).SetCookie(
			ldap.FindControl(fresh.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging).Cookie)
		res, err := c1.Search(abandon)
		if err != nil || len(res.Entries) != 0 {
			t.Fatalf("abandon: %v, %d entries", err, len(res.Entries))
		}
		if n := srv.OpenPagedSearches(); n != 0 {
			t.Errorf("OpenPagedSearches = %d after abandoning, want 0", n)
		}
	})
}

func TestPagedSearchKeepsItsSnapshot(t *testing.T) {
	srv := Start(t)
	dns := addPeople(t, srv, 20)
	c := dial(t, srv)
	req := subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "sAMAccountName")
	ctrl := ldap.NewControlPaging(10)
	req.Controls = []ldap.Control{ctrl}
	first, err := c.Search(req)
	if err != nil {
		t.Fatalf("page 1: %v", err)
	}
	srv.Remove(dns[15])
	ctrl.SetCookie(ldap.FindControl(first.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging).Cookie)
	second, err := c.Search(req)
	if err != nil {
		t.Fatalf("page 2: %v", err)
	}
	if len(second.Entries) != 10 || second.Entries[5].DN != dns[15] {
		t.Errorf("page 2 = %v, want the 10 entries matched when the search began", dnsOf(second.Entries))
	}
	res, err := c.SearchWithPaging(subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "1.1"), 10)
	if err != nil || len(res.Entries) != 19 {
		t.Errorf("a new search after the removal: %v, %d entries, want 19", err, len(res.Entries))
	}
}
