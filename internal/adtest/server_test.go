package adtest

import (
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestBind(t *testing.T) {
	srv := Start(t)
	srv.AddUser(User{DN: "CN=Alice,OU=People," + srv.BaseDN(), SAMAccountName: "alice", Password: "alice-pw"})
	srv.AddUser(User{DN: "CN=Bob,OU=People," + srv.BaseDN(), SAMAccountName: "bob", Password: "bob-pw", Disabled: true})
	tests := []struct {
		name, user, password string
		code                 int // -1: success
		data                 string
	}{
		{"service account", srv.BindDN(), srv.BindPassword(), -1, ""},
		{"service account, DN case and spacing differ", strings.ToLower(strings.ReplaceAll(srv.BindDN(), ",", ", ")), srv.BindPassword(), -1, ""},
		{"user by UPN", "alice@corp.example.com", "alice-pw", -1, ""},
		{"wrong password", srv.BindDN(), "nope", 49, "data 52e"},
		{"unknown user", "CN=Nobody," + srv.BaseDN(), "x", 49, "data 52e"},
		{"disabled user", "CN=Bob,OU=People," + srv.BaseDN(), "bob-pw", 49, "data 533"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialAnon(t, srv)
			err := c.Bind(tt.user, tt.password)
			if tt.code < 0 {
				if err != nil {
					t.Fatalf("bind: %v", err)
				}
				return
			}
			if got := resultCode(err); got != tt.code {
				t.Fatalf("bind error %v: code %d, want %d", err, got, tt.code)
			}
			if !strings.Contains(err.Error(), tt.data) {
				t.Errorf("bind error %q lacks %q", err, tt.data)
			}
		})
	}
}

func TestSearchNeedsBind(t *testing.T) {
	srv := Start(t)
	c := dialAnon(t, srv)
	_, err := c.Search(subtree(srv.BaseDN(), "(objectClass=*)"))
	if got := resultCode(err); got != ldap.LDAPResultOperationsError {
		t.Fatalf("anonymous search: %v (code %d), want operationsError", err, got)
	}
	// An unauthenticated bind (DN, empty password) leaves the connection anonymous.
	if err := c.UnauthenticatedBind(srv.BindDN()); err != nil {
		t.Fatalf("unauthenticated bind: %v", err)
	}
	_, err = c.Search(subtree(srv.BaseDN(), "(objectClass=*)"))
	if got := resultCode(err); got != ldap.LDAPResultOperationsError {
		t.Fatalf("search after unauthenticated bind: %v (code %d), want operationsError", err, got)
	}
	// The root DSE is readable anonymously.
	res, err := c.Search(baseSearch("", "defaultNamingContext", "supportedCapabilities"))
	if err != nil {
		t.Fatalf("root DSE: %v", err)
	}
	if len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("defaultNamingContext") != srv.BaseDN() {
		t.Fatalf("root DSE = %+v", res.Entries)
	}
	if !contains(res.Entries[0].GetAttributeValues("supportedCapabilities"), "1.2.840.113556.1.4.800") {
		t.Errorf("root DSE does not announce LDAP_CAP_ACTIVE_DIRECTORY_OID")
	}
}

func TestLDAPS(t *testing.T) {
	srv := Start(t, WithLDAPS())
	if !strings.HasPrefix(srv.LDAPSURL(), "ldaps://127.0.0.1:") {
		t.Fatalf("LDAPSURL = %q", srv.LDAPSURL())
	}
	c := dialTLS(t, srv)
	if err := c.Bind(srv.BindDN(), srv.BindPassword()); err != nil {
		t.Fatalf("bind over LDAPS: %v", err)
	}
	res, err := c.Search(baseSearch(srv.BindDN(), "sAMAccountName"))
	if err != nil || len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("sAMAccountName") != "svc-scimd" {
		t.Fatalf("search over LDAPS: %v %+v", err, res)
	}
}

func TestWritesRefused(t *testing.T) {
	srv := Start(t)
	c := dial(t, srv)
	mod := ldap.NewModifyRequest(srv.BindDN(), nil)
	mod.Replace("title", []string{"x"})
	if got := resultCode(c.Modify(mod)); got != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("modify: code %d, want unwillingToPerform", got)
	}
	// The connection still works afterwards.
	if _, err := c.Search(baseSearch(srv.BindDN())); err != nil {
		t.Fatalf("search after refused modify: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
