package ldapsync

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
)

func TestDialTLS(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, ldaptest.User{UID: "ann"})
	for _, tc := range []struct {
		name string
		mod  func(*Source)
		ok   bool
		tls  bool
	}{
		{"plain", func(*Source) {}, true, false},
		{"ldaps with the CA", func(src *Source) { src.URL, src.CAFile = s.LDAPSURL, s.CAFile }, true, true},
		{"StartTLS with the CA", func(src *Source) { src.StartTLS, src.CAFile = true, s.CAFile }, true, true},
		{"ldaps without the CA", func(src *Source) { src.URL = s.LDAPSURL }, false, false},
		{"StartTLS without the CA", func(src *Source) { src.StartTLS = true }, false, false},
		{"ldaps, insecureSkipVerify", func(src *Source) { src.URL, src.InsecureSkipVerify = s.LDAPSURL, true }, true, true},
		{"StartTLS, insecureSkipVerify", func(src *Source) { src.StartTLS, src.InsecureSkipVerify = true, true }, true, true},
		{"ldaps as localhost", func(src *Source) {
			src.URL, src.CAFile = strings.Replace(s.LDAPSURL, "127.0.0.1", "localhost", 1), s.CAFile
		}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := testSource(s, base)
			tc.mod(&src)
			if p := src.Validate(); p != nil {
				t.Fatalf("Validate() = %q", p)
			}
			c, err := Dial(ctx(t), src)
			if !tc.ok {
				if err == nil {
					c.Close()
					t.Fatal("Dial succeeded, want a certificate verification error")
				}
				if !strings.Contains(err.Error(), "certificate") {
					t.Errorf("Dial error %q does not mention the certificate", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer c.Close()
			if _, isTLS := c.l.TLSConnectionState(); isTLS != tc.tls {
				t.Errorf("TLS = %v, want %v", isTLS, tc.tls)
			}
			comp, err := c.Stream(ctx(t), "ou=people,"+base, "(uid=ann)", []string{"uid"}, 10,
				func(*ldap.Entry) error { return nil })
			if err != nil || comp.Entries != 1 {
				t.Errorf("search over the connection: %+v, %v", comp, err)
			}
		})
	}
}

// TestDialClientCertificate checks that the configured client certificate
// is presented: slapd then knows the connection's external identity, the
// certificate's subject, which a SASL EXTERNAL bind takes on.
func TestDialClientCertificate(t *testing.T) {
	s := ldaptest.Start(t)
	src := testSource(s, s.NewOU(t))
	src.URL, src.CAFile = s.LDAPSURL, s.CAFile
	src.ClientCertFile, src.ClientKeyFile = s.ClientCertFile, s.ClientKeyFile
	if p := src.Validate(); p != nil {
		t.Fatalf("Validate() = %q", p)
	}
	c := dial(t, src)
	if err := c.l.ExternalBind(); err != nil {
		t.Fatalf("SASL EXTERNAL bind: %v", err)
	}
	who, err := c.l.WhoAmI(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(who.AuthzID), "cn=scimd-sync") {
		t.Errorf("authzid = %q, want the client certificate's subject", who.AuthzID)
	}

	src.ClientKeyFile = s.ForeignKeyFile // not the certificate's key
	if p := src.Validate(); len(p) != 1 || !strings.Contains(p[0], "clientCertFile") {
		t.Errorf("Validate() with a mismatched key = %q", p)
	}
	if _, err := Dial(ctx(t), src); err == nil {
		t.Error("Dial with a mismatched key succeeded")
	}
}

func TestDialBindFailure(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	for _, tc := range []struct {
		name string
		mod  func(*Source)
		want string
	}{
		{"wrong password", func(src *Source) { src.BindPasswordFile = writeFile(t, "pw", "wrong\n") }, "Invalid Credentials"},
		{"unknown DN", func(src *Source) { src.BindDN = "cn=nobody," + ldaptest.Suffix }, "Invalid Credentials"},
		{"no password", func(src *Source) { src.BindPasswordFile = "" }, "no bind password"},
		{"unset env", func(src *Source) { src.BindPasswordFile, src.BindPasswordEnv = "", "SCIMD_TEST_UNSET" }, "is not set"},
		{"nothing listening", func(src *Source) { src.URL = "ldap://127.0.0.1:1" }, "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := testSource(s, base)
			tc.mod(&src)
			c, err := Dial(ctx(t), src)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Dial error %q does not mention %q", err, tc.want)
			}
		})
	}
	t.Run("password from the environment", func(t *testing.T) {
		t.Setenv("SCIMD_TEST_LDAP_PW", s.ReaderPassword)
		src := testSource(s, base)
		src.BindPasswordFile, src.BindPasswordEnv = "", "SCIMD_TEST_LDAP_PW"
		dial(t, src)
	})
}

func TestDialHonoursContext(t *testing.T) {
	s := ldaptest.Start(t)
	src := testSource(s, s.NewOU(t))
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if c, err := Dial(cancelled, src); err == nil || !errors.Is(err, context.Canceled) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Dial with a cancelled context: %v, want context.Canceled", err)
	}
}
