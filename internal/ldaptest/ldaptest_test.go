package ldaptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestMain(m *testing.M) { Main(m) }

func search(t *testing.T, c *ldap.Conn, base string) (*ldap.SearchResult, error) {
	t.Helper()
	return c.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=inetOrgPerson)", []string{"uid", "entryUUID"}, nil))
}

func bind(t *testing.T, s *Server, dn, password string) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Bind(dn, password); err != nil {
		t.Fatalf("bind as %s: %v", dn, err)
	}
	return c
}

func TestAccountsAndLimits(t *testing.T) {
	s := Start(t)
	base := s.NewOU(t)
	n := s.SizeLimit + 30
	dns := s.AddUsers(t, base, GenUsers("u", n)...)
	if len(dns) != n {
		t.Fatalf("AddUsers returned %d DNs, want %d", len(dns), n)
	}

	res, err := search(t, bind(t, s, s.ServiceDN, s.ServicePassword), base)
	var lerr *ldap.Error
	if !errors.As(err, &lerr) || lerr.ResultCode != ldap.LDAPResultSizeLimitExceeded {
		t.Fatalf("limited account: err = %v, want result code 4", err)
	}
	if len(res.Entries) != s.SizeLimit {
		t.Errorf("limited account got %d entries, want %d", len(res.Entries), s.SizeLimit)
	}

	for _, who := range []struct{ dn, pw string }{{s.ReaderDN, s.ReaderPassword}, {s.RootDN, s.RootPassword}} {
		res, err := search(t, bind(t, s, who.dn, who.pw), base)
		if err != nil {
			t.Fatalf("%s: %v", who.dn, err)
		}
		if len(res.Entries) != n {
			t.Errorf("%s got %d entries, want %d", who.dn, len(res.Entries), n)
		}
		if res.Entries[0].GetAttributeValue("entryUUID") == "" {
			t.Errorf("%s: no entryUUID", who.dn)
		}
	}
	for _, f := range []struct{ file, want string }{
		{s.ServicePasswordFile, s.ServicePassword + "\n"}, {s.ReaderPasswordFile, s.ReaderPassword + "\n"},
	} {
		if b, err := os.ReadFile(f.file); err != nil || string(b) != f.want {
			t.Errorf("password file %s = %q, %v", f.file, b, err)
		}
	}
}

func TestOUsAreFresh(t *testing.T) {
	s := Start(t)
	a, b := s.NewOU(t), s.NewOU(t)
	if a == b {
		t.Fatalf("NewOU returned %q twice", a)
	}
	res, err := search(t, s.Conn(t), a)
	if err != nil || len(res.Entries) != 0 {
		t.Fatalf("fresh OU has %v entries (err %v)", res, err)
	}
}

func TestGroups(t *testing.T) {
	s := Start(t)
	base := s.NewOU(t)
	users := s.AddUsers(t, base, User{UID: "ann"}, User{UID: "bob"})
	s.AddGroups(t, base,
		Group{CN: "names", Kind: GroupOfNames, Members: users},
		Group{CN: "unique", Kind: GroupOfUniqueNames, Members: users[:1]},
		Group{CN: "posix", Kind: PosixGroup, MemberUIDs: []string{"ann", "bob"}},
	)
	res, err := s.Conn(t).Search(ldap.NewSearchRequest("ou=groups,"+base, ldap.ScopeWholeSubtree,
		ldap.NeverDerefAliases, 0, 0, false, "(cn=*)", []string{"cn", "member", "uniqueMember", "memberUid"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range res.Entries {
		got[e.GetAttributeValue("cn")] = len(e.GetAttributeValues("member")) +
			len(e.GetAttributeValues("uniqueMember")) + len(e.GetAttributeValues("memberUid"))
	}
	want := map[string]int{"names": 2, "unique": 1, "posix": 2}
	if len(got) != len(want) {
		t.Fatalf("groups and member counts = %v, want %v", got, want)
	}
	for cn, n := range want {
		if got[cn] != n {
			t.Errorf("group %s has %d members, want %d", cn, got[cn], n)
		}
	}
}

func TestTLS(t *testing.T) {
	s := Start(t)
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(s.CAFile)
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("reading CA %s: %v", s.CAFile, err)
	}
	client, err := tls.LoadX509KeyPair(s.ClientCertFile, s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := tls.LoadX509KeyPair(s.ForeignCertFile, s.ForeignKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	try := func(cfg *tls.Config, startTLS bool) error {
		url := s.LDAPSURL
		if startTLS {
			url = s.URL
		}
		c, err := ldap.DialURL(url, ldap.DialWithTLSConfig(cfg))
		if err != nil {
			return err
		}
		defer c.Close()
		if startTLS {
			if err := c.StartTLS(cfg); err != nil {
				return err
			}
		}
		return c.Bind(s.ReaderDN, s.ReaderPassword)
	}
	for _, startTLS := range []bool{false, true} {
		if err := try(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, startTLS); err != nil {
			t.Errorf("startTLS=%v with the CA: %v", startTLS, err)
		}
		if err := try(&tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{client}}, startTLS); err != nil {
			t.Errorf("startTLS=%v with a client certificate: %v", startTLS, err)
		}
		if err := try(&tls.Config{ServerName: "127.0.0.1"}, startTLS); err == nil {
			t.Errorf("startTLS=%v without the CA: connected, want a verification error", startTLS)
		}
		// Go sends a client certificate only when it chains to a CA the
		// server lists, so force the foreign one out.
		forced := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1",
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &foreign, nil }}
		if err := try(forced, startTLS); err == nil {
			t.Errorf("startTLS=%v with a foreign client certificate: connected, want an error", startTLS)
		}
	}
}
