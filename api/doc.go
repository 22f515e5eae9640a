// Package api is scimd's admin JSON API, mounted under /api/v1: what an
// organization's admins and their scripts use to see and steer the
// directory — users (search, filters, activate, deactivate, archive,
// restore, purge), teams (tree, members), CSV import and export, API
// tokens, directory sync (sources, runs and their changes, run now,
// approve or reject held runs), events and the audit trail, webhooks,
// the organization's settings and its admin accounts. The web console
// (package console) is built on the same rules.
//
// Every request is authenticated by internal/adminauth (an admin's
// session cookie, from POST /api/v1/session, or an admin-scope bearer
// token); a session's state-changing request must carry its CSRF token
// (X-CSRF-Token). Every route names one directory.Action and is refused
// (403) before it reads or writes anything unless directory.Permit allows
// the admin's role that action, so a refused request changes nothing.
// Writes go through directory.Service as the admin (directory.AdminPrincipal.Actor),
// so the organization's policy and the audit trail apply.
//
// Every response is JSON (exports are CSV or JSON files); every error is
// {"error": "message"} with the HTTP status that fits, and an internal
// error names only the request id (internal/obs), its cause going to the
// log.
//
// It knows HTTP, the directory and store contracts, and the import
// (userimport) and webhook packages; it never sees SQL and must not import
// store/sqlstore, scim or console. Directory sync it reaches through
// SyncControl (ldapsync.Control over the configured sources and the sync
// engine, which cmd/scimd builds); of sync/ldapsync it uses only the
// types and errors of that contract.
package api
