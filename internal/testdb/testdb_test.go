package testdb

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestSQLiteIsFreshPerTest(t *testing.T) {
	a, b := SQLite(t), SQLite(t)
	if !strings.HasPrefix(a, "sqlite:") || a == b {
		t.Fatalf("SQLite() = %q, %q; want two distinct sqlite: URLs", a, b)
	}
}

// tables counts the tables of the public schema.
func tables(t *testing.T, url string) int {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPostgres(t *testing.T) {
	migrated, empty := Postgres(t), PostgresEmpty(t)
	if migrated == empty {
		t.Fatalf("two databases share the URL %q", migrated)
	}
	if n := tables(t, migrated); n < 4 {
		t.Errorf("Postgres(): %d tables, want the migrated schema", n)
	}
	if n := tables(t, empty); n != 0 {
		t.Errorf("PostgresEmpty(): %d tables, want none", n)
	}
}

func TestEachRunsBothDialects(t *testing.T) {
	var got []string
	Each(t, func(t *testing.T, url string) {
		got = append(got, strings.SplitN(url, ":", 2)[0])
	})
	if len(got) == 0 || got[0] != "sqlite" {
		t.Fatalf("Each ran %v; want sqlite first", got)
	}
	if len(got) == 2 && got[1] != "postgres" {
		t.Fatalf("Each ran %v; want postgres second", got)
	}
}

// The throwaway cluster's default collation is linguistic when initdb
// supports ICU, so that collation-dependent SQL fails the tests.
func TestThrowawayClusterCollation(t *testing.T) {
	url := Postgres(t)
	h.mu.Lock()
	c := h.cluster
	h.mu.Unlock()
	if c == nil || !c.icu {
		t.Skip("not a throwaway cluster with ICU")
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var linguistic bool
	if err := db.QueryRowContext(context.Background(), `SELECT 'a' < 'B'`).Scan(&linguistic); err != nil {
		t.Fatal(err)
	}
	if !linguistic {
		t.Error("the ICU cluster compares bytewise ('a' > 'B'); want en-US order")
	}
}
