// Package testdb owns the databases scimd's tests run against: a fresh
// SQLite file per test, and a fresh PostgreSQL database per test on either
// the cluster named by SCIMD_TEST_POSTGRES_URL or a throwaway cluster it
// starts itself (once per test binary) when PostgreSQL's server binaries are
// installed.
//
// A test package that uses Postgres or Each declares
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// so that the throwaway cluster is stopped when the binary exits.
//
// It is test support only: production code must not import it. It imports
// migrations (to build the schema template) and nothing else of scimd's, so
// every package's tests, store/sqlstore's included, can use it.
//
// The cluster handle is the one piece of package-level mutable state in
// scimd, by necessity: it is shared by every test of a test binary.
package testdb
