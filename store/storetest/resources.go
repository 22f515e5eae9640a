package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func testCreateGet(t *testing.T, f *fixture) {
	before := time.Now().Add(-time.Second)
	in := store.Resource{
		OrgID: f.org, ID: newID(), Kind: store.KindUser, Name: "Zoë.Ärger@example.com",
		ExternalID: "Ext-42", DisplayName: "Zoë Ärger", Active: false, InactiveReason: "admin",
		Source: "ldap:corp", SourceID: "guid-1", PasswordHash: "$argon2id$x",
		Version: 99, // ignored: Create starts at 1
		Attrs: map[string]any{
			"userName": "Zoë.Ärger@example.com",
			"name":     map[string]any{"givenName": "Zoë", "familyName": "Ärger"},
			"emails":   []any{map[string]any{"value": "z@example.com", "primary": true}},
			"count":    3,
			"ratio":    0.25,
			"nothing":  nil,
			"html":     "<b>&</b>",
		},
	}
	got, err := f.s.Create(f.ctx, in, nil)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got.Version != 1 || got.Archived != nil || got.Created.Before(before) || !got.Modified.Equal(got.Created) {
		t.Errorf("Create: version %d, archived %v, created %v, modified %v; want 1, nil, now, = created",
			got.Version, got.Archived, got.Created, got.Modified)
	}
	if got.Created.Location() != time.UTC {
		t.Errorf("Created is in %v; want UTC", got.Created.Location())
	}
	// JSON round trip: numbers come back as float64.
	want := in
	want.Version, want.Created, want.Modified = 1, got.Created, got.Created
	want.Attrs = map[string]any{
		"userName": "Zoë.Ärger@example.com",
		"name":     map[string]any{"givenName": "Zoë", "familyName": "Ärger"},
		"emails":   []any{map[string]any{"value": "z@example.com", "primary": true}},
		"count":    float64(3),
		"ratio":    0.25,
		"nothing":  nil,
		"html":     "<b>&</b>",
	}
	sameResource(t, got, want, "Create result")
	sameResource(t, f.get(store.KindUser, in.ID), want, "Get")

	// Create's result does not alias the caller's map.
	got.Attrs["name"].(map[string]any)["givenName"] = "changed"
	if g := f.get(store.KindUser, in.ID).Attrs["name"].(map[string]any)["givenName"]; g != "Zoë" {
		t.Errorf("stored givenName %v changed through the returned map", g)
	}

	_, err = f.s.Get(f.ctx, f.org, store.KindGroup, in.ID)
	wantErr(t, err, store.ErrNotFound, "Get with the wrong kind")
	_, err = f.s.Get(f.ctx, f.org, store.KindUser, newID())
	wantErr(t, err, store.ErrNotFound, "Get(unknown)")

	g := f.group("Admins", in.ID)
	if g.Version != 1 || g.Kind != store.KindGroup {
		t.Errorf("group: %+v", g)
	}
	if ids := f.memberIDs(g.ID); len(ids) != 1 || ids[0] != in.ID {
		t.Errorf("initial members = %v; want [%s]", ids, in.ID)
	}
}

func testCreateRejects(t *testing.T, f *fixture) {
	u := f.user("alice")
	// Members of a user, an unknown member, and an unknown organization.
	_, err := f.s.Create(f.ctx, store.Resource{OrgID: f.org, ID: newID(), Kind: store.KindUser, Name: "bob"}, []string{u.ID})
	if err == nil {
		t.Error("Create(user with members) succeeded")
	}
	gid := newID()
	_, err = f.s.Create(f.ctx, store.Resource{OrgID: f.org, ID: gid, Kind: store.KindGroup, Name: "G"}, []string{u.ID, "nope"})
	var re *store.ReferenceError
	if !errors.As(err, &re) || re.ID != "nope" || !errors.Is(err, store.ErrInvalidReference) {
		t.Fatalf("Create(group with unknown member) = %v; want *ReferenceError for nope", err)
	}
	_, err = f.s.Get(f.ctx, f.org, store.KindGroup, gid)
	wantErr(t, err, store.ErrNotFound, "group whose creation failed")
	if _, err := f.s.Create(f.ctx, store.Resource{OrgID: newID(), ID: newID(), Kind: store.KindUser, Name: "x"}, nil); err == nil {
		t.Error("Create in an unknown organization succeeded")
	}
	_, err = f.s.Create(f.ctx, store.Resource{OrgID: f.org, ID: u.ID, Kind: store.KindUser, Name: "other"}, nil)
	wantErr(t, err, store.ErrConflict, "Create with a taken id")
}

func testUniqueness(t *testing.T, f *fixture) {
	first := f.user("ÄRGER")
	tests := []struct {
		name     string
		org      func() string
		kind     store.Kind
		value    string
		conflict string // expected UniqueError.Attr, "" for success
	}{
		{"same name", func() string { return f.org }, store.KindUser, "ÄRGER", "userName"},
		{"folded non-ASCII", func() string { return f.org }, store.KindUser, "ärger", "userName"},
		{"other kind", func() string { return f.org }, store.KindGroup, "ärger", ""},
		{"group twice", func() string { return f.org }, store.KindGroup, "ÄRGER", "displayName"},
		{"other org", func() string { return f.newOrg("other") }, store.KindUser, "ärger", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.Create(f.ctx, store.Resource{OrgID: tc.org(), ID: newID(), Kind: tc.kind, Name: tc.value}, nil)
			var ue *store.UniqueError
			switch {
			case tc.conflict == "" && err != nil:
				t.Fatalf("Create: %v", err)
			case tc.conflict != "" && (!errors.As(err, &ue) || ue.Attr != tc.conflict || ue.Value != tc.value || !errors.Is(err, store.ErrConflict)):
				t.Fatalf("Create = %v; want a *UniqueError on %s", err, tc.conflict)
			}
		})
	}

	// Renaming into a taken name fails and changes nothing.
	second := f.user("other")
	_, err := f.s.Update(f.ctx, f.org, store.KindUser, second.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Name = "ärgeR"
		return nil, nil
	})
	var ue *store.UniqueError
	if !errors.As(err, &ue) || ue.Attr != "userName" {
		t.Fatalf("rename into a taken name: %v; want *UniqueError on userName", err)
	}
	if got := f.get(store.KindUser, second.ID); got.Name != "other" || got.Version != 1 {
		t.Errorf("after failed rename: %q v%d; want other v1", got.Name, got.Version)
	}

	// Archiving frees the name.
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, first.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.user("ärger")
}

func testUpdateVersions(t *testing.T, f *fixture) {
	u := f.user("alice", func(r *store.Resource) {
		r.Attrs["loginCount"] = 42
		r.Attrs["name"] = map[string]any{"givenName": "Alice"}
	})
	noop := []struct {
		name string
		fn   store.UpdateFunc
	}{
		{"nothing", func(*store.Resource) (*store.MemberChange, error) { return nil, nil }},
		{"same values", func(r *store.Resource) (*store.MemberChange, error) {
			r.Name, r.Active = "alice", true
			r.Attrs["loginCount"] = 42 // an int where float64 is stored: same JSON
			r.Attrs["name"] = map[string]any{"givenName": "Alice"}
			return nil, nil
		}},
		{"store-owned fields", func(r *store.Resource) (*store.MemberChange, error) {
			r.Version, r.Created, r.ID = 77, time.Time{}, "other"
			return nil, nil
		}},
		{"empty member change", func(*store.Resource) (*store.MemberChange, error) { return &store.MemberChange{}, nil }},
	}
	for _, tc := range noop {
		got := f.update(store.KindUser, u.ID, tc.fn)
		sameResource(t, got, u, "no-op update "+tc.name)
		sameResource(t, f.get(store.KindUser, u.ID), u, "after no-op update "+tc.name)
	}

	changes := []struct {
		name  string
		fn    func(*store.Resource)
		check func(store.Resource) bool
	}{
		{"column", func(r *store.Resource) { r.ExternalID = "e-1" }, func(r store.Resource) bool { return r.ExternalID == "e-1" }},
		{"active", func(r *store.Resource) { r.Active, r.InactiveReason = false, "idp" },
			func(r store.Resource) bool { return !r.Active && r.InactiveReason == "idp" }},
		{"nested attribute", func(r *store.Resource) { r.Attrs["name"].(map[string]any)["givenName"] = "Alicia" },
			func(r store.Resource) bool { return r.Attrs["name"].(map[string]any)["givenName"] == "Alicia" }},
		{"removed attribute", func(r *store.Resource) { delete(r.Attrs, "loginCount") },
			func(r store.Resource) bool { _, ok := r.Attrs["loginCount"]; return !ok }},
	}
	prev := u
	for _, tc := range changes {
		got := f.update(store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) { tc.fn(r); return nil, nil })
		if got.Version != prev.Version+1 || got.Modified.Before(prev.Modified) || !got.Created.Equal(u.Created) || !tc.check(got) {
			t.Errorf("%s: v%d modified %v; want v%d, modified >= %v, the change applied", tc.name,
				got.Version, got.Modified, prev.Version+1, prev.Modified)
		}
		sameResource(t, f.get(store.KindUser, u.ID), got, tc.name+": Get after Update")
		prev = got
	}
}

func testUpdateAborts(t *testing.T, f *fixture) {
	u := f.user("alice")
	g := f.group("G", u.ID)
	calls := 0
	_, err := f.s.Update(f.ctx, f.org, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
		calls++
		r.Name = "changed"
		return nil, fmt.Errorf("version mismatch: %w", store.ErrPreconditionFailed)
	})
	wantErr(t, err, store.ErrPreconditionFailed, "Update whose fn fails")
	if calls == 0 {
		t.Error("fn was never called")
	}
	sameResource(t, f.get(store.KindUser, u.ID), u, "after an aborted update")

	// A failing membership change rolls the attribute change back too.
	_, err = f.s.Update(f.ctx, f.org, store.KindGroup, g.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Name = "Renamed"
		return &store.MemberChange{Remove: []string{u.ID}, Add: []string{newID()}}, nil
	})
	wantErr(t, err, store.ErrInvalidReference, "Update adding an unknown member")
	sameResource(t, f.get(store.KindGroup, g.ID), g, "group after a failed membership change")
	if ids := f.memberIDs(g.ID); len(ids) != 1 {
		t.Errorf("members after a failed change = %v; want the original one", ids)
	}

	_, err = f.s.Update(f.ctx, f.org, store.KindUser, u.ID, func(*store.Resource) (*store.MemberChange, error) {
		return &store.MemberChange{Add: []string{g.ID}}, nil
	})
	if err == nil {
		t.Error("a membership change on a user succeeded")
	}
	_, err = f.s.Update(f.ctx, f.org, store.KindUser, newID(), func(*store.Resource) (*store.MemberChange, error) { return nil, nil })
	wantErr(t, err, store.ErrNotFound, "Update(unknown)")
}

func testConcurrentUpdates(t *testing.T, f *fixture) {
	const n = 20
	g := f.group("G")
	c := f.user("counter", func(r *store.Resource) { r.Attrs["count"] = 0 })
	users := make([]string, n)
	for i := range users {
		users[i] = f.user(fmt.Sprintf("user%02d", i)).ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := f.s.Update(f.ctx, f.org, store.KindGroup, g.ID, func(*store.Resource) (*store.MemberChange, error) {
				return &store.MemberChange{Add: []string{users[i]}}, nil
			})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := f.s.Update(f.ctx, f.org, store.KindUser, c.ID, func(r *store.Resource) (*store.MemberChange, error) {
				r.Attrs["count"] = r.Attrs["count"].(float64) + 1
				return nil, nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
	}
	if got := f.get(store.KindGroup, g.ID).Version; got != g.Version+n {
		t.Errorf("group version %d after %d member additions; want %d", got, n, g.Version+n)
	}
	if ids := f.memberIDs(g.ID); len(ids) != n {
		t.Errorf("%d members after %d concurrent additions; want all", len(ids), n)
	}
	got := f.get(store.KindUser, c.ID)
	if got.Attrs["count"] != float64(n) || got.Version != c.Version+n {
		t.Errorf("counter = %v at v%d; want %d at v%d (no lost update)", got.Attrs["count"], got.Version, n, c.Version+n)
	}
}

// testConcurrentCycle races pairs of updates that would each close a cycle
// with the other: exactly one of each pair may win.
func testConcurrentCycle(t *testing.T, f *fixture) {
	for i := range 10 {
		a := f.group(fmt.Sprintf("A%d", i))
		b := f.group(fmt.Sprintf("B%d", i))
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j, pair := range [][2]string{{a.ID, b.ID}, {b.ID, a.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[j] = f.s.Update(f.ctx, f.org, store.KindGroup, pair[0], func(*store.Resource) (*store.MemberChange, error) {
					return &store.MemberChange{Add: []string{pair[1]}}, nil
				})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrInvalidReference):
				t.Fatalf("pair %d: %v; want success or a cycle *ReferenceError", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("pair %d: %d of 2 opposite additions succeeded (%v); want exactly 1", i, ok, errs)
		}
	}
}

func testArchive(t *testing.T, f *fixture) {
	u := f.user("alice")
	g := f.group("G", u.ID)

	veto := errors.New("if-match failed")
	var seen store.Resource
	err := f.s.Archive(f.ctx, f.org, store.KindUser, u.ID, func(r store.Resource) error { seen = r; return veto })
	if !errors.Is(err, veto) || seen.ID != u.ID || seen.Version != u.Version {
		t.Fatalf("vetoed Archive = %v (fn saw %s v%d); want the veto, fn seeing the stored user", err, seen.ID, seen.Version)
	}
	sameResource(t, f.get(store.KindUser, u.ID), u, "user after a vetoed archive")

	if err := f.s.Archive(f.ctx, f.org, store.KindUser, u.ID, func(store.Resource) error { return nil }); err != nil {
		t.Fatalf("Archive: %v", err)
	}
	_, err = f.s.Get(f.ctx, f.org, store.KindUser, u.ID)
	wantErr(t, err, store.ErrNotFound, "Get(archived)")
	_, err = f.s.Update(f.ctx, f.org, store.KindUser, u.ID, func(*store.Resource) (*store.MemberChange, error) { return nil, nil })
	wantErr(t, err, store.ErrNotFound, "Update(archived)")
	wantErr(t, f.s.Archive(f.ctx, f.org, store.KindUser, u.ID, nil), store.ErrNotFound, "Archive(archived)")
	page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Count: 10})
	if err != nil || page.Total != 0 || len(page.Resources) != 0 {
		t.Errorf("List after archive = %+v, %v; want empty", page, err)
	}
	if ids := f.memberIDs(g.ID); len(ids) != 0 {
		t.Errorf("archived user still listed as a member: %v", ids)
	}
	if got := f.get(store.KindGroup, g.ID); got.Version != g.Version+1 {
		t.Errorf("group v%d after its member was archived; want v%d (its members changed)", got.Version, g.Version+1)
	}
	_, err = f.s.Update(f.ctx, f.org, store.KindGroup, g.ID, func(*store.Resource) (*store.MemberChange, error) {
		return &store.MemberChange{Add: []string{u.ID}}, nil
	})
	wantErr(t, err, store.ErrInvalidReference, "adding an archived member")
	wantErr(t, f.s.Archive(f.ctx, f.org, store.KindUser, newID(), nil), store.ErrNotFound, "Archive(unknown)")
}

func testArchiveGroup(t *testing.T, f *fixture) {
	u := f.user("alice")
	parent := f.group("Parent")
	team := f.group("Team", u.ID)
	sub := f.group("Sub", u.ID)
	f.members(parent.ID, store.MemberChange{Add: []string{team.ID}})
	f.members(team.ID, store.MemberChange{Add: []string{sub.ID}})

	if err := f.s.Archive(f.ctx, f.org, store.KindGroup, team.ID, nil); err != nil {
		t.Fatalf("Archive(group): %v", err)
	}
	if ids := f.memberIDs(parent.ID); len(ids) != 0 {
		t.Errorf("parent still lists the archived group: %v", ids)
	}
	m, err := f.s.Members(f.ctx, f.org, []string{team.ID})
	if err != nil || len(m[team.ID]) != 0 {
		t.Errorf("Members(archived group) = %v, %v; want none", m, err)
	}
	groups, err := f.s.Groups(f.ctx, f.org, []string{u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if refs := groups[u.ID]; len(refs) != 1 || refs[0].ID != sub.ID || !refs[0].Direct {
		t.Errorf("Groups(user) = %+v; want only Sub, direct (Team archived, Parent reached through it)", refs)
	}
	// Its former sub-group can now join its former parent: the edges are gone.
	f.members(sub.ID, store.MemberChange{Add: []string{parent.ID}})
}
