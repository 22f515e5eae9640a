package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // driver "postgres"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/scimd/scimd/migrations"
	"github.com/scimd/scimd/store"
)

// Store is a store.Store on SQLite or PostgreSQL. It is safe for concurrent
// use.
type Store struct {
	d dialect
	// w runs writes. On SQLite it is a single connection whose transactions
	// take the database's write lock at BEGIN (BEGIN IMMEDIATE), so
	// read-modify-write transactions queue instead of failing or deadlocking.
	w *sqlx.DB
	// r runs reads. On SQLite it is a pool of query-only connections that
	// read WAL snapshots beside the writer; on PostgreSQL it is w.
	r *sqlx.DB
	// locks are the TryLock locks held (lock.go), shared with views.
	locks *lockSet
	// hook, when set, sees every write in its transaction and gives the
	// events to store with it (a Recording view; audit.go).
	hook store.Hook
}

var _ store.Store = (*Store)(nil)

// Pool sizes.
const (
	sqliteReaders    = 4  // at least; more on machines with more cores
	postgresMaxConns = 20 // per process; replicas multiply it
	postgresIdle     = 10
	sqliteBusyMillis = 10000
)

// Open connects to the database named by dbURL:
//
//	sqlite:PATH, sqlite://PATH, file:PATH   a SQLite file (created if missing)
//	postgres://… or postgresql://…           PostgreSQL, lib/pq URL syntax
//
// It does not migrate; call Migrate.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return openPostgres(ctx, dbURL)
	case strings.HasPrefix(dbURL, "sqlite:"), strings.HasPrefix(dbURL, "file:"):
		path, err := sqlitePathOf(dbURL)
		if err != nil {
			return nil, err
		}
		return openSQLite(ctx, path)
	}
	return nil, errors.New("database URL must start with sqlite:, file:, postgres:// or postgresql://")
}

// SQLiteFile returns the file of a SQLite database URL (sqlite:, sqlite://,
// file:), and false for PostgreSQL, in-memory and malformed URLs: for
// tooling that keeps files beside the database (a lock file).
func SQLiteFile(dbURL string) (string, bool) {
	if !strings.HasPrefix(dbURL, "sqlite:") && !strings.HasPrefix(dbURL, "file:") {
		return "", false
	}
	path, err := sqlitePathOf(dbURL)
	if err != nil || path == ":memory:" {
		return "", false
	}
	return path, true
}

// sqlitePathOf extracts the file path of a sqlite: or file: URL.
func sqlitePathOf(raw string) (string, error) {
	var path string
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		path = strings.TrimPrefix(raw, "sqlite://")
	case strings.HasPrefix(raw, "sqlite:"):
		path = strings.TrimPrefix(raw, "sqlite:")
	case strings.HasPrefix(raw, "file://"):
		path = strings.TrimPrefix(raw, "file://")
	default:
		path = strings.TrimPrefix(raw, "file:")
	}
	if strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("sqlite database path %q: parameters are not supported", path)
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if path == "" {
		return "", errors.New("sqlite database URL has no path")
	}
	return path, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w", err)
	}
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresIdle)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to postgres: %w", err)
	}
	return &Store{d: newDialect("postgres"), w: db, r: db, locks: &lockSet{}}, nil
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)", sqliteBusyMillis)
	if path == ":memory:" {
		// One connection is the whole database: it serves reads and writes.
		db, err := sqlx.Open("sqlite", path+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("opening sqlite: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("opening sqlite: %w", err)
		}
		return &Store{d: newDialect("sqlite"), w: db, r: db, locks: &lockSet{}}, nil
	}
	w, err := sqlx.Open("sqlite", path+"?"+pragmas+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	// The writer connects first: it creates the file and switches it to WAL.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	r, err := sqlx.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	n := max(sqliteReaders, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{d: newDialect("sqlite"), w: w, r: r, locks: &lockSet{}}, nil
}

// Migrate brings the schema up to date. It is idempotent.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := migrations.Up(ctx, s.w.DB, s.d.migrations()); err != nil {
		return err
	}
	return nil
}

// Dialect reports "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging %s: %w", s.d.name(), err)
	}
	return nil
}

// Close releases the connections and the TryLock locks still held.
func (s *Store) Close() error {
	for _, c := range s.locks.closeAll() {
		dropConn(c)
	}
	var errs []error
	if s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}
