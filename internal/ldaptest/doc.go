// Package ldaptest owns the real OpenLDAP server scimd's directory-sync
// tests run against: one throwaway slapd per test binary (Debian's
// /usr/sbin/slapd, a private slapd.conf and mdb database in a temporary
// directory, loopback ports chosen at start), reached over ldap:// (with
// StartTLS) and ldaps:// with a certificate authority generated for the
// run, and one fresh organizational unit per test (NewOU). The schemas are
// core, cosine, inetorgperson, nis and msuser, so tests can add
// inetOrgPerson users, groupOfNames / groupOfUniqueNames / posixGroup
// groups, and AD-shaped entries (objectClass user, computer, group with a
// binary objectGUID, userAccountControl, accountExpires) through AddEntries.
// slapd has no AD range retrieval, objectGUID generation or IN_CHAIN rule:
// that is the fake AD's job (internal/adtest).
//
// The server carries three accounts: the root DN (no limits; used only to
// build fixtures), a read-only service account whose searches are cut at
// SizeLimit entries (so the tests see result code 4 like production does:
// binding as the root DN would bypass every limit), and a read-only
// service account without limits.
//
// A test package that uses it declares
//
//	func TestMain(m *testing.M) { ldaptest.Main(m) }
//
// so that slapd is stopped and its directory removed when the binary exits.
// Without slapd the tests are skipped, or fail when the environment
// variable CI is "true".
//
// It is test support only: production code must not import it. It imports
// go-ldap and nothing of scimd's, so sync/ldapsync's own tests can use it.
//
// The server handle is package-level mutable state, by necessity: it is
// shared by every test of a test binary (as in internal/testdb).
package ldaptest
