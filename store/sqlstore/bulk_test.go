package sqlstore_test

import (
	"errors"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/storetest"
)

func TestCreateMany(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := t.Context()
		if err := s.CreateOrg(ctx, store.Org{ID: "org", Name: "org"}); err != nil {
			t.Fatal(err)
		}
		users := storetest.Users("org", 1000)
		if err := s.CreateMany(ctx, users); err != nil {
			t.Fatalf("CreateMany: %v", err)
		}
		page, err := s.List(ctx, "org", store.KindUser, store.Query{Count: 1, StartIndex: 1000})
		if err != nil || page.Total != 1000 || len(page.Resources) != 1 || page.Resources[0].ID != users[999].ID {
			t.Fatalf("List after CreateMany = total %d, %d resources, %v; want the 1000th user last", page.Total, len(page.Resources), err)
		}
		got, err := s.Get(ctx, "org", store.KindUser, users[7].ID)
		if err != nil || got.Name != users[7].Name || got.Version != 1 || got.Attrs["userName"] != users[7].Name {
			t.Fatalf("Get(user 7) = %+v, %v", got, err)
		}

		// All or nothing: a collision in a later batch inserts none.
		more := storetest.Users("org", 900)
		more[850].Name = users[3].Name
		err = s.CreateMany(ctx, more)
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CreateMany with a taken name: %v; want ErrConflict", err)
		}
		page, err = s.List(ctx, "org", store.KindUser, store.Query{})
		if err != nil || page.Total != 1000 {
			t.Fatalf("after a failed CreateMany: total %d, %v; want 1000", page.Total, err)
		}
	})
}
