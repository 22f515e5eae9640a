// Package teststore opens real stores for the tests of the packages above
// the store (directory, scim, api, the sync, the import): migrated, and
// closed when the test ends. It is test infrastructure, imported only by
// _test files; internal/testdb provides the database URLs.
package teststore

import (
	"testing"

	"github.com/scimd/scimd/store/sqlstore"
)

// Open opens the database at url, applies the migrations and closes it
// when t ends.
func Open(t testing.TB, url string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}
