package storetest

import (
	"slices"
	"testing"

	"github.com/scimd/scimd/store"
)

func testListSort(t *testing.T, f *fixture) {
	p := seedPeople(t, f)
	tests := []struct {
		name string
		by   store.Attr
		desc bool
		want []string
	}{
		{"string ci, missing last", str(false, "title"), false, names("alice", "bob", "carol", "eve", "dave")},
		{"string ci descending reverses", str(false, "title"), true, names("dave", "eve", "carol", "bob", "alice")},
		{"string ce bytewise", str(true, "title"), false, names("alice", "carol", "bob", "eve", "dave")},
		{"integer, non-numbers missing", typed(store.TypeInteger, "loginCount"), false, names("bob", "alice", "eve", "carol", "dave")},
		{"integer descending", typed(store.TypeInteger, "loginCount"), true, names("dave", "carol", "eve", "alice", "bob")},
		{"decimal", typed(store.TypeDecimal, "score"), false, names("carol", "dave", "alice", "bob", "eve")},
		{"dateTime as instants", typed(store.TypeDateTime, "hired"), false, names("carol", "alice", "bob", "eve", "dave")},
		{"boolean", typed(store.TypeBoolean, "verified"), false, names("bob", "alice", "eve", "carol", "dave")},
		{"sub-attribute ci", str(false, "name", "givenName"), false, names("alice", "bob", "carol", "eve", "dave")},
		{"userName", col(store.ColName, false), false, names("alice", "bob", "carol", "dave", "eve")},
		{"userName descending", col(store.ColName, false), true, names("eve", "dave", "carol", "bob", "alice")},
		{"externalId ce, empty last", col(store.ColExternalID, true), false, names("alice", "eve", "bob", "carol", "dave")},
		{"displayName ci, empty last", col(store.ColDisplayName, false), false, names("alice", "carol", "bob", "dave", "eve")},
		{"created descending", col(store.ColCreated, true), true, names("eve", "dave", "carol", "bob", "alice")},
		{"version descending, id breaks ties", col(store.ColVersion, true), true, names("bob", "eve", "dave", "carol", "alice")},
		{"active", col(store.ColActive, true), false, names("dave", "alice", "bob", "carol", "eve")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			by := tc.by
			page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{SortBy: &by, Descending: tc.desc, Count: 100})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got := p.names(page.Resources); !slices.Equal(got, tc.want) {
				t.Errorf("order %v; want %v", got, tc.want)
			}
		})
	}

	// Sorting, filtering and paging together.
	by := str(false, "title")
	page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{
		Filter: cmp(by, store.OpPresent, nil), SortBy: &by, StartIndex: 2, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.names(page.Resources); page.Total != 4 || !slices.Equal(got, names("bob", "carol")) {
		t.Errorf("page 2 of titled users by title = %v (total %d); want [bob carol] of 4", got, page.Total)
	}
	for _, bad := range []store.Attr{col(store.ColMember, true), col(store.ColGroup, true), {Type: store.TypeString}} {
		if _, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{SortBy: &bad, Count: 1}); err == nil {
			t.Errorf("sorting by %+v succeeded; want an error", bad)
		}
	}
}

func testListPaging(t *testing.T, f *fixture) {
	p := seedPeople(t, f)
	tests := []struct {
		name         string
		start, count int
		want         []string
	}{
		{"first page", 1, 2, names("alice", "bob")},
		{"second page", 2, 2, names("bob", "carol")},
		{"start below 1 means 1", 0, 2, names("alice", "bob")},
		{"negative start", -5, 1, names("alice")},
		{"last partial page", 5, 10, names("eve")},
		{"past the end", 6, 10, nil},
		{"count 0 returns only the total", 1, 0, nil},
		{"negative count", 1, -1, nil},
		{"everything", 1, 1000, peopleOrder()},
	}
	for _, tc := range tests {
		page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{StartIndex: tc.start, Count: tc.count})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := p.names(page.Resources); page.Total != 5 || len(got) != len(tc.want) || !slices.Equal(got, tc.want) && len(got) > 0 {
			t.Errorf("%s: %v (total %d); want %v of 5", tc.name, got, page.Total, tc.want)
		}
	}
	page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Filter: cmp(str(false, "title"), store.OpPresent, nil)})
	if err != nil || page.Total != 4 || len(page.Resources) != 0 {
		t.Errorf("filtered count-only list = %+v, %v; want total 4 and no resources", page, err)
	}
	groups, err := f.s.List(f.ctx, f.org, store.KindGroup, store.Query{Count: 10})
	if err != nil || groups.Total != 1 || len(groups.Resources) != 1 || groups.Resources[0].ID != p.group.ID {
		t.Errorf("List(groups) = %+v, %v; want the one group, not the users", groups, err)
	}
	// A listed resource is the same as what Get returns.
	page, err = f.s.List(f.ctx, f.org, store.KindUser, store.Query{StartIndex: 1, Count: 1})
	if err != nil || len(page.Resources) != 1 {
		t.Fatalf("List: %+v, %v", page, err)
	}
	sameResource(t, page.Resources[0], f.get(store.KindUser, p.byName["alice"].ID), "listed alice")
}
