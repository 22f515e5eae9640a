package adtest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// dial connects to srv and binds as the service account.
func dial(t *testing.T, srv *Server) *ldap.Conn {
	t.Helper()
	c := dialAnon(t, srv)
	if err := c.Bind(srv.BindDN(), srv.BindPassword()); err != nil {
		t.Fatalf("bind as service account: %v", err)
	}
	return c
}

// dialAnon connects without binding.
func dialAnon(t *testing.T, srv *Server) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(srv.URL())
	if err != nil {
		t.Fatalf("dial %s: %v", srv.URL(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dialTLS(t *testing.T, srv *Server) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(srv.LDAPSURL(), ldap.DialWithTLSConfig(&tls.Config{RootCAs: srv.CertPool(), ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatalf("dial %s: %v", srv.LDAPSURL(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func subtree(base, filter string, attrs ...string) *ldap.SearchRequest {
	return ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
}

func baseSearch(dn string, attrs ...string) *ldap.SearchRequest {
	return ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", attrs, nil)
}

// resultCode returns the LDAP result code of err, or -1 if err is not an LDAP error.
func resultCode(err error) int {
	var le *ldap.Error
	if errors.As(err, &le) {
		return int(le.ResultCode)
	}
	return -1
}

// addPeople adds n users under OU=People and returns their DNs in order.
func addPeople(t *testing.T, srv *Server, n int) []string {
	t.Helper()
	dns := make([]string, n)
	for i := range n {
		sam := fmt.Sprintf("user%04d", i)
		dns[i] = "CN=" + sam + ",OU=People," + srv.BaseDN()
		srv.AddUser(User{DN: dns[i], SAMAccountName: sam, Mail: sam + "@corp.example.com"})
	}
	return dns
}

func dnsOf(entries []*ldap.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.DN
	}
	return out
}
