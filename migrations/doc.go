// Package migrations owns scimd's database schema: one folder of SQL files
// per dialect (sqlite/, postgres/) with identical version numbers and file
// names, goose-annotated, embedded with go:embed and applied by Up through
// goose's Provider API (no goose global state). Migrations are forward only
// and append-only: a released file is never edited, a change is a new file
// in both folders.
//
// It imports no scimd package; store/sqlstore and internal/testdb import it.
package migrations
