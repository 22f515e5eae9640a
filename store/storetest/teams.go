package storetest

import (
	"errors"
	"testing"

	"github.com/scimd/scimd/store"
)

// testTeams covers store.TeamStore: direct member counts, transitive
// members through sub-teams (each once), parent teams through Groups, and
// archived resources dropping out of all of them.
func testTeams(t *testing.T, f *fixture) {
	a, b, c := f.user("a"), f.user("b"), f.user("c")
	leaf := f.group("Leaf", a.ID, b.ID)
	mid := f.group("Mid", leaf.ID, b.ID) // b directly and through Leaf
	top := f.group("Top", mid.ID, c.ID)
	empty := f.group("Empty")

	counts, err := f.s.MemberCounts(f.ctx, f.org, []string{leaf.ID, mid.ID, top.ID, empty.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{leaf.ID: 2, mid.ID: 2, top.ID: 2}
	for id, n := range want {
		if counts[id] != n {
			t.Errorf("MemberCounts[%s] = %d, want %d", id, counts[id], n)
		}
	}
	if _, ok := counts[empty.ID]; ok {
		t.Errorf("a group without members is absent from MemberCounts, got %d", counts[empty.ID])
	}

	ids := func(ms []store.Member) []string {
		var out []string
		for _, m := range ms {
			if m.Kind != store.KindUser {
				t.Errorf("transitive member %s has kind %s", m.ID, m.Kind)
			}
			out = append(out, m.Display)
		}
		return out
	}
	got, err := f.s.TransitiveMembers(f.ctx, f.org, top.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g := ids(got); len(g) != 3 || !sameSet(g, []string{"a", "b", "c"}) {
		t.Errorf("TransitiveMembers(Top) = %v, want a, b, c once each", g)
	}
	if got, _ := f.s.TransitiveMembers(f.ctx, f.org, empty.ID); len(got) != 0 {
		t.Errorf("TransitiveMembers(Empty) = %v", got)
	}
	if _, err := f.s.TransitiveMembers(f.ctx, f.org, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TransitiveMembers of a user: %v, want ErrNotFound", err)
	}
	other := f.newOrg("other")
	if _, err := f.s.TransitiveMembers(f.ctx, other, top.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TransitiveMembers from another organization: %v, want ErrNotFound", err)
	}

	parents, err := f.s.Groups(f.ctx, f.org, []string{leaf.ID})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range parents[leaf.ID] {
		names = append(names, p.Display)
		if (p.ID == mid.ID) != p.Direct {
			t.Errorf("parent %s direct=%v", p.Display, p.Direct)
		}
	}
	if !sameSet(names, []string{"Mid", "Top"}) {
		t.Errorf("parents of Leaf = %v, want Mid (direct) and Top (indirect)", names)
	}

	// Archiving the middle team cuts its users off Top and drops it from
	// the counts.
	if err := f.s.Archive(f.ctx, f.org, store.KindGroup, mid.ID, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = f.s.TransitiveMembers(f.ctx, f.org, top.ID)
	if g := ids(got); !sameSet(g, []string{"c"}) {
		t.Errorf("after archiving Mid, TransitiveMembers(Top) = %v, want c", g)
	}
	counts, _ = f.s.MemberCounts(f.ctx, f.org, []string{top.ID})
	if counts[top.ID] != 1 {
		t.Errorf("after archiving Mid, Top has %d members, want 1", counts[top.ID])
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
