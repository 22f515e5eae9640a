package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

// BenchmarkDeepTeams: 3000 users in a chain of 60 teams, each a sub-team
// of the next (the deepest shape the recursive queries meet):
//
//	go test ./store/sqlstore -run '^$' -bench DeepTeams -benchtime 20x
func BenchmarkDeepTeams(b *testing.B) {
	dialects(b, func(b *testing.B, s *sqlstore.Store) {
		ctx := b.Context()
		users := seed(b, s, 3000)
		const depth = 60
		team := func(i int) string { return fmt.Sprintf("team-%03d", i) }
		var teams []store.Resource
		for i := range depth {
			teams = append(teams, store.Resource{OrgID: benchOrg, ID: team(i), Kind: store.KindGroup, Name: team(i),
				DisplayName: team(i), Active: true, Attrs: map[string]any{"displayName": team(i)}})
		}
		if err := s.CreateMany(ctx, teams); err != nil {
			b.Fatal(err)
		}
		per := len(users) / depth
		for i := range depth {
			var add []string
			for _, u := range users[i*per : (i+1)*per] {
				add = append(add, u.ID)
			}
			if i > 0 {
				add = append(add, team(i-1))
			}
			if _, err := s.Update(ctx, benchOrg, store.KindGroup, team(i), func(*store.Resource) (*store.MemberChange, error) {
				return &store.MemberChange{Add: add}, nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		ids := make([]string, len(users))
		for i, u := range users {
			ids[i] = u.ID
		}
		b.Run("groups-of-3000-users", func(b *testing.B) {
			for range b.N {
				if g, err := s.Groups(ctx, benchOrg, ids); err != nil || len(g) != len(ids) {
					b.Fatalf("Groups: %d users, %v", len(g), err)
				}
			}
		})
		b.Run("transitive-members-of-the-top", func(b *testing.B) {
			for range b.N {
				if ms, err := s.TransitiveMembers(ctx, benchOrg, team(depth-1)); err != nil || len(ms) != len(ids) {
					b.Fatalf("TransitiveMembers: %d, %v", len(ms), err)
				}
			}
		})
		b.Run("cycle-refused", func(b *testing.B) {
			for range b.N {
				if _, err := s.Update(ctx, benchOrg, store.KindGroup, team(0), func(*store.Resource) (*store.MemberChange, error) {
					return &store.MemberChange{Add: []string{team(depth - 1)}}, nil
				}); err == nil {
					b.Fatal("a cycle was accepted")
				}
			}
		})
	})
}
