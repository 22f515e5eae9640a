package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/scimd/scimd/store"
)

// testSyncSourceState checks EachSourceState: the light walk over a
// source's live objects that finds leavers.
func testSyncSourceState(t *testing.T, f *fixture) {
	const src = "ldap:corp"
	// More than one batch (1000), a third of them inactive.
	rs := make([]store.Resource, 1100)
	want := map[string]store.SourceState{}
	for i := range rs {
		r := store.Resource{OrgID: f.org, ID: newID(), Kind: store.KindUser, Name: fmt.Sprintf("state%04d", i),
			Active: i%3 != 0, Source: src, SourceID: fmt.Sprintf("sid-%04d", i), Attrs: map[string]any{}}
		if !r.Active {
			r.InactiveReason = "ldap_left"
		}
		if i%2 == 0 {
			r.SourceHash = fmt.Sprintf("hash-%d", i)
		}
		rs[i] = r
		want[r.ID] = store.SourceState{ID: r.ID, SourceID: r.SourceID, Name: r.Name, Active: r.Active,
			InactiveReason: r.InactiveReason, SourceHash: r.SourceHash, Version: 1}
	}
	f.createAll(rs)
	gone := f.user("gone", func(r *store.Resource) { r.Source, r.SourceID = src, "sid-gone" })
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, gone.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.user("carol", func(r *store.Resource) { r.Source, r.SourceID = "ldap:other", "sid-0001" })
	f.create(f.org, store.KindGroup, "Eng", nil, func(r *store.Resource) { r.Source, r.SourceID = src, "sid-0002" })
	other := f.newOrg("other")
	f.create(other, store.KindUser, "alice", nil, func(r *store.Resource) { r.Source, r.SourceID = src, "sid-0003" })

	var got []store.SourceState
	err := f.s.EachSourceState(f.ctx, f.org, src, store.KindUser, func(s store.SourceState) error {
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatalf("EachSourceState: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("EachSourceState visited %d; want %d", len(got), len(want))
	}
	for i, s := range got {
		if w, ok := want[s.ID]; !ok || s != w {
			t.Fatalf("EachSourceState visited %+v; want %+v", s, w)
		}
		delete(want, s.ID) // a second visit fails above
		if i > 0 && got[i-1].SourceID >= s.SourceID {
			t.Fatalf("EachSourceState out of order: %q then %q", got[i-1].SourceID, s.SourceID)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err = f.s.EachSourceState(f.ctx, f.org, src, store.KindUser, func(store.SourceState) error {
		calls++
		if calls == 1050 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 1050 {
		t.Errorf("EachSourceState with a failing fn: %v after %d calls; want stop after 1050", err, calls)
	}
	var groups []string
	if err := f.s.EachSourceState(f.ctx, f.org, src, store.KindGroup, func(s store.SourceState) error {
		groups = append(groups, s.Name)
		return nil
	}); err != nil || len(groups) != 1 || groups[0] != "Eng" {
		t.Errorf("EachSourceState(groups) = %v, %v; want Eng", groups, err)
	}
	n := 0
	if err := f.s.EachSourceState(f.ctx, other, src, store.KindUser, func(store.SourceState) error {
		n++
		return nil
	}); err != nil || n != 1 {
		t.Errorf("EachSourceState(other) visited %d, %v; want their 1", n, err)
	}
}

// testSyncSourceHashes checks SourceHashes, SetSourceHash and that any
// change by Update clears the hash.
func testSyncSourceHashes(t *testing.T, f *fixture) {
	const src = "ldap:corp"
	owned := func(sid, hash string) func(*store.Resource) {
		return func(r *store.Resource) { r.Source, r.SourceID, r.SourceHash = src, sid, hash }
	}
	alice := f.user("alice", owned("u-a", "h-a"))
	bob := f.user("bob", owned("u-b", ""))
	gone := f.user("gone", owned("u-gone", "h-g"))
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, gone.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.user("carol", func(r *store.Resource) { r.Source, r.SourceID, r.SourceHash = "ldap:other", "u-c", "h-c" })
	if got, err := f.s.Get(f.ctx, f.org, store.KindUser, alice.ID); err != nil || got.SourceHash != "h-a" {
		t.Fatalf("Get after Create = %q, %v; want the hash stored", got.SourceHash, err)
	}

	ids := make([]string, 1200) // several IN lists
	for i := range ids {
		ids[i] = fmt.Sprintf("missing-%d", i)
	}
	ids[0], ids[700], ids[1199], ids[3], ids[9] = "u-a", "u-b", "u-gone", "u-c", ""
	got, err := f.s.SourceHashes(f.ctx, f.org, src, store.KindUser, ids)
	if err != nil || len(got) != 2 {
		t.Fatalf("SourceHashes = %v, %v; want u-a and u-b", got, err)
	}
	wantA := store.SourceState{ID: alice.ID, SourceID: "u-a", Name: "alice", Active: true, SourceHash: "h-a", Version: 1}
	if got["u-a"] != wantA || got["u-b"].ID != bob.ID || got["u-b"].SourceHash != "" {
		t.Errorf("SourceHashes = %+v; want %+v and bob without a hash", got, wantA)
	}
	if none, err := f.s.SourceHashes(f.ctx, f.org, src, store.KindGroup, []string{"u-a"}); err != nil || len(none) != 0 {
		t.Errorf("SourceHashes(groups) = %v, %v; want none", none, err)
	}

	// SetSourceHash: only at the version given, without a new version.
	if ok, err := f.s.SetSourceHash(f.ctx, f.org, store.KindUser, bob.ID, 2, "stale"); err != nil || ok {
		t.Errorf("SetSourceHash at a wrong version = %v, %v; want not set", ok, err)
	}
	if ok, err := f.s.SetSourceHash(f.ctx, f.org, store.KindUser, bob.ID, 1, "h-b"); err != nil || !ok {
		t.Errorf("SetSourceHash = %v, %v; want set", ok, err)
	}
	if ok, err := f.s.SetSourceHash(f.ctx, f.org, store.KindUser, gone.ID, gone.Version, "x"); err != nil || ok {
		t.Errorf("SetSourceHash of an archived user = %v, %v; want not set", ok, err)
	}
	b, err := f.s.Get(f.ctx, f.org, store.KindUser, bob.ID)
	if err != nil || b.SourceHash != "h-b" || b.Version != 1 || !b.Modified.Equal(bob.Modified) {
		t.Errorf("after SetSourceHash: %q v%d, %v; want h-b at version 1, unmodified", b.SourceHash, b.Version, err)
	}

	// An update that changes nothing keeps the hash; any change clears it,
	// whatever fn sets.
	if _, err := f.s.Update(f.ctx, f.org, store.KindUser, bob.ID, func(r *store.Resource) (*store.MemberChange, error) {
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.s.Get(f.ctx, f.org, store.KindUser, bob.ID); b.SourceHash != "h-b" {
		t.Errorf("after an empty update the hash is %q; want h-b", b.SourceHash)
	}
	upd, err := f.s.Update(f.ctx, f.org, store.KindUser, bob.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs["title"] = "Boss"
		r.SourceHash = "forged"
		return nil, nil
	})
	if err != nil || upd.SourceHash != "" {
		t.Fatalf("Update = %q, %v; want the hash cleared", upd.SourceHash, err)
	}
	if b, _ := f.s.Get(f.ctx, f.org, store.KindUser, bob.ID); b.SourceHash != "" || b.Version != 2 {
		t.Errorf("after a change the hash is %q (v%d); want cleared at version 2", b.SourceHash, b.Version)
	}
	if st, err := f.s.SourceHashes(f.ctx, f.org, src, store.KindUser, []string{"u-b"}); err != nil || st["u-b"].SourceHash != "" || st["u-b"].Version != 2 {
		t.Errorf("SourceHashes after a change = %+v, %v", st, err)
	}
}
