package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// Benchmarks go through real HTTP, the real handler and a real store, on
// SQLite and (when available) PostgreSQL:
//
//	go test ./scim -run '^$' -bench . -benchtime 2000x
//
// Each parent benchmark seeds once and measures in sub-benchmarks, so
// seeding is not repeated when b.N ramps up.

// forEachDB runs fn as sub-benchmarks "sqlite" and "postgres" (skipped
// when no PostgreSQL is available). fn seeds, then measures in b.Run.
func forEachDB(b *testing.B, fn func(b *testing.B, url string)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, testdb.Postgres(b)) })
}

// seedUsers stores n users directly in the store, in batches (setup only).
func seedUsers(b *testing.B, env *testEnv, prefix string, n int) []string {
	b.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	const batch = 5000
	for start := 0; start < n; start += batch {
		var rs []store.Resource
		for i := start; i < min(n, start+batch); i++ {
			r := store.Resource{OrgID: env.orgID, ID: directory.NewID(), Kind: store.KindUser, Source: directory.SourceSCIM,
				Attrs: map[string]any{
					"userName": fmt.Sprintf("%s%07d@bench.test", prefix, i),
					"active":   true,
					"name":     map[string]any{"givenName": "Bench", "familyName": fmt.Sprint(i)},
					"emails":   []any{map[string]any{"value": fmt.Sprintf("%s%07d@bench.test", prefix, i), "type": "work", "primary": true}},
				}}
			directory.Derive(&r)
			ids[i] = r.ID
			rs = append(rs, r)
		}
		if err := env.st.CreateMany(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

func BenchmarkPostUser(b *testing.B) {
	forEachDB(b, func(b *testing.B, url string) {
		env := newEnv(b, url)
		seq := 0 // b.Run calls the function more than once on one store
		b.Run("post", func(b *testing.B) {
			for range b.N {
				i := seq
				seq++
				body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"post%07d@bench.test",`+
					`"name":{"givenName":"Post","familyName":"User"},"emails":[{"primary":true,"value":"post%07d@bench.test","type":"work"}],"active":true}`, i, i)
				if code, m, _ := env.do(b, http.MethodPost, "/Users", body); code != http.StatusCreated {
					b.Fatalf("POST: %d %v", code, m)
				}
			}
		})
	})
}

func BenchmarkFilterUserNameEq100k(b *testing.B) {
	const n = 100_000
	forEachDB(b, func(b *testing.B, url string) {
		env := newEnv(b, url)
		seedUsers(b, env, "u", n)
		b.Run("filter", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				name := fmt.Sprintf("U%07d@BENCH.TEST", (i*7919)%n)
				code, m, _ := env.do(b, http.MethodGet, "/Users?filter="+queryEscape(`userName eq "`+name+`"`), "")
				if code != 200 || m["totalResults"] != float64(1) {
					b.Fatalf("filter: %d %v", code, m["totalResults"])
				}
			}
		})
	})
}

func BenchmarkAddMember(b *testing.B) {
	forEachDB(b, func(b *testing.B, url string) {
		env := newEnv(b, url)
		for _, size := range []int{10, 10_000, 100_000} {
			members := seedUsers(b, env, fmt.Sprintf("m%d-", size), size)
			ctx := context.Background()
			actor := directory.Actor{OrgID: env.orgID, Source: directory.SourceSCIM}
			g, err := env.dir.Create(ctx, actor, store.Resource{Kind: store.KindGroup,
				Attrs: map[string]any{"displayName": fmt.Sprintf("group of %d", size)}}, members)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
				b.StopTimer()
				joiners := seedUsers(b, env, fmt.Sprintf("j%d-%d-", size, b.N), b.N)
				b.StartTimer()
				for i := 0; i < b.N; i++ {
					body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + joiners[i] + `"}]}]}`
					if code, m, _ := env.do(b, http.MethodPatch, "/Groups/"+g.ID, body); code != http.StatusNoContent {
						b.Fatalf("PATCH: %d %v", code, m)
					}
				}
			})
		}
	})
}

func BenchmarkList100Users(b *testing.B) {
	forEachDB(b, func(b *testing.B, url string) {
		env := newEnv(b, url)
		seedUsers(b, env, "l", 1000)
		b.Run("list", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				code, m, _ := env.do(b, http.MethodGet, fmt.Sprintf("/Users?startIndex=%d&count=100", 1+(i%9)*100), "")
				if code != 200 || len(m["Resources"].([]any)) != 100 {
					b.Fatalf("list: %d", code)
				}
			}
		})
	})
}
