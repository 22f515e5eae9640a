package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/storetest"
)

// Benchmarks run on demand, on both dialects:
//
//	go test ./store/sqlstore -run '^$' -bench . -benchtime 2000x

const benchOrg = "bench-org"

// dialects runs fn as the sub-benchmarks sqlite and postgres, each on a
// fresh migrated store with one organization.
func dialects(b *testing.B, fn func(b *testing.B, s *sqlstore.Store)) {
	for _, d := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}} {
		b.Run(d.name, func(b *testing.B) {
			s := open(b, d.url(b))
			if err := s.CreateOrg(b.Context(), store.Org{ID: benchOrg, Name: benchOrg}); err != nil {
				b.Fatal(err)
			}
			fn(b, s)
		})
	}
}

// seed bulk-loads n synthetic users and returns them.
func seed(b *testing.B, s *sqlstore.Store, n int) []store.Resource {
	b.Helper()
	users := storetest.Users(benchOrg, n)
	if err := s.CreateMany(b.Context(), users); err != nil {
		b.Fatalf("seeding %d users: %v", n, err)
	}
	return users
}

func BenchmarkCreate(b *testing.B) {
	dialects(b, func(b *testing.B, s *sqlstore.Store) {
		users := storetest.Users(benchOrg, b.N)
		ctx := context.Background()
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.Create(ctx, users[i], nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFilterUserNameEq(b *testing.B) {
	dialects(b, func(b *testing.B, s *sqlstore.Store) {
		users := seed(b, s, 100_000)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			u := users[(i*7919)%len(users)]
			i++
			page, err := s.List(ctx, benchOrg, store.KindUser, store.Query{Count: 100,
				Filter: store.Compare{Attr: store.Attr{Column: store.ColName}, Op: store.OpEq, Value: u.Name}})
			if err != nil || page.Total != 1 || len(page.Resources) != 1 || page.Resources[0].ID != u.ID {
				b.Fatalf("userName eq %q: %+v, %v", u.Name, page.Total, err)
			}
		}
	})
}

func BenchmarkAddMember(b *testing.B) {
	for _, size := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
			dialects(b, func(b *testing.B, s *sqlstore.Store) {
				users := seed(b, s, size+b.N)
				ctx := context.Background()
				ids := make([]string, size)
				for i := range ids {
					ids[i] = users[i].ID
				}
				g, err := s.Create(ctx, store.Resource{OrgID: benchOrg, ID: "group", Kind: store.KindGroup, Name: "G"}, ids)
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := range b.N {
					add := &store.MemberChange{Add: []string{users[size+i].ID}}
					if _, err := s.Update(ctx, benchOrg, store.KindGroup, g.ID, func(*store.Resource) (*store.MemberChange, error) {
						return add, nil
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func BenchmarkList100(b *testing.B) {
	dialects(b, func(b *testing.B, s *sqlstore.Store) {
		seed(b, s, 10_000)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			start := 1 + (i*100)%9_900
			i++
			page, err := s.List(ctx, benchOrg, store.KindUser, store.Query{StartIndex: start, Count: 100})
			if err != nil || page.Total != 10_000 || len(page.Resources) != 100 {
				b.Fatalf("List: total %d, %d resources, %v", page.Total, len(page.Resources), err)
			}
		}
	})
}
