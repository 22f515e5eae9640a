package migrations

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
)

// names lists the migration files of one dialect.
func names(t *testing.T, d Dialect) []string {
	t.Helper()
	fsys, err := FS(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fs.Glob(fsys, "*")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestFoldersMatch(t *testing.T) {
	lite, pg := names(t, SQLite), names(t, Postgres)
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations embedded")
	}
	if !slices.Equal(lite, pg) {
		t.Fatalf("migration folders differ:\n sqlite:   %v\n postgres: %v", lite, pg)
	}
	seen := map[int64]string{}
	for _, name := range lite {
		if !strings.HasSuffix(name, ".sql") {
			t.Errorf("%s: only .sql migrations belong here", name)
		}
		v, err := goose.NumericComponent(name)
		if err != nil {
			t.Errorf("%s: no version number: %v", name, err)
			continue
		}
		if prev, dup := seen[v]; dup {
			t.Errorf("%s and %s share version %d", prev, name, v)
		}
		seen[v] = name
	}
}

func TestFilesAreGooseUp(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		fsys, err := FS(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names(t, d) {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "-- +goose Up") {
				t.Errorf("%s/%s: missing the -- +goose Up annotation", d, name)
			}
			if strings.Contains(string(b), "-- +goose Down") {
				t.Errorf("%s/%s: migrations are forward only; remove the Down section", d, name)
			}
		}
	}
}

func TestUnknownDialect(t *testing.T) {
	if _, err := FS("oracle"); err == nil {
		t.Fatal("FS(oracle) succeeded; want an error")
	}
}
