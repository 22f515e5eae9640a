package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// testAdmins: admin accounts are unique by folded email per organization,
// updated with the whole organization's admins in view, and sessions are
// scoped to their organization and end with their admin.
func testAdmins(t *testing.T, f *fixture) {
	a := store.Admin{OrgID: f.org, ID: newID(), Email: "Ann@Example.test", Name: "Ann", Role: store.RoleOwner, PasswordHash: "h"}
	if err := f.s.CreateAdmin(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	dup := a
	dup.ID, dup.Email = newID(), "ann@example.TEST"
	var ue *store.UniqueError
	if err := f.s.CreateAdmin(f.ctx, dup); !errors.As(err, &ue) || ue.Attr != "email" {
		t.Errorf("CreateAdmin(same email, other case) = %v; want a UniqueError on email", err)
	}
	other := f.newOrg("other")
	dup.OrgID = other
	if err := f.s.CreateAdmin(f.ctx, dup); err != nil {
		t.Errorf("the same email in another organization: %v", err)
	}
	if err := f.s.CreateAdmin(f.ctx, store.Admin{OrgID: newID(), ID: newID(), Email: "x@y.test", Role: store.RoleAuditor}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAdmin(unknown org) = %v; want ErrNotFound", err)
	}
	b := store.Admin{OrgID: f.org, ID: newID(), Email: "bob@example.test", Role: store.RoleAuditor}
	if err := f.s.CreateAdmin(f.ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.AdminByEmail(f.ctx, f.org, "ANN@example.test")
	if err != nil || got.ID != a.ID || got.Created.IsZero() || got.Role != store.RoleOwner {
		t.Fatalf("AdminByEmail = %+v, %v", got, err)
	}
	if _, err := f.s.AdminByEmail(f.ctx, other, "bob@example.test"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another org's admin found: %v", err)
	}
	list, err := f.s.Admins(f.ctx, f.org)
	if err != nil || len(list) != 2 || list[0].ID != a.ID {
		t.Fatalf("Admins = %+v, %v", list, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	up, err := f.s.UpdateAdmin(f.ctx, f.org, b.ID, func(x *store.Admin, all []store.Admin) error {
		if len(all) != 2 {
			t.Errorf("fn saw %d admins; want 2", len(all))
		}
		x.Role, x.Disabled, x.FailedLogins, x.LockedUntil, x.LastLogin = store.RoleUserAdmin, true, 3, &now, &now
		return nil
	})
	if err != nil || up.Role != store.RoleUserAdmin {
		t.Fatal(up, err)
	}
	got, _ = f.s.Admin(f.ctx, f.org, b.ID)
	if !got.Disabled || got.FailedLogins != 3 || got.LockedUntil == nil || !got.LockedUntil.Equal(now) || got.LastLogin == nil {
		t.Errorf("stored admin = %+v", got)
	}
	veto := errors.New("no")
	if _, err := f.s.UpdateAdmin(f.ctx, f.org, b.ID, func(x *store.Admin, _ []store.Admin) error {
		x.Role = store.RoleOwner
		return veto
	}); !errors.Is(err, veto) {
		t.Errorf("vetoed UpdateAdmin = %v", err)
	}
	if got, _ := f.s.Admin(f.ctx, f.org, b.ID); got.Role != store.RoleUserAdmin {
		t.Errorf("a vetoed update was stored: %s", got.Role)
	}
	if _, err := f.s.UpdateAdmin(f.ctx, other, b.ID, func(*store.Admin, []store.Admin) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateAdmin from another org = %v; want ErrNotFound", err)
	}

	se := store.Session{ID: "abc", OrgID: f.org, AdminID: a.ID, CSRF: "c", Expires: now.Add(time.Hour)}
	if err := f.s.CreateSession(f.ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CreateSession(f.ctx, store.Session{ID: "abd", OrgID: f.org, AdminID: newID(), Expires: now}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of an unknown admin = %v; want ErrNotFound", err)
	}
	gs, err := f.s.Session(f.ctx, f.org, "abc")
	if err != nil || gs.AdminID != a.ID || gs.CSRF != "c" || !gs.Expires.Equal(se.Expires) {
		t.Fatalf("Session = %+v, %v", gs, err)
	}
	if _, err := f.s.Session(f.ctx, other, "abc"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session read through another org: %v", err)
	}
	if err := f.s.DeleteSessions(f.ctx, f.org, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, f.org, "abc"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after DeleteSessions: %v", err)
	}
}
