package main

import (
	"context"
	"errors"
	"github.com/scimd/scimd/internal/teststore"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// TestCLIRestorePurge: purge refuses active users, users inside the
// retention period, and anything without --yes; a purged user's events
// keep no data; restore brings a user back with its teams, unless its
// name is taken again or the seat limit refuses.
func TestCLIRestorePurge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		ctx := context.Background()
		dir := t.TempDir()
		cli(t, "org", "create", "acme", "--database-url", db)
		f := writeFile(t, dir, "u.csv", "userName,title,teams\nalice,Dev,Engineering/Platform\nbob,Ops,\ncarl,QA,\n")
		if code, _, errs := cli(t, "users", "import", f, "--org", "acme", "--database-url", db); code != 0 {
			t.Fatal(errs)
		}
		st := teststore.Open(t, db)
		d := directory.New(st)
		org, _ := st.OrgByName(ctx, "acme")
		alice, bob, carl := findUser(t, st, org.ID, "alice"), findUser(t, st, org.ID, "bob"), findUser(t, st, org.ID, "carl")
		for _, u := range []store.Resource{alice, bob} {
			if err := d.Archive(ctx, cliActor(org.ID), store.KindUser, u.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
		purge := func(args ...string) (int, string, string) {
			return cli(t, append([]string{"users", "purge", "--org", "acme", "--database-url", db}, args...)...)
		}
		if code, _, errs := purge(carl.ID, "--archived-before", "1ns", "--yes"); code != 1 || !strings.Contains(errs, "only archived users can be purged") {
			t.Errorf("purge of an active user: %d %q", code, errs)
		}
		if code, _, errs := purge(alice.ID, "--yes"); code != 1 || !strings.Contains(errs, "less than 90d ago; it may be purged from") {
			t.Errorf("purge inside the retention period: %d %q", code, errs)
		}
		code, out, errs := purge("--archived-before", "1ns")
		if code != 1 || !strings.Contains(out, alice.ID) || !strings.Contains(out, bob.ID) || !strings.Contains(out, "2 users archived before") ||
			!strings.Contains(errs, "refusing to purge without --yes") {
			t.Errorf("purge without --yes: %d %q %q", code, out, errs)
		}
		if code, out, _ := purge("--archived-before", "1ns", "--dry-run"); code != 0 || !strings.Contains(out, "2 users archived before") {
			t.Errorf("dry run: %d %q", code, out)
		}
		if _, err := st.GetArchived(ctx, org.ID, store.KindUser, alice.ID); err != nil {
			t.Fatalf("purged without --yes: %v", err)
		}

		// Restore brings alice back into her team.
		code, out, errs = cli(t, "users", "restore", "--org", "acme", alice.ID, "--database-url", db)
		if code != 0 || !strings.Contains(out, "user "+alice.ID+" (alice) restored: active, member of 1 teams") {
			t.Fatalf("restore: %d %q %q", code, out, errs)
		}
		gs, err := st.Groups(ctx, org.ID, []string{alice.ID})
		if err != nil || len(gs[alice.ID]) != 2 || findTeam(gs[alice.ID], "Platform") == nil || !findTeam(gs[alice.ID], "Platform").Direct {
			t.Errorf("alice's teams after restore: %+v %v", gs, err)
		}
		// bob's name is taken again.
		g := writeFile(t, dir, "bob.csv", "userName\nbob\n")
		cli(t, "users", "import", g, "--org", "acme", "--database-url", db)
		if code, _, errs := cli(t, "users", "restore", "--org", "acme", bob.ID, "--database-url", db); code != 1 ||
			!strings.Contains(errs, `its userName "bob" is taken by another user now`) {
			t.Errorf("restore of a taken name: %d %q", code, errs)
		}
		// The seat limit refuses a restore.
		if err := d.Archive(ctx, cliActor(org.ID), store.KindUser, carl.ID, nil); err != nil {
			t.Fatal(err)
		}
		cli(t, "org", "set", "acme", "--seat-limit", "2", "--database-url", db)
		if code, _, errs := cli(t, "users", "restore", "--org", "acme", carl.ID, "--database-url", db); code != 1 ||
			!strings.Contains(errs, "seat limit reached: 2 of 2") {
			t.Errorf("restore past the seat limit: %d %q", code, errs)
		}
		if code, _, errs := cli(t, "users", "restore", "--org", "acme", alice.ID, "--database-url", db); code != 1 || !strings.Contains(errs, "is not archived") {
			t.Errorf("restore of a live user: %d %q", code, errs)
		}

		// Purge one, then the rest: their events keep no data.
		if code, out, errs := purge(bob.ID, "--archived-before", "1ns", "--yes"); code != 0 || !strings.Contains(out, "(bob) purged") {
			t.Fatalf("purge: %d %q %q", code, out, errs)
		}
		if code, out, _ := purge("--archived-before", "1ns", "--yes"); code != 0 || !strings.Contains(out, "purged 1 users") {
			t.Errorf("bulk purge: %d %q", code, out)
		}
		for _, id := range []string{bob.ID, carl.ID} {
			if _, err := st.GetArchived(ctx, org.ID, store.KindUser, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s still archived: %v", id, err)
			}
			evs, err := st.Events(ctx, org.ID, store.EventQuery{ResourceID: id})
			if err != nil || len(evs) < 3 || evs[len(evs)-1].Type != directory.EventUserPurged {
				t.Fatalf("events of %s: %+v %v", id, evs, err)
			}
			for _, e := range evs {
				if string(e.Data) != "{}" || e.Actor == "" {
					t.Errorf("event %d of a purged user keeps %s (actor %q)", e.Seq, e.Data, e.Actor)
				}
			}
		}
		if code, _, errs := purge(bob.ID, "--yes"); code != 1 || !strings.Contains(errs, "no archived user") {
			t.Errorf("purge twice: %d %q", code, errs)
		}
	})
}

func findTeam(gs []store.GroupRef, name string) *store.GroupRef {
	for i := range gs {
		if gs[i].Display == name {
			return &gs[i]
		}
	}
	return nil
}
