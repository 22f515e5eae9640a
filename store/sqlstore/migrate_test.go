package sqlstore_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/migrations"
	"github.com/scimd/scimd/store/sqlstore"
)

// schema describes a database: one "table.column" or "index:name" per
// line, sorted, without goose's own table.
func schema(t *testing.T, db *sql.DB, dialect string) []string {
	t.Helper()
	var q string
	switch dialect {
	case "sqlite":
		q = `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'goose%' AND m.name NOT LIKE 'sqlite%'
			UNION ALL SELECT 'index:' || name FROM sqlite_master
			WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'`
	default:
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name NOT LIKE 'goose%'
			UNION ALL SELECT 'index:' || indexname FROM pg_indexes
			WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'
			AND tablename NOT LIKE 'goose%'`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("reading schema: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func rawDB(t *testing.T, dialect, url string) *sql.DB {
	t.Helper()
	dsn := url
	driver := "postgres"
	if dialect == "sqlite" {
		driver, dsn = "sqlite", strings.TrimPrefix(url, "sqlite:")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// migrateFresh migrates an empty database twice and returns its schema.
func migrateFresh(t *testing.T, dialect, url string) []string {
	t.Helper()
	ctx := t.Context()
	s, err := sqlstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := rawDB(t, dialect, url)
	if before := schema(t, db, dialect); len(before) != 0 {
		t.Fatalf("fresh database already has %v", before)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	first := schema(t, db, dialect)
	d := migrations.SQLite
	if dialect == "postgres" {
		d = migrations.Postgres
	}
	v1, latest, err := migrations.Version(ctx, db, d)
	if err != nil || v1 != latest || v1 == 0 {
		t.Fatalf("after Migrate: version %d of %d, %v; want the latest", v1, latest, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	v2, _, err := migrations.Version(ctx, db, d)
	if err != nil || v2 != v1 {
		t.Errorf("second Migrate moved the version %d -> %d (%v)", v1, v2, err)
	}
	if second := schema(t, db, dialect); !slices.Equal(first, second) {
		t.Errorf("second Migrate changed the schema:\n%v\n%v", first, second)
	}
	var applied int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if int64(applied) != latest {
		t.Errorf("goose recorded %d applied migrations; want %d (each once)", applied, latest)
	}
	return first
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	var lite, pg []string
	t.Run("sqlite", func(t *testing.T) { lite = migrateFresh(t, "sqlite", testdb.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { pg = migrateFresh(t, "postgres", testdb.PostgresEmpty(t)) })
	// Both dialects end with the same tables, columns and index names.
	if lite != nil && pg != nil && !slices.Equal(lite, pg) {
		t.Errorf("schemas differ:\n sqlite:   %v\n postgres: %v", lite, pg)
	}
}
