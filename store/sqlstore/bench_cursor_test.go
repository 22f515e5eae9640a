package sqlstore_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/storetest"
)

// BenchmarkCursorWalk measures a page of 100 users by keyset at the start
// and at the end of a large list (page 10,000 of 1,000,000 users), beside
// the same page by OFFSET. The keyset of the deep page is taken from the
// ordered ids (or read once by position, for a sorted list), not walked
// to. Each page includes the COUNT of the whole list (totalResults);
// "total" measures that COUNT alone, so that a page's own cost is the
// difference. PostgreSQL is vacuumed after the load, as autovacuum would
// have done, so that the COUNT can read the index alone.
//
//	go test ./store/sqlstore -run '^$' -bench CursorWalk -benchtime 20x -timeout 60m
//
// SCIMD_BENCH_USERS sets another list size.
func BenchmarkCursorWalk(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("SCIMD_BENCH_USERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 200 {
			b.Fatalf("SCIMD_BENCH_USERS=%q: want a number of at least 200", v)
		}
	}
	const size = 100
	deep := n - size // index of the first row of the last page
	dialects(b, func(b *testing.B, s *sqlstore.Store) {
		ids := seedBatches(b, s, n)
		slices.Sort(ids)
		if strings.HasSuffix(b.Name(), "/postgres") {
			if _, err := s.DB().ExecContext(b.Context(), "VACUUM ANALYZE resources"); err != nil {
				b.Fatal(err)
			}
		}
		byName := store.Attr{Column: store.ColName}
		// The sorted list's keyset of row deep-1, read once by position.
		at, err := s.List(b.Context(), benchOrg, store.KindUser, store.Query{SortBy: &byName, StartIndex: deep, Count: 1})
		if err != nil || len(at.Keys) != 1 {
			b.Fatalf("reading a keyset by position: %v", err)
		}
		pages := []struct {
			name  string
			q     store.Query
			first string // id of the page's first user
		}{
			{"total", store.Query{}, ""},
			{"first", store.Query{StartIndex: 1}, ids[0]},
			{"page2/keyset", store.Query{After: &store.Keyset{ID: ids[size-1]}, NoTotal: true}, ids[size]},
			{fmt.Sprintf("page%d/keyset", n/size), store.Query{After: &store.Keyset{ID: ids[deep-1]}, NoTotal: true}, ids[deep]},
			{fmt.Sprintf("page%d/offset", n/size), store.Query{StartIndex: deep + 1}, ids[deep]},
			{"userName/first", store.Query{SortBy: &byName, StartIndex: 1}, ""},
			{fmt.Sprintf("userName/page%d/keyset", n/size), store.Query{SortBy: &byName, After: &at.Keys[0], NoTotal: true}, ""},
		}
		for _, p := range pages {
			b.Run(p.name, func(b *testing.B) {
				q, want := p.q, 0
				if p.name != "total" {
					q.Count, want = size, size
				}
				for b.Loop() {
					page, err := s.List(b.Context(), benchOrg, store.KindUser, q)
					wantTotal := n
					if q.NoTotal {
						wantTotal = -1 // not counted
					}
					if err != nil || page.Total != wantTotal || len(page.Resources) != want ||
						p.first != "" && page.Resources[0].ID != p.first {
						b.Fatalf("List: total %d, %d resources, %v", page.Total, len(page.Resources), err)
					}
				}
			})
		}
	})
}

// seedBatches bulk-loads n synthetic users in batches, so that only one
// batch is in memory at a time, and returns their ids.
func seedBatches(b *testing.B, s *sqlstore.Store, n int) []string {
	b.Helper()
	const batch = 20_000
	ids := make([]string, 0, n)
	for off := 0; off < n; off += batch {
		users := storetest.Users(benchOrg, min(batch, n-off))
		for i := range users {
			// Users numbers from 0 in every call: renumber for uniqueness.
			name := fmt.Sprintf("user%07d@example.com", off+i)
			users[i].Name = name
			users[i].Attrs["userName"] = name
			ids = append(ids, users[i].ID)
		}
		if err := s.CreateMany(b.Context(), users); err != nil {
			b.Fatalf("seeding users %d to %d: %v", off, off+len(users), err)
		}
	}
	return ids
}
