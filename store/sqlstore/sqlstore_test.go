package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/storetest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// open opens and migrates the database at url, closing it after the test.
func open(t testing.TB, url string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, testdb.SQLite(t)) })
}

func TestConformancePostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, testdb.Postgres(t)) })
}

func TestOpenURLs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		url string
		ok  bool
	}{
		{"sqlite:" + dir + "/a.db", true},
		{"sqlite://" + dir + "/b.db", true},
		{"file:" + dir + "/c.db", true},
		{"sqlite::memory:", true},
		{"sqlite:" + dir + "/d.db?mode=ro", false},
		{"sqlite:", false},
		{"mysql://localhost/db", false},
		{dir + "/e.db", false},
	}
	for _, tc := range tests {
		s, err := sqlstore.Open(t.Context(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("Open(%q) error %v; want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil {
			continue
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Errorf("Migrate(%q): %v", tc.url, err)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping(%q): %v", tc.url, err)
		}
		if err := s.CreateOrg(t.Context(), store.Org{ID: "o", Name: "o"}); err != nil {
			t.Errorf("CreateOrg on %q: %v", tc.url, err)
		}
		if got, err := s.OrgByName(t.Context(), "o"); err != nil || got.ID != "o" {
			t.Errorf("OrgByName on %q = %+v, %v", tc.url, got, err)
		}
		s.Close()
	}
}

func TestOpenHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := sqlstore.Open(context.Background(), testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err == nil {
		t.Error("Migrate with a cancelled context succeeded")
	}
	if _, err := s.Orgs(ctx); err == nil || !strings.Contains(err.Error(), "cancel") {
		t.Errorf("Orgs with a cancelled context: %v; want a cancellation error", err)
	}
}
