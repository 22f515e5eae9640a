// Package userimport owns the file forms of an organization's users and
// teams: the columns (Columns, Template), reading a CSV file into upserts
// through package directory (Run), the per-row report (Report), and the
// exports (ExportUsers, ExportTeams: CSV, whose user rows are EncodeUser's
// so that an export imports back as it was, or JSON). The command line
// (`scimd users import|export`, `scimd teams export`) and the admin API
// (POST /import, GET /export/users|teams) both call it; each only chooses
// where the file comes from or goes to.
//
// A problem with the import file itself (empty, a missing or malformed
// header, unknown or repeated columns) is an *InputError, returned before
// any row is read, so nothing was written; a row's own problems are its
// Result. Any other error that stops Run (the database failing, reading
// the input, emit's error, the context's) may come after rows were
// written: those were emitted first.
//
// Every write goes through directory.Service, so the organization's policy
// (role and entitlement catalogues, seat limit, immutable attributes) and
// the audit trail apply to an import exactly as to SCIM and the directory
// sync. Each row is its own write: one bad row never stops or half-writes
// another. A dry run reads the same rows, checks what it can without
// writing (required fields, catalogues, immutable attributes, the seat
// limit projected over the file, ownership, team paths) and writes nothing.
//
// Files are streamed. An export holds one keyset page (store.EachPage)
// and the team paths met. An import's memory does not grow with the
// file's length, only with the number of distinct team paths and of rows
// whose manager comes later in the file; a dry run also remembers, for
// each user the file touches, the few attributes the policy looks at (so
// that a later row of the same user is checked against what the earlier
// one would have written).
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
