package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

func testMembership(t *testing.T, f *fixture) {
	a, b, c, d := f.user("a").ID, f.user("b").ID, f.user("c").ID, f.user("d").ID
	sub := f.group("Sub")
	g := f.group("G", a, b)

	steps := []struct {
		name    string
		mc      store.MemberChange
		want    []string
		changed bool
	}{
		{"add new and present", store.MemberChange{Add: []string{b, c, c}}, []string{a, b, c}, true},
		{"add present only", store.MemberChange{Add: []string{a}}, []string{a, b, c}, false},
		{"remove absent", store.MemberChange{Remove: []string{d}}, []string{a, b, c}, false},
		{"remove", store.MemberChange{Remove: []string{b, d}}, []string{a, c}, true},
		{"add a sub-group", store.MemberChange{Add: []string{sub.ID}}, []string{a, c, sub.ID}, true},
		{"remove where", store.MemberChange{RemoveWhere: func(m store.Member) bool { return m.Kind == store.KindGroup }},
			[]string{a, c}, true},
		{"remove where nothing", store.MemberChange{RemoveWhere: func(store.Member) bool { return false }}, []string{a, c}, false},
		{"replace with same set", store.MemberChange{Clear: true, Add: []string{c, a}}, []string{a, c}, false},
		{"replace", store.MemberChange{Clear: true, Add: []string{b, d}}, []string{b, d}, true},
		{"clear then add and remove", store.MemberChange{Clear: true, Remove: []string{b}, Add: []string{a, b}},
			[]string{a, b}, true},
		{"clear", store.MemberChange{Clear: true}, nil, true},
		{"clear empty", store.MemberChange{Clear: true}, nil, false},
	}
	version := g.Version
	for _, st := range steps {
		got := f.members(g.ID, st.mc)
		if ids := f.memberIDs(g.ID); !slices.Equal(ids, sorted(st.want...)) {
			t.Errorf("%s: members %v; want %v", st.name, ids, sorted(st.want...))
		}
		want := version
		if st.changed {
			want++
		}
		if got.Version != want {
			t.Errorf("%s: version %d; want %d", st.name, got.Version, want)
		}
		version = got.Version
	}

	// RemoveWhere sees kind and display inside the transaction.
	f.members(g.ID, store.MemberChange{Add: []string{a, b, sub.ID}})
	var seen []store.Member
	f.members(g.ID, store.MemberChange{RemoveWhere: func(m store.Member) bool {
		seen = append(seen, m)
		return m.Display == "b"
	}})
	if len(seen) != 3 {
		t.Errorf("RemoveWhere saw %v; want the 3 members", seen)
	}
	if ids := f.memberIDs(g.ID); !slices.Equal(ids, sorted(a, sub.ID)) {
		t.Errorf("after RemoveWhere(display b): %v", ids)
	}
}

func testMemberReferences(t *testing.T, f *fixture) {
	u := f.user("u")
	archived := f.user("gone")
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, archived.ID, nil); err != nil {
		t.Fatal(err)
	}
	other := f.newOrg("other")
	foreign := f.create(other, store.KindUser, "foreign", nil)
	g := f.group("G")
	for _, tc := range []struct{ name, id string }{
		{"unknown", newID()},
		{"archived", archived.ID},
		{"other organization", foreign.ID},
	} {
		_, err := f.s.Update(f.ctx, f.org, store.KindGroup, g.ID, func(*store.Resource) (*store.MemberChange, error) {
			return &store.MemberChange{Add: []string{u.ID, tc.id}}, nil
		})
		var re *store.ReferenceError
		if !errors.As(err, &re) || re.ID != tc.id || re.Reason != "does not exist" || !errors.Is(err, store.ErrInvalidReference) {
			t.Errorf("%s member: %v; want *ReferenceError{%s, does not exist}", tc.name, err, tc.id)
		}
	}
	if ids := f.memberIDs(g.ID); len(ids) != 0 {
		t.Errorf("failed additions left members %v", ids)
	}
	if got := f.get(store.KindGroup, g.ID); got.Version != g.Version {
		t.Errorf("failed additions bumped the version to %d", got.Version)
	}
}

func testMemberCycles(t *testing.T, f *fixture) {
	top := f.group("Top")
	mid := f.group("Mid")
	low := f.group("Low")
	f.members(top.ID, store.MemberChange{Add: []string{mid.ID}})
	f.members(mid.ID, store.MemberChange{Add: []string{low.ID}})
	for _, tc := range []struct {
		name          string
		group, member string
	}{
		{"itself", top.ID, top.ID},
		{"its parent", mid.ID, top.ID},
		{"its grandparent", low.ID, top.ID},
		{"its parent, deeper", low.ID, mid.ID},
	} {
		_, err := f.s.Update(f.ctx, f.org, store.KindGroup, tc.group, func(*store.Resource) (*store.MemberChange, error) {
			return &store.MemberChange{Add: []string{tc.member}}, nil
		})
		var re *store.ReferenceError
		if !errors.As(err, &re) || re.ID != tc.member || re.Reason != "would make the group contain itself" {
			t.Errorf("%s: %v; want a cycle *ReferenceError for %s", tc.name, err, tc.member)
		}
	}
	// A group already inside another through a sub-group may also join it
	// directly: that is no cycle.
	f.members(top.ID, store.MemberChange{Add: []string{low.ID}})
	if ids := f.memberIDs(top.ID); !slices.Equal(ids, sorted(mid.ID, low.ID)) {
		t.Errorf("Top members %v; want Mid and Low", ids)
	}
	// A new group cannot be inside anything yet: it may take any sub-groups.
	f.group("New", top.ID, low.ID)
}

func testMembersDisplay(t *testing.T, f *fixture) {
	withDisplay := f.user("jdoe", func(r *store.Resource) { r.DisplayName = "Jane Doe" })
	plain := f.user("plain")
	sub := f.group("Sub Team")
	g1 := f.group("One", withDisplay.ID, plain.ID, sub.ID)
	g2 := f.group("Two", plain.ID)
	empty := f.group("Empty")
	got, err := f.s.Members(f.ctx, f.org, []string{g1.ID, g2.ID, empty.ID, newID()})
	if err != nil {
		t.Fatalf("Members: %v", err)
	}
	byID := func(ms []store.Member) map[string]store.Member {
		out := map[string]store.Member{}
		for _, m := range ms {
			out[m.ID] = m
		}
		return out
	}
	one := byID(got[g1.ID])
	want := map[string]store.Member{
		withDisplay.ID: {ID: withDisplay.ID, Kind: store.KindUser, Display: "Jane Doe"},
		plain.ID:       {ID: plain.ID, Kind: store.KindUser, Display: "plain"},
		sub.ID:         {ID: sub.ID, Kind: store.KindGroup, Display: "Sub Team"},
	}
	if len(one) != 3 || one[withDisplay.ID] != want[withDisplay.ID] || one[plain.ID] != want[plain.ID] || one[sub.ID] != want[sub.ID] {
		t.Errorf("Members(One) = %+v; want %+v", got[g1.ID], want)
	}
	if two := got[g2.ID]; len(two) != 1 || two[0].ID != plain.ID {
		t.Errorf("Members(Two) = %+v; want [plain]", two)
	}
	if len(got[empty.ID]) != 0 {
		t.Errorf("Members(Empty) = %+v; want none", got[empty.ID])
	}
	// Display follows the member's current name.
	f.update(store.KindUser, plain.ID, func(r *store.Resource) (*store.MemberChange, error) { r.Name = "renamed"; return nil, nil })
	got, _ = f.s.Members(f.ctx, f.org, []string{g2.ID})
	if two := got[g2.ID]; len(two) != 1 || two[0].Display != "renamed" {
		t.Errorf("after rename Members(Two) = %+v; want display renamed", two)
	}
}

func testGroups(t *testing.T, f *fixture) {
	u := f.user("u")
	v := f.user("v")
	loner := f.user("loner")
	l3 := f.group("L3", u.ID)
	l2 := f.group("L2", l3.ID)
	l1 := f.group("L1", l2.ID, u.ID)
	side := f.group("Side", l3.ID, v.ID) // a second path to L3's users
	top := f.group("Top", l1.ID, side.ID)

	got, err := f.s.Groups(f.ctx, f.org, []string{u.ID, v.ID, loner.ID})
	if err != nil {
		t.Fatalf("Groups: %v", err)
	}
	render := func(refs []store.GroupRef) string {
		var s []string
		for _, r := range refs {
			kind := "indirect"
			if r.Direct {
				kind = "direct"
			}
			s = append(s, r.Display+":"+kind)
		}
		slices.Sort(s)
		return strings.Join(s, " ")
	}
	tests := []struct{ user, want string }{
		{u.ID, "L1:direct L2:indirect L3:direct Side:indirect Top:indirect"},
		{v.ID, "Side:direct Top:indirect"},
		{loner.ID, ""},
	}
	for _, tc := range tests {
		if r := render(got[tc.user]); r != tc.want {
			t.Errorf("Groups(%s) = %q; want %q", tc.user, r, tc.want)
		}
	}
	for _, r := range got[u.ID] {
		if r.ID == top.ID && r.Display != "Top" {
			t.Errorf("Top ref = %+v", r)
		}
	}
	// Leaving the sub-team removes what was inherited through it only.
	f.members(l2.ID, store.MemberChange{Remove: []string{l3.ID}})
	got, _ = f.s.Groups(f.ctx, f.org, []string{u.ID})
	if r := render(got[u.ID]); r != "L1:direct L3:direct Side:indirect Top:indirect" {
		t.Errorf("after L2 dropped L3: %q", r)
	}
}

func testOrgIsolation(t *testing.T, f *fixture) {
	u := f.user("alice")
	g := f.group("G", u.ID)
	a := f.org
	b := f.newOrg("beta")
	bg := f.create(b, store.KindGroup, "BG", nil)
	bu := f.create(b, store.KindUser, "alice", nil) // same name, other org: allowed

	_, err := f.s.Get(f.ctx, b, store.KindUser, u.ID)
	wantErr(t, err, store.ErrNotFound, "Get from another org")
	_, err = f.s.Update(f.ctx, b, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Name = "stolen"
		return nil, nil
	})
	wantErr(t, err, store.ErrNotFound, "Update from another org")
	wantErr(t, f.s.Archive(f.ctx, b, store.KindUser, u.ID, nil), store.ErrNotFound, "Archive from another org")
	_, err = f.s.Update(f.ctx, b, store.KindGroup, bg.ID, func(*store.Resource) (*store.MemberChange, error) {
		return &store.MemberChange{Add: []string{u.ID}}, nil
	})
	wantErr(t, err, store.ErrInvalidReference, "adding another org's user")

	page, err := f.s.List(f.ctx, b, store.KindUser, store.Query{Count: 10})
	if err != nil || page.Total != 1 || len(page.Resources) != 1 || page.Resources[0].ID != bu.ID {
		t.Errorf("List(b) = %+v, %v; want only b's alice", page, err)
	}
	page, err = f.s.List(f.ctx, b, store.KindUser, store.Query{Count: 10,
		Filter: store.Compare{Attr: store.Attr{Column: store.ColID}, Op: store.OpEq, Value: u.ID}})
	if err != nil || page.Total != 0 {
		t.Errorf("List(b, id eq a's user) = %+v, %v; want nothing", page, err)
	}
	m, err := f.s.Members(f.ctx, b, []string{g.ID})
	if err != nil || len(m) != 0 {
		t.Errorf("Members(b, a's group) = %v, %v; want nothing", m, err)
	}
	gr, err := f.s.Groups(f.ctx, b, []string{u.ID})
	if err != nil || len(gr) != 0 {
		t.Errorf("Groups(b, a's user) = %v, %v; want nothing", gr, err)
	}
	if got := f.get(store.KindUser, u.ID); got.Name != "alice" || got.OrgID != a || got.Version != u.Version {
		t.Errorf("a's user changed by b's calls: %+v", got)
	}
}
