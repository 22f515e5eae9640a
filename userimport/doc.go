// Package userimport owns the CSV form of an organization's users: the
// columns (Columns, Template), reading a CSV file into upserts through
// package directory (Run), the per-row report (Report), and the row form
// `scimd users export` writes (EncodeUser, TeamPaths), so that an export
// imports back as it was.
//
// Every write goes through directory.Service, so the organization's policy
// (role and entitlement catalogues, seat limit, immutable attributes) and
// the audit trail apply to an import exactly as to SCIM and the directory
// sync. Each row is its own write: one bad row never stops or half-writes
// another. A dry run reads the same rows, checks what it can without
// writing (required fields, catalogues, immutable attributes, the seat
// limit projected over the file, ownership, team paths) and writes nothing.
//
// The file is streamed: memory does not grow with its length, only with
// the number of distinct team paths and of rows whose manager comes later
// in the file; a dry run also remembers, for each user the file touches,
// the few attributes the policy looks at (so that a later row of the same
// user is checked against what the earlier one would have written).
//
// Ownership: an import changes the users and teams it created (source
// "import") and those an admin created ("admin"). A user or team of an
// identity provider ("scim") or of a directory sync ("ldap:<name>") is
// not taken over: its row, or its team placement, is reported instead.
//
// It must not import SQL or database packages or the scim handlers, and
// neither serves nor calls HTTP: it reads through store.Store and writes
// through directory.Service. It uses scim/schema (pure) to read and
// validate user documents.
package userimport
