package ldapsync

import (
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// hashes returns the source hashes of src's users, by userName.
func (e *engEnv) hashes(src Source) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	err := e.st.EachSourceState(e.ctx, e.org.ID, directory.DirectorySource(src.Name), store.KindUser, func(s store.SourceState) error {
		out[s.Name] = s.SourceHash
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// TestEngineOutsideChange: users in step carry a source hash, so an
// unchanged run need not read their documents; a change made outside the
// sync (a SCIM PATCH of an attribute the source owns) clears it, and the
// next run, although the directory did not change, puts the directory's
// value back.
func TestEngineOutsideChange(t *testing.T) {
	f := newSlapdFixture(t, 10)
	env := newEngEnv(t)
	src := slapdSource(f.s, f.base)
	env.run(src, Options{}, store.SyncSucceeded)
	env.run(src, Options{}, store.SyncSucceeded) // vouches for users whose manager came late
	for name, h := range env.hashes(src) {
		if h == "" {
			t.Errorf("user %s has no source hash after an unchanged run", name)
		}
	}

	u := env.users(src)["u00002"]
	if u.Attrs["title"] != "Engineer" {
		t.Fatalf("u00002 title = %v", u.Attrs["title"])
	}
	scim := directory.Actor{OrgID: env.org.ID, Source: "scim", Name: "test"}
	if _, err := env.dir.Update(env.ctx, scim, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs["title"] = "Outsider"
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if h := env.hashes(src)["u00002"]; h != "" {
		t.Fatalf("after an outside change the source hash is %q; want cleared", h)
	}

	run := env.run(src, Options{}, store.SyncSucceeded)
	if run.Counts[ChangeUpdate] != 1 || len(changeCounts(run)) != 1 {
		t.Errorf("run after the outside change = %v; want one update", changeCounts(run))
	}
	if got := env.users(src)["u00002"]; got.Attrs["title"] != "Engineer" || got.ID != u.ID {
		t.Errorf("u00002 after the run: title %v, id %s; want Engineer, %s", got.Attrs["title"], got.ID, u.ID)
	}
	env.run(src, Options{}, store.SyncSucceeded) // vouches for the updated user again
	if h := env.hashes(src)["u00002"]; h == "" {
		t.Errorf("u00002 has no source hash after an unchanged run")
	}
	before := env.versions(src)
	again := env.run(src, Options{}, store.SyncSucceeded)
	if len(changeCounts(again)) != 0 {
		t.Errorf("unchanged run recorded changes: %v", changeCounts(again))
	}
	if after := env.versions(src); !mapsEqual(before, after) {
		t.Errorf("unchanged run bumped versions")
	}
}
