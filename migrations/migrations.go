package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// files holds both folders. It is read-only: embed.FS cannot be modified.
//
//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialect names a migration folder.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// FS returns the migration files of one dialect, at the root of the
// returned file system.
func FS(d Dialect) (fs.FS, error) {
	switch d {
	case SQLite, Postgres:
		return fs.Sub(files, string(d))
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", d)
}

// Up applies every pending migration of dialect d to db and reports the
// version the database is at afterwards. It is idempotent: on an up-to-date
// database it changes nothing. On PostgreSQL it holds a session advisory
// lock while migrating, so replicas starting together migrate once.
func Up(ctx context.Context, db *sql.DB, d Dialect) (int64, error) {
	p, err := newProvider(db, d)
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrating %s database: %w", d, err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading %s schema version: %w", d, err)
	}
	return v, nil
}

// Version reports the schema version db is at (0 when never migrated) and
// the latest version the embedded files of dialect d define.
func Version(ctx context.Context, db *sql.DB, d Dialect) (current, latest int64, err error) {
	p, err := newProvider(db, d)
	if err != nil {
		return 0, 0, err
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("reading %s schema version: %w", d, err)
	}
	return current, latest, nil
}

func newProvider(db *sql.DB, d Dialect) (*goose.Provider, error) {
	fsys, err := FS(d)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gd := goose.DialectSQLite3
	if d == Postgres {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: loading %s files: %w", d, err)
	}
	return p, nil
}
