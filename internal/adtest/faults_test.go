package adtest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// TestSearchFaults checks that every search fault ends the search with
// exactly the documented outcome, that the entries sent before it are the
// documented ones, and that a one-shot fault is gone afterwards.
func TestSearchFaults(t *testing.T) {
	people := func(srv *Server) string { return "OU=People," + srv.BaseDN() }
	tests := []struct {
		name     string
		fault    func(srv *Server) Fault
		code     int // ldap result code of the error; dropped for a closed connection
		entries  int // entries received before the error; -1: don't check (drop)
		minEntry int
	}{
		{"drop mid page 2", func(*Server) Fault { return DropConnection(2, 500) }, dropped, -1, 1000},
		{"drop before the first entry", func(*Server) Fault { return DropConnection(1, 0) }, dropped, -1, 0},
		{"time limit on page 2", func(*Server) Fault { return TimeLimitExceeded(2, 10) }, 3, 1010, 0},
		{"time limit on page 1", func(*Server) Fault { return TimeLimitExceeded(1, 0) }, 3, 0, 0},
		{"size limit after 1500 though paged", func(*Server) Fault { return SizeLimitExceeded(1500) }, 4, 1500, 0},
		{"busy", func(*Server) Fault { return Busy() }, 51, 0, 0},
		{"unavailable", func(*Server) Fault { return Unavailable() }, 52, 0, 0},
		{"admin limit", func(*Server) Fault { return AdminLimitExceeded() }, 11, 0, 0},
		{"busy on page 3", func(*Server) Fault { f := Busy(); f.Page = 3; return f }, 51, 2000, 0},
		{"referral", func(srv *Server) Fault {
			return Referral(people(srv), "ldap://dc02.corp.example.com/OU=People,DC=corp,DC=example,DC=com")
		}, 10, 0, 0},
		{"custom code 80 after 3 entries", func(*Server) Fault { return Fault{AfterEntries: 3, Code: 80} }, 80, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t)
			addPeople(t, srv, 2500)
			srv.Inject(tt.fault(srv))
			c := dial(t, srv)
			req := subtree(people(srv), "(objectClass=user)", "1.1")
			res, err := c.SearchWithPaging(req, 1000)
			if got := outcome(c, err); got != tt.code {
				t.Fatalf("search error %v: outcome %d, want %d", err, got, tt.code)
			}
			if tt.entries >= 0 && len(res.Entries) != tt.entries {
				t.Errorf("%d entries before the fault, want %d", len(res.Entries), tt.entries)
			}
			if len(res.Entries) < tt.minEntry || len(res.Entries) >= 2500 {
				t.Errorf("%d entries before the fault, want between %d and 2499", len(res.Entries), tt.minEntry)
			}
			if srv.PendingFaults() != 0 || srv.FiredFaults() != 1 {
				t.Errorf("pending %d, fired %d; want the one-shot fault fired once and gone", srv.PendingFaults(), srv.FiredFaults())
			}
			// A fresh attempt (new connection, as a sync would retry) is complete.
			res, err = dial(t, srv).SearchWithPaging(subtree(people(srv), "(objectClass=user)", "1.1"), 1000)
			if err != nil || len(res.Entries) != 2500 {
				t.Errorf("retry after the fault: %v, %d entries", err, len(res.Entries))
			}
		})
	}
}

func TestReferralCarriesURL(t *testing.T) {
	srv := Start(t)
	url := "ldap://dc02.corp.example.com/OU=People,DC=corp,DC=example,DC=com"
	srv.Inject(Referral("OU=People,"+srv.BaseDN(), url))
	srv.AddOU("OU=People," + srv.BaseDN())
	c := dial(t, srv)
	// A search elsewhere does not trigger the fault.
	if _, err := c.Search(subtree(srv.UsersDN(), "(objectClass=*)", "1.1")); err != nil {
		t.Fatalf("search outside the fault's base: %v", err)
	}
	_, err := c.Search(subtree("ou=people,"+strings.ToLower(srv.BaseDN()), "(objectClass=*)", "1.1"))
	if got := resultCode(err); got != ldap.LDAPResultReferral {
		t.Fatalf("search: %v (code %d), want referral", err, got)
	}
	if got := referralURLs(err); !slices.Equal(got, []string{url}) {
		t.Errorf("referral URLs %v, want [%s]", got, url)
	}

	// A base outside the naming context is referred without any fault.
	_, err = c.Search(subtree("DC=other,DC=org", "(objectClass=*)"))
	if got := resultCode(err); got != ldap.LDAPResultReferral {
		t.Fatalf("search outside the naming context: %v (code %d), want referral", err, got)
	}
	if got := referralURLs(err); !slices.Equal(got, []string{"ldap://other.org/DC=other,DC=org"}) {
		t.Errorf("referral URLs %v", got)
	}
}

// dropped is outcome's value for an operation cut off by a closed connection.
const dropped = -2

// outcome classifies an operation's error: the server's result code, or
// dropped when the connection was closed under it. go-ldap reports a drop
// either as ErrorNetwork or as a plain "unable to read LDAP response packet"
// error, depending on which of its goroutines notices first.
func outcome(c *ldap.Conn, err error) int {
	code := resultCode(err)
	if err != nil && (code == -1 || code == ldap.ErrorNetwork) && c.IsClosing() {
		return dropped
	}
	return code
}

// referralURLs digs the referral field out of a SearchResultDone error.
func referralURLs(err error) []string {
	var le *ldap.Error
	if !errors.As(err, &le) || le.Packet == nil || len(le.Packet.Children) < 2 {
		return nil
	}
	var urls []string
	for _, c := range le.Packet.Children[1].Children {
		if c.ClassType == ber.ClassContext && c.Tag == 3 {
			for _, u := range c.Children {
				urls = append(urls, u.Data.String())
			}
		}
	}
	return urls
}

func TestContinuationReferences(t *testing.T) {
	srv := Start(t)
	addPeople(t, srv, 5)
	refs := []string{"ldap://ForestDnsZones.corp.example.com/DC=ForestDnsZones,DC=corp,DC=example,DC=com"}
	srv.Inject(ContinuationReferences(srv.BaseDN(), refs...))
	c := dial(t, srv)
	res, err := c.Search(subtree(srv.BaseDN(), "(objectClass=user)", "1.1"))
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if len(res.Entries) != 6 || !slices.Equal(res.Referrals, refs) {
		t.Errorf("%d entries, referrals %v; want 6 users (with the service account) and %v", len(res.Entries), res.Referrals, refs)
	}

	// WithRootReferences returns AD's three at the domain root, on the last page.
	srv2 := Start(t, WithRootReferences())
	addPeople(t, srv2, 5)
	c2 := dial(t, srv2)
	res, err = c2.SearchWithPaging(subtree(srv2.BaseDN(), "(objectClass=user)", "1.1"), 2)
	if err != nil || len(res.Entries) != 6 || len(res.Referrals) != 3 {
		t.Errorf("root search: %v, %d entries, referrals %v", err, len(res.Entries), res.Referrals)
	}
	res, err = c2.Search(subtree("OU=People,"+srv2.BaseDN(), "(objectClass=user)", "1.1"))
	if err != nil || len(res.Referrals) != 0 {
		t.Errorf("search below the root: %v, referrals %v, want none", err, res.Referrals)
	}
}

func TestStickyFaultsUntilCleared(t *testing.T) {
	srv := Start(t)
	srv.InjectSticky(Busy())
	c := dial(t, srv)
	for i := range 3 {
		_, err := c.Search(baseSearch(srv.BaseDN()))
		if got := resultCode(err); got != ldap.LDAPResultBusy {
			t.Fatalf("search %d: %v (code %d), want busy", i, err, got)
		}
	}
	if srv.PendingFaults() != 1 || srv.FiredFaults() != 3 {
		t.Errorf("pending %d fired %d, want 1 and 3", srv.PendingFaults(), srv.FiredFaults())
	}
	srv.ClearFaults()
	if _, err := c.Search(baseSearch(srv.BaseDN())); err != nil {
		t.Errorf("search after ClearFaults: %v", err)
	}
}

func TestSizeLimitNeedsAnEntryOverTheLimit(t *testing.T) {
	srv := Start(t)
	addPeople(t, srv, 20)
	srv.Inject(SizeLimitExceeded(20))
	res, err := dial(t, srv).SearchWithPaging(subtree("OU=People,"+srv.BaseDN(), "(objectClass=user)", "1.1"), 7)
	if err != nil || len(res.Entries) != 20 {
		t.Fatalf("search of exactly the limit: %v, %d entries", err, len(res.Entries))
	}
	if srv.PendingFaults() != 1 {
		t.Errorf("the size limit fired although nothing was over it")
	}
}

func TestBindFaults(t *testing.T) {
	srv := Start(t)
	srv.Inject(BindFailure())
	c := dialAnon(t, srv)
	err := c.Bind(srv.BindDN(), srv.BindPassword())
	if got := resultCode(err); got != ldap.LDAPResultInvalidCredentials || !strings.Contains(err.Error(), "data 775") {
		t.Fatalf("bind with the right password under BindFailure: %v (code %d), want 49 data 775", err, got)
	}
	// The failed bind left the connection anonymous.
	if _, err := c.Search(baseSearch(srv.BaseDN())); resultCode(err) != ldap.LDAPResultOperationsError {
		t.Errorf("search after the failed bind: %v, want operationsError", err)
	}
	if err := c.Bind(srv.BindDN(), srv.BindPassword()); err != nil {
		t.Fatalf("bind after the one-shot fault: %v", err)
	}

	// A bind fault limited to another DN leaves the service account alone;
	// a dropping bind fault closes the connection.
	srv.Inject(Fault{Op: OpBind, DN: "CN=someone else," + srv.BaseDN(), Code: 49})
	srv.Inject(Fault{Op: OpBind, Drop: true})
	c = dialAnon(t, srv)
	err = c.Bind(srv.BindDN(), srv.BindPassword())
	if got := outcome(c, err); got != dropped {
		t.Fatalf("bind under a dropping fault: %v (code %d), want a network error", err, got)
	}
	if srv.PendingFaults() != 1 {
		t.Errorf("pending faults %d, want the other DN's fault left", srv.PendingFaults())
	}
}

func TestRangeChunkFailure(t *testing.T) {
	srv := Start(t, WithMaxValRange(10))
	group, _ := bigGroup(t, srv, 25)
	srv.Inject(RangeChunkFailure(10, ldap.LDAPResultBusy))
	c := dial(t, srv)
	// The first chunk (no explicit range) is unaffected, and so is a range from 0.
	if _, err := c.Search(baseSearch(group, "member")); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	if _, err := c.Search(baseSearch(group, "member;range=0-*")); err != nil {
		t.Fatalf("range from 0: %v", err)
	}
	_, err := c.Search(baseSearch(group, "member;range=10-*"))
	if got := resultCode(err); got != ldap.LDAPResultBusy {
		t.Fatalf("second chunk: %v (code %d), want busy", err, got)
	}
	res, err := c.Search(baseSearch(group, "member;range=10-*"))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("second chunk retried: %v", err)
	}
	if a := onlyAttr(t, res.Entries[0], "member;range="); a.Name != "member;range=10-19" {
		t.Errorf("second chunk retried: %s", a.Name)
	}
	// A fault due at the start of a search wins over the search's own error.
	srv.Inject(RangeChunkFailure(20, ldap.LDAPResultUnavailable))
	_, err = c.Search(baseSearch(group, "member;range=30-*"))
	if got := resultCode(err); got != ldap.LDAPResultUnavailable {
		t.Errorf("failing chunk past the end: %v (code %d), want unavailable", err, got)
	}
	srv.Inject(Busy())
	_, err = c.Search(subtree("OU=Missing,"+srv.BaseDN(), "(objectClass=*)"))
	if got := resultCode(err); got != ldap.LDAPResultBusy {
		t.Errorf("busy search of a missing base: %v (code %d), want busy", err, got)
	}
}
