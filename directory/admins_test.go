package directory_test

import (
	"errors"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

const pw = "correct horse battery"

func TestAdminRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		owner, err := e.d.CreateAdmin(e.ctx, nil, e.org, "owner@acme.test", "Olga", store.RoleOwner, pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.d.CreateAdmin(e.ctx, nil, e.org, "not an address", "", store.RoleAuditor, pw); err == nil {
			t.Errorf("an admin without an email address was created")
		}
		if _, err := e.d.CreateAdmin(e.ctx, nil, e.org, "x@acme.test", "", store.RoleAuditor, "short"); err == nil {
			t.Errorf("a short password was accepted")
		}
		asOwner := &directory.AdminPrincipal{OrgID: e.org, AdminID: owner.ID, Email: owner.Email, Role: store.RoleOwner}
		ua, err := e.d.CreateAdmin(e.ctx, asOwner, e.org, "ua@acme.test", "", store.RoleUserAdmin, pw)
		if err != nil {
			t.Fatal(err)
		}
		asUA := &directory.AdminPrincipal{OrgID: e.org, AdminID: ua.ID, Role: store.RoleUserAdmin}
		forbidden := func(err error, what string) {
			t.Helper()
			var ae *directory.AdminError
			if !errors.As(err, &ae) || !ae.Forbidden {
				t.Errorf("%s = %v; want a forbidden AdminError", what, err)
			}
		}
		_, err = e.d.CreateAdmin(e.ctx, asUA, e.org, "aud@acme.test", "", store.RoleAuditor, pw)
		forbidden(err, "user admin adding an admin")
		_, err = e.d.SetAdminRole(e.ctx, asUA, e.org, owner.ID, store.RoleAuditor)
		forbidden(err, "user admin demoting the owner")
		_, err = e.d.SetAdminRole(e.ctx, asOwner, e.org, owner.ID, store.RoleAuditor)
		forbidden(err, "owner demoting themselves")
		_, err = e.d.SetAdminDisabled(e.ctx, asOwner, e.org, owner.ID, true)
		forbidden(err, "owner disabling themselves")
		// The last active owner stays, even against the CLI.
		if _, err := e.d.SetAdminRole(e.ctx, nil, e.org, owner.ID, store.RoleAuditor); err == nil {
			t.Errorf("the last owner was demoted")
		}
		if _, err := e.d.SetAdminRole(e.ctx, asOwner, e.org, ua.ID, store.RoleOwner); err != nil {
			t.Fatal(err)
		}
		if _, err := e.d.SetAdminDisabled(e.ctx, nil, e.org, owner.ID, true); err != nil {
			t.Errorf("disabling one of two owners: %v", err)
		}
		if got, _ := e.d.Store().Admin(e.ctx, e.org, owner.ID); !got.Disabled {
			t.Errorf("owner not disabled")
		}
	})
}

func TestSignInAndSessions(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	a, err := e.d.CreateAdmin(e.ctx, nil, e.org, "ann@acme.test", "Ann", store.RoleUserAdmin, pw)
	if err != nil {
		t.Fatal(err)
	}
	cookie, p, err := e.d.SignIn(e.ctx, "acme", "ANN@acme.test", pw)
	if err != nil || p.AdminID != a.ID || p.CSRF == "" || p.Role != store.RoleUserAdmin {
		t.Fatalf("SignIn = %+v, %v", p, err)
	}
	got, err := e.d.Session(e.ctx, cookie)
	if err != nil || got.AdminID != a.ID || got.CSRF != p.CSRF {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if _, err := e.d.Session(e.ctx, cookie+"x"); !errors.Is(err, directory.ErrUnauthenticated) {
		t.Errorf("a forged cookie = %v; want ErrUnauthenticated", err)
	}
	for _, bad := range [][2]string{{"acme", "nobody@acme.test"}, {"nowhere", "ann@acme.test"}} {
		if _, _, err := e.d.SignIn(e.ctx, bad[0], bad[1], pw); !errors.Is(err, directory.ErrBadCredentials) {
			t.Errorf("SignIn(%v) = %v; want ErrBadCredentials", bad, err)
		}
	}
	// Five wrong passwords lock the account, the right one included.
	for range 5 {
		if _, _, err := e.d.SignIn(e.ctx, "acme", "ann@acme.test", "wrong password!"); !errors.Is(err, directory.ErrBadCredentials) {
			t.Fatalf("wrong password = %v", err)
		}
	}
	var locked *directory.ErrLocked
	if _, _, err := e.d.SignIn(e.ctx, "acme", "ann@acme.test", pw); !errors.As(err, &locked) {
		t.Fatalf("SignIn while locked = %v; want ErrLocked", err)
	}
	// A new password (set by the CLI) unlocks and ends every session.
	if err := e.d.SetAdminPassword(e.ctx, nil, e.org, a.ID, "another long passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.d.Session(e.ctx, cookie); !errors.Is(err, directory.ErrUnauthenticated) {
		t.Errorf("session after a password change = %v; want ended", err)
	}
	cookie, _, err = e.d.SignIn(e.ctx, "acme", "ann@acme.test", "another long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.d.SignOut(e.ctx, cookie); err != nil {
		t.Fatal(err)
	}
	if _, err := e.d.Session(e.ctx, cookie); !errors.Is(err, directory.ErrUnauthenticated) {
		t.Errorf("session after sign-out = %v", err)
	}
	// Admin tokens carry their role; SCIM tokens are not admin tokens.
	tok, _, err := e.d.CreateAdminToken(e.ctx, e.org, "script", store.RoleAuditor)
	if err != nil {
		t.Fatal(err)
	}
	if ap, err := e.d.AdminToken(e.ctx, tok); err != nil || ap.Role != store.RoleAuditor || ap.Actor().Who != "token:script" {
		t.Errorf("AdminToken = %+v, %v", ap, err)
	}
	scimTok, _, _ := e.d.CreateToken(e.ctx, e.org, "okta")
	if _, err := e.d.AdminToken(e.ctx, scimTok); !errors.Is(err, directory.ErrUnauthenticated) {
		t.Errorf("a SCIM token accepted as an admin token: %v", err)
	}
}
