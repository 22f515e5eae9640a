package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scimd/scimd/store"
)

// seedCursor creates 23 users whose sort values tie, go missing and mix
// types, and returns their ids in creation (id) order.
func seedCursor(f *fixture) []string {
	titles := []any{"Engineer", "engineer", "Manager", nil, "Éclair", "Analyst"}
	var ids []string
	for i := range 23 {
		u := f.user(fmt.Sprintf("u%02d", i), func(r *store.Resource) {
			if i%4 != 0 {
				r.ExternalID = fmt.Sprintf("ext-%d", i%6)
			}
			attrs := map[string]any{"loginCount": i % 5, "score": float64(i)*0.75 - 3.5,
				"hired": fmt.Sprintf("2020-01-%02dT08:00:00Z", 1+i%9), "verified": i%3 == 0}
			if t := titles[i%len(titles)]; t != nil {
				attrs["title"] = t
			}
			switch {
			case i%7 == 0:
				delete(attrs, "loginCount")
				delete(attrs, "hired")
			case i%11 == 0:
				attrs["loginCount"] = "not a number"
				attrs["verified"] = "not a boolean"
			}
			if i%4 == 0 {
				delete(attrs, "verified")
				delete(attrs, "score")
			}
			set(r, attrs)
		})
		ids = append(ids, u.ID)
	}
	return ids
}

// testListKeyset walks every order forward and backward by keyset and
// checks that each resource comes exactly once, in the order of a list by
// position.
func testListKeyset(t *testing.T, f *fixture) {
	seedCursor(f)
	f.group("not a user")
	notManager := cmp(str(false, "title"), store.OpNe, "MANAGER")
	orders := []struct {
		name string
		by   *store.Attr
		desc bool
	}{
		{"unsorted", nil, false},
		{"unsorted descending", nil, true},
		{"title ci, ties and missing", ptr(str(false, "title")), false},
		{"title ci descending", ptr(str(false, "title")), true},
		{"title ce", ptr(str(true, "title")), false},
		{"integer with non-numbers", ptr(typed(store.TypeInteger, "loginCount")), false},
		{"integer descending", ptr(typed(store.TypeInteger, "loginCount")), true},
		{"decimal", ptr(typed(store.TypeDecimal, "score")), true},
		{"dateTime", ptr(typed(store.TypeDateTime, "hired")), false},
		{"boolean", ptr(typed(store.TypeBoolean, "verified")), true},
		{"userName descending", ptr(col(store.ColName, false)), true},
		{"externalId, empty missing", ptr(col(store.ColExternalID, true)), false},
		{"created", ptr(col(store.ColCreated, true)), false},
		{"version descending", ptr(col(store.ColVersion, true)), true},
		{"active", ptr(col(store.ColActive, true)), false},
	}
	for _, o := range orders {
		for _, filter := range []store.Expr{nil, notManager} {
			name := o.name
			if filter != nil {
				name += ", filtered"
			}
			t.Run(name, func(t *testing.T) {
				q := store.Query{Filter: filter, SortBy: o.by, Descending: o.desc}
				want := f.listIDs(q)
				if filter == nil && len(want) != 23 || filter != nil && len(want) != 19 {
					t.Fatalf("the list by position has %d users", len(want))
				}
				for _, size := range []int{1, 4, 23, 30} {
					if got := f.walk(q, size, true); !slices.Equal(got, want) {
						t.Errorf("count %d forward:\n got  %v\n want %v", size, got, want)
					}
					if got := f.walk(q, size, false); !slices.Equal(got, want) {
						t.Errorf("count %d backward:\n got  %v\n want %v", size, got, want)
					}
				}
			})
		}
	}
}

// testListKeysetEdges checks the ends of a list, a changed list and the
// keys of pages by position.
func testListKeysetEdges(t *testing.T, f *fixture) {
	seedCursor(f)
	by := str(false, "title")
	q := store.Query{SortBy: &by, Count: 5}
	all := f.listIDs(q)
	first := f.list(q)
	if first.HasPrev || !first.HasNext || len(first.Keys) != 5 || first.Keys[4].ID != all[4] {
		t.Fatalf("first page by position: prev %v next %v keys %v", first.HasPrev, first.HasNext, first.Keys)
	}
	q.StartIndex = 21
	last := f.list(q)
	if !last.HasPrev || last.HasNext || len(last.Resources) != 3 {
		t.Fatalf("last page by position: prev %v next %v, %d resources", last.HasPrev, last.HasNext, len(last.Resources))
	}
	q.StartIndex = 0

	// Nothing before the first resource, nothing after the last.
	before := f.list(with(q, nil, &first.Keys[0]))
	if len(before.Resources) != 0 || before.HasPrev || !before.HasNext || before.Total != 23 {
		t.Errorf("before the first: %d resources, prev %v next %v, total %d", len(before.Resources), before.HasPrev, before.HasNext, before.Total)
	}
	end := f.list(with(q, &last.Keys[2], nil))
	if len(end.Resources) != 0 || !end.HasPrev || end.HasNext {
		t.Errorf("after the last: %d resources, prev %v next %v", len(end.Resources), end.HasPrev, end.HasNext)
	}
	// Count 0 returns only the total, whatever the position.
	q0 := with(q, &first.Keys[4], nil)
	q0.Count = 0
	if p := f.list(q0); p.Total != 23 || len(p.Resources) != 0 {
		t.Errorf("count 0 after a position: total %d, %d resources", p.Total, len(p.Resources))
	}

	// The page after a position does not move when the rows around it
	// change: the anchor itself is archived, a user that sorts before it
	// is added, one after it is archived.
	anchor := first.Keys[4]
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, anchor.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, all[7], nil); err != nil {
		t.Fatal(err)
	}
	f.user("early", func(r *store.Resource) { set(r, map[string]any{"title": "Aardvark"}) })
	next := f.list(with(q, &anchor, nil))
	want := slices.Concat(all[5:7], all[8:11])
	if got := ids(next.Resources); !slices.Equal(got, want) || !next.HasPrev || !next.HasNext || next.Total != 22 {
		t.Errorf("after an archived anchor: %v (prev %v, next %v, total %d); want %v", got, next.HasPrev, next.HasNext, next.Total, want)
	}
	prev := f.list(with(q, nil, &anchor))
	want = append([]string{f.listIDs(q)[0]}, all[:4]...)
	if got := ids(prev.Resources); !slices.Equal(got, want) || prev.HasPrev || !prev.HasNext {
		t.Errorf("before an archived anchor: %v (prev %v, next %v); want %v", got, prev.HasPrev, prev.HasNext, want)
	}

	// Both directions at once, and a key that is not one, are errors.
	if _, err := f.s.List(f.ctx, f.org, store.KindUser, with(q, &anchor, &anchor)); err == nil {
		t.Error("After and Before together: no error")
	}
	if _, err := f.s.List(f.ctx, f.org, store.KindUser, with(q, &store.Keyset{Key: "?x", ID: anchor.ID}, nil)); err == nil {
		t.Error("a malformed key: no error")
	}
}

func ptr[T any](v T) *T { return &v }

func with(q store.Query, after, before *store.Keyset) store.Query {
	q.After, q.Before = after, before
	return q
}

func ids(rs []store.Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func (f *fixture) list(q store.Query) store.Page {
	f.t.Helper()
	p, err := f.s.List(f.ctx, f.org, store.KindUser, q)
	if err != nil {
		f.t.Fatalf("List(%+v): %v", q, err)
	}
	if len(p.Keys) != len(p.Resources) {
		f.t.Fatalf("List: %d keys for %d resources", len(p.Keys), len(p.Resources))
	}
	for i, k := range p.Keys {
		if k.ID != p.Resources[i].ID {
			f.t.Fatalf("List: key %d is for %s, not %s", i, k.ID, p.Resources[i].ID)
		}
	}
	return p
}

// listIDs lists every id of q's list by position.
func (f *fixture) listIDs(q store.Query) []string {
	q.StartIndex, q.Count = 1, 1000
	return ids(f.list(q).Resources)
}

// walk pages through q by keyset, size resources at a time, from the
// first page forward or from the last page backward, and returns the ids
// in list order. It checks HasPrev, HasNext and the total on the way.
func (f *fixture) walk(q store.Query, size int, forward bool) []string {
	f.t.Helper()
	q.Count = size
	var pages [][]string
	var p store.Page
	if forward {
		p = f.list(with(q, nil, nil))
	} else {
		// The last page: before a position past the end, found by
		// walking off the end once.
		all := f.listIDs(q)
		p = f.list(with(q, nil, nil))
		for p.HasNext {
			p = f.list(with(q, &p.Keys[len(p.Keys)-1], nil))
		}
		end := f.list(with(q, &p.Keys[len(p.Keys)-1], nil))
		if len(end.Resources) != 0 || end.HasNext || end.Total != len(all) {
			f.t.Fatalf("past the end: %d resources, next %v, total %d", len(end.Resources), end.HasNext, end.Total)
		}
		// Start over from the end, going back one page at a time.
		p = f.list(with(q, nil, &store.Keyset{Key: p.Keys[len(p.Keys)-1].Key, ID: p.Keys[len(p.Keys)-1].ID}))
		pages = append(pages, []string{all[len(all)-1]})
	}
	for n := 0; ; n++ {
		if n > 100 {
			f.t.Fatal("the walk does not end")
		}
		if len(p.Resources) == 0 || len(p.Resources) > size {
			f.t.Fatalf("page %d has %d resources (count %d)", n, len(p.Resources), size)
		}
		pages = append(pages, ids(p.Resources))
		if forward {
			if p.HasPrev != (n > 0) {
				f.t.Fatalf("forward page %d: HasPrev %v", n, p.HasPrev)
			}
			if !p.HasNext {
				break
			}
			p = f.list(with(q, &p.Keys[len(p.Keys)-1], nil))
		} else {
			if !p.HasNext {
				f.t.Fatalf("backward page %d: HasNext false", n)
			}
			if !p.HasPrev {
				break
			}
			p = f.list(with(q, nil, &p.Keys[0]))
		}
	}
	if !forward {
		slices.Reverse(pages)
	}
	return slices.Concat(pages...)
}
