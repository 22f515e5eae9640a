// Package ldapsync owns directory sync from LDAP and Active Directory: the
// per-source configuration (Source: connection, TLS, bind, scope, schedule,
// thresholds, presets for OpenLDAP, Active Directory and FreeIPA, attribute
// mapping, the scope fingerprint), the connection (Dial), streaming paged
// reads that prove their own completeness (Conn.Stream, Completeness; AD
// range retrieval), Active Directory's encodings (objectGUID,
// userAccountControl, accountExpires) and the mapping of directory entries
// to SCIM User documents and to groups (Mapper, DirUser, DirGroup). The
// Engine runs a source, holds mass changes for approval and applies or
// rejects them (Approve, Reject); Control is the admin API's and the
// console's hold on it: each organization's configured sources, run on
// demand, and their held runs decided, with errors fit to show an admin
// (ErrUnknownSource, ErrLocked, ErrNotHeld).
//
// The rule it exists to keep (shared/DESIGN.md §4, reference
// directory-sync.md §2.1, §2.3): "not returned by the search" may be read as
// "left" only when the read was provably complete. A read is complete only
// when the bind succeeded, every page and every range chunk came back, and
// the final result code was 0. Size, time and administrative limits, busy,
// unavailable, referrals, noSuchObject and connection errors all make it
// incomplete; Stream then still delivers what it received and says why the
// rest is missing.
//
// Reads never buffer a whole directory: entries are handed to the caller
// one page at a time, so memory stays flat with directory size.
//
// Imports: go-ldap, robfig/cron (schedule syntax), prometheus (the
// engine's metrics), scimd's pure SCIM model packages scim/schema and
// scim/filter (so a mapped document is validated exactly like a SCIM
// write), and — for the engine — the store contract and package
// directory, through which every change is written. It must not import
// database/sql, store/sqlstore or any SQL driver, nor the SCIM HTTP layer
// (package scim).
// Secrets: bind passwords come from a file or the environment, are read at
// Dial and never kept in Source, printed or logged.
package ldapsync
