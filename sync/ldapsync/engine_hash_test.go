package ldapsync

import (
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
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

// inStepEnv is a synced fixture of n users in which every user carries a
// source hash (two runs: the second vouches for the users whose manager
// came late on the first).
func inStepEnv(t *testing.T, n int, url string) (slapdFixture, *engEnv, Source) {
	t.Helper()
	f := newSlapdFixture(t, n)
	env := newEngEnvURL(t, url)
	src := slapdSource(f.s, f.base)
	env.run(src, Options{}, store.SyncSucceeded)
	env.run(src, Options{}, store.SyncSucceeded)
	for name, h := range env.hashes(src) {
		if h == "" {
			t.Fatalf("user %s has no source hash after an unchanged run", name)
		}
	}
	return f, env, src
}

// TestEngineRawChangeApplied: a user whose stored hash matched the last
// read is not mapped while its entry is unchanged; one changed raw value
// in the directory changes its raw hash, so the next run maps it and
// applies the change (a value of the same length), to that user only,
// also to a user whose manager comes later in the stream (u00001).
func TestEngineRawChangeApplied(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f, env, src := inStepEnv(t, 12, url)
		before := env.versions(src)
		root := f.s.Conn(t)
		for _, dn := range []string{f.dns[0], f.dns[6]} {
			mod := ldap.NewModifyRequest(dn, nil)
			mod.Replace("title", []string{"Designer"})
			if err := root.Modify(mod); err != nil {
				t.Fatal(err)
			}
		}
		run := env.run(src, Options{}, store.SyncSucceeded)
		if run.Counts[ChangeUpdate] != 2 || len(changeCounts(run)) != 1 {
			t.Fatalf("run after two directory changes = %v; want two updates", changeCounts(run))
		}
		users, after := env.users(src), env.versions(src)
		for name, u := range users {
			changed := name == "u00001" || name == "u00007"
			if changed && (u.Attrs["title"] != "Designer" || after[u.ID] == before[u.ID]) {
				t.Errorf("%s: title %v, version %d → %d; want the change applied", name, u.Attrs["title"], before[u.ID], after[u.ID])
			}
			if !changed && (u.Attrs["title"] != "Engineer" || after[u.ID] != before[u.ID]) {
				t.Errorf("%s: title %v, version %d → %d; want it untouched", name, u.Attrs["title"], before[u.ID], after[u.ID])
			}
		}
		// Manager kept: the update went through the mapping.
		if mgr, _ := getKeys(users["u00001"].Attrs, managerPath).(map[string]any); mgr["value"] != users["u00012"].ID {
			t.Errorf("u00001 manager = %v; want u00012 (%s)", mgr, users["u00012"].ID)
		}
		env.run(src, Options{}, store.SyncSucceeded) // vouches for the two again
		again := env.run(src, Options{}, store.SyncSucceeded)
		if len(changeCounts(again)) != 0 {
			t.Errorf("unchanged run after the update = %v", changeCounts(again))
		}
	})
}

// TestEngineLateManagerReplaced: u00001's entry does not change, but the
// DN its manager attribute names, which comes later in the stream, comes
// to name another directory user: the old manager is renamed away and a
// new entry takes its DN. The raw hash of u00001 still matches; the
// manager part of its stored hash no longer does, and the run points its
// manager at the new user.
func TestEngineLateManagerReplaced(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f, env, src := inStepEnv(t, 10, url)
		old := env.users(src)["u00010"]
		root := f.s.Conn(t)
		if err := root.ModifyDN(ldap.NewModifyDNRequest(f.dns[9], "uid=gone", true, "")); err != nil {
			t.Fatal(err)
		}
		f.s.AddUsers(t, f.base, ldaptest.User{UID: "u00010", Title: "Engineer", Mail: []string{"new10@example.test"}})
		env.run(src, Options{}, store.SyncSucceeded)
		users := env.users(src)
		neu := users["u00010"]
		if neu.ID == "" || neu.ID == old.ID || users["gone"].ID != old.ID {
			t.Fatalf("u00010 = %s, gone = %s; want a new user and the old one (%s) renamed", neu.ID, users["gone"].ID, old.ID)
		}
		if mgr, _ := getKeys(users["u00001"].Attrs, managerPath).(map[string]any); mgr["value"] != neu.ID {
			t.Errorf("u00001 manager = %v; want the new u00010 %s", mgr, neu.ID)
		}
		env.run(src, Options{}, store.SyncSucceeded)
		before := env.versions(src)
		again := env.run(src, Options{}, store.SyncSucceeded)
		if len(changeCounts(again)) != 0 || !mapsEqual(before, env.versions(src)) {
			t.Errorf("unchanged run after the manager fix = %v", changeCounts(again))
		}
	})
}

// TestEngineMappingChangeRemapsAll: a change of the mapping changes the
// raw hash of every user, even of users whose entries and documents stay
// the same: every user is mapped afresh and vouched for with a new hash.
// A changed mapping that changes documents updates every user.
func TestEngineMappingChangeRemapsAll(t *testing.T) {
	_, env, src := inStepEnv(t, 10, testdb.SQLite(t))
	old := env.hashes(src)

	// preferredLanguage from an attribute no entry has: the same documents.
	quiet := src
	quiet.Mapping = map[string]string{"preferredLanguage": "description"}
	held := env.run(quiet, Options{}, store.SyncHeld) // a scope change
	if len(changeCounts(held)) != 0 {
		t.Fatalf("held plan = %v; want nothing to change", changeCounts(held))
	}
	if _, err := env.eng.Approve(env.ctx, env.org, held.ID, ""); err != nil {
		t.Fatal(err)
	}
	before := env.versions(src)
	if run := env.run(quiet, Options{}, store.SyncSucceeded); len(changeCounts(run)) != 0 {
		t.Fatalf("run with the new mapping = %v", changeCounts(run))
	}
	if !mapsEqual(before, env.versions(src)) {
		t.Errorf("the same documents were written")
	}
	remapped := env.hashes(src)
	for name, h := range old {
		if remapped[name] == "" || remapped[name] == h {
			t.Errorf("user %s: hash %q → %q; want a new one", name, h, remapped[name])
		}
	}

	// title from cn: every document changes.
	loud := src
	loud.Mapping = map[string]string{"title": "cn"}
	held = env.run(loud, Options{}, store.SyncHeld)
	if held.Counts[ChangeUpdate] != 10 || held.Counts[store.ChangePlanned] != 10 || len(changeCounts(held)) != 2 {
		t.Fatalf("held plan = %v; want ten updates", changeCounts(held))
	}
	if _, err := env.eng.Approve(env.ctx, env.org, held.ID, ""); err != nil {
		t.Fatal(err)
	}
	for name, u := range env.users(src) {
		if u.Attrs["title"] != "User "+name {
			t.Errorf("%s title = %v after the approved remapping", name, u.Attrs["title"])
		}
	}
	env.run(loud, Options{}, store.SyncSucceeded)
	if run := env.run(loud, Options{}, store.SyncSucceeded); len(changeCounts(run)) != 0 {
		t.Errorf("unchanged run after the remapping = %v", changeCounts(run))
	}
}

// TestEngineOrgSchemaRemapsAll: the organization's User schema is part of
// what a mapped document depends on: a new extension schema changes every
// raw hash, without changing the scope.
func TestEngineOrgSchemaRemapsAll(t *testing.T) {
	_, env, src := inStepEnv(t, 8, testdb.SQLite(t))
	old := env.hashes(src)
	const urn = "urn:example:params:scim:schemas:extension:acme:2.0:User"
	def := `{"id":"` + urn + `","name":"AcmeUser","attributes":[{"name":"badge","type":"string"}]}`
	if err := env.st.PutOrgSchema(env.ctx, store.OrgSchema{OrgID: env.org.ID, URN: urn, Kind: store.KindUser,
		Definition: []byte(def)}); err != nil {
		t.Fatal(err)
	}
	if run := env.run(src, Options{}, store.SyncSucceeded); len(changeCounts(run)) != 0 {
		t.Fatalf("run after the schema change = %v", changeCounts(run))
	}
	remapped := env.hashes(src)
	for name, h := range old {
		if remapped[name] == "" || remapped[name] == h {
			t.Errorf("user %s: hash %q → %q; want a new one", name, h, remapped[name])
		}
	}
}
