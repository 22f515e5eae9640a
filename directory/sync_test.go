package directory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

func TestSyncRules(t *testing.T) {
	for reason, want := range map[string]bool{directory.ReasonLeft: true, directory.ReasonDisabled: true,
		directory.ReasonExpired: true, directory.ReasonAdmin: false, directory.ReasonIdP: false, "": false} {
		if directory.IsSyncReason(reason) != want {
			t.Errorf("IsSyncReason(%q) = %v", reason, !want)
		}
	}
	if directory.DirectorySource("corp") != "ldap:corp" || !directory.IsDirectorySource("ldap:corp") {
		t.Error("DirectorySource")
	}
	for owner, want := range map[string]bool{"scim": true, "admin": true, "import": true, "ldap:other": false} {
		if directory.Adoptable(owner) != want {
			t.Errorf("Adoptable(%q) = %v", owner, !want)
		}
	}
}

// TestCreateMany: all or nothing; columns and reasons as Create sets them.
func TestCreateMany(t *testing.T) {
	ctx := context.Background()
	d := newService(t)
	org, _, err := d.EnsureOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	a := directory.Actor{OrgID: org.ID, Source: "ldap:corp", Name: "run", InactiveReason: directory.ReasonLeft}
	user := func(name string, active any, reason string) store.Resource {
		attrs := map[string]any{"userName": name}
		if active != nil {
			attrs["active"] = active
		}
		return store.Resource{Kind: store.KindUser, SourceID: "id-" + name, InactiveReason: reason, Attrs: attrs}
	}
	rs := []store.Resource{user("ann", nil, ""), user("bob", false, directory.ReasonDisabled), user("cy", false, "")}
	if err := d.CreateMany(ctx, a, rs); err != nil {
		t.Fatal(err)
	}
	got, err := d.Store().BySourceIDs(ctx, org.ID, "ldap:corp", store.KindUser, []string{"id-ann", "id-bob", "id-cy"})
	if err != nil || len(got) != 3 {
		t.Fatalf("BySourceIDs = %v, %v", got, err)
	}
	if ann := got["id-ann"]; !ann.Active || ann.Name != "ann" || ann.Version != 1 {
		t.Errorf("ann = %+v", ann)
	}
	if bob, cy := got["id-bob"], got["id-cy"]; bob.Active || bob.InactiveReason != directory.ReasonDisabled || cy.InactiveReason != directory.ReasonLeft {
		t.Errorf("bob = %+v, cy = %+v", bob, cy)
	}
	err = d.CreateMany(ctx, a, []store.Resource{user("dee", nil, ""), user("ANN", nil, "")})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a taken name: %v", err)
	}
	if got, _ := d.Store().BySourceIDs(ctx, org.ID, "ldap:corp", store.KindUser, []string{"id-dee"}); len(got) != 0 {
		t.Error("a failed batch wrote")
	}
}
