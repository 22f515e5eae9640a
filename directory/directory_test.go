package directory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/internal/teststore"
	"github.com/scimd/scimd/store"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func newService(t *testing.T) *directory.Service {
	t.Helper()
	return directory.New(teststore.Open(t, testdb.SQLite(t)))
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	d := newService(t)
	org, created, err := d.EnsureOrg(ctx, "acme")
	if err != nil || !created {
		t.Fatalf("EnsureOrg: %v %v", created, err)
	}
	if again, created, err := d.EnsureOrg(ctx, "acme"); err != nil || created || again.ID != org.ID {
		t.Fatalf("EnsureOrg again: %+v %v %v", again, created, err)
	}
	tok, rec, err := d.CreateToken(ctx, org.ID, "okta")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec.Hash), tok) || len(rec.Hash) != 32 {
		t.Fatalf("stored hash looks wrong: %x", rec.Hash)
	}
	p, err := d.Authenticate(ctx, tok)
	if err != nil || p.OrgID != org.ID || p.TokenName != "okta" {
		t.Fatalf("Authenticate: %+v %v", p, err)
	}
	tampered := tok + "x" // same id, another secret
	for _, bad := range []string{"", "scimd_", "scimd_x_y", "nope", tampered, strings.Replace(tok, rec.ID, "aaaaaaaaaaaaaaaa", 1)} {
		if _, err := d.Authenticate(ctx, bad); !errors.Is(err, directory.ErrUnauthenticated) {
			t.Errorf("Authenticate(%q) = %v, want ErrUnauthenticated", bad, err)
		}
	}
	if err := d.Store().RevokeToken(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, tok); !errors.Is(err, directory.ErrUnauthenticated) {
		t.Fatalf("revoked token still authenticates: %v", err)
	}
}

func TestLifecycleReasons(t *testing.T) {
	ctx := context.Background()
	d := newService(t)
	org, _, err := d.EnsureOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	idp := directory.Principal{OrgID: org.ID, TokenName: "okta"}.Actor()
	u, err := d.Create(ctx, idp, store.Resource{Kind: store.KindUser, Attrs: map[string]any{"userName": "bjensen"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Active || u.Attrs["active"] != true || u.Source != directory.SourceSCIM {
		t.Fatalf("a created user is active and owned by scim: %+v", u)
	}
	set := func(active any) store.Resource {
		t.Helper()
		r, err := d.Update(ctx, idp, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
			if active == nil {
				delete(r.Attrs, "active")
			} else {
				r.Attrs["active"] = active
			}
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := set(false); r.Active || r.InactiveReason != directory.ReasonIdP {
		t.Fatalf("deactivated by the IdP: active %v reason %q", r.Active, r.InactiveReason)
	}
	if r := set(nil); r.Active || r.Attrs["active"] != false {
		t.Fatalf("a document without active keeps the state: %v %v", r.Active, r.Attrs["active"])
	}
	if r := set(true); !r.Active || r.InactiveReason != "" {
		t.Fatalf("reactivated: active %v reason %q", r.Active, r.InactiveReason)
	}
}
