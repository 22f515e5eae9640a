// Package sqlstore implements store.Store on SQL databases: SQLite
// (modernc.org/sqlite, pure Go) and PostgreSQL (github.com/lib/pq), through
// sqlx. It owns the SQL: connection setup, the per-dialect fragments
// (dialect.go, the only file that knows which database it talks to), the
// mapping of driver errors to store's sentinels, and the compiler from
// store.Expr to SQL (filter.go). The schema itself lives in package
// migrations and is applied by Migrate.
//
// Every statement is written once with ? placeholders and rebound for the
// dialect in one place (conn.go); filter values are always bound, and JSON
// keys are bound as path arguments, never spliced into the SQL.
//
// It imports store and migrations only of scimd's packages; it must not
// import scim, directory or anything above them.
package sqlstore
