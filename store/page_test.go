package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestEachPage walks a real store: every resource once, in order, n at a
// time; the first error, List's or fn's, stops the walk.
func TestEachPage(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := store.Org{ID: "org", Name: "acme"}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	var all []string
	for i := range 7 {
		name := fmt.Sprintf("u%d", i)
		if _, err := st.Create(ctx, store.Resource{OrgID: org.ID, ID: fmt.Sprintf("id-%d", i), Kind: store.KindUser,
			Name: name, Active: true, Attrs: map[string]any{"userName": name}}, nil); err != nil {
			t.Fatal(err)
		}
		all = append(all, fmt.Sprintf("id-%d", i))
	}
	walk := func(n int) ([]string, error) {
		var got []string
		err := store.EachPage(ctx, st, org.ID, store.KindUser, store.Query{}, n, func(rs []store.Resource) error {
			var ids []string
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			got = append(got, strings.Join(ids, ","))
			return nil
		})
		return got, err
	}
	for _, c := range []struct {
		n     int
		pages string
	}{
		{2, "id-0,id-1|id-2,id-3|id-4,id-5|id-6"},
		{7, strings.Join(all, ",")},
		{100, strings.Join(all, ",")},
	} {
		got, err := walk(c.n)
		if err != nil || strings.Join(got, "|") != c.pages {
			t.Errorf("by %d: %q, %v; want %q", c.n, got, err, c.pages)
		}
	}
	if got, err := func() ([]string, error) {
		var got []string
		err := store.EachPage(ctx, st, org.ID, store.KindUser, store.Query{Archived: true}, 3, func(rs []store.Resource) error {
			got = append(got, rs[0].ID)
			return nil
		})
		return got, err
	}(); err != nil || len(got) != 0 {
		t.Errorf("no archived users: %v, %v", got, err)
	}
	errStop := errors.New("stop")
	calls := 0
	err = store.EachPage(ctx, st, org.ID, store.KindUser, store.Query{}, 2, func([]store.Resource) error {
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) || calls != 1 {
		t.Errorf("fn failing: %v after %d pages", err, calls)
	}
	// A List that fails (the store closed under the walk) stops it too.
	calls = 0
	err = store.EachPage(ctx, st, org.ID, store.KindUser, store.Query{}, 2, func([]store.Resource) error {
		calls++
		return st.Close()
	})
	if err == nil || calls != 1 {
		t.Errorf("List failing: %v after %d pages", err, calls)
	}
}
