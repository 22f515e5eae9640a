// Package console is scimd's web console for an organization's admins,
// mounted under /admin: server-rendered HTML pages (html/template and a
// small stylesheet, embedded; no script, no external request) to sign in,
// see the dashboard, find users and change their lifecycle, browse the team
// tree, approve or reject held directory-sync runs, import a CSV file,
// manage tokens, and read the webhooks' state and the audit trail.
//
// Every page and every form action asks directory.Permit, so the console
// and the admin API (package api) cannot disagree on who may do what;
// every form POST carries the session's CSRF token (internal/adminauth)
// and answers with a redirect and a flash message (Post/Redirect/Get),
// except where the answer is a one-time result (a token's plaintext, an
// import's per-row report). A forbidden action answers 403 and changes
// nothing; pages hide the buttons a role may not use. Every response
// carries a strict Content-Security-Policy, frame denial, nosniff and a
// same-origin referrer policy.
//
// It knows HTTP, the directory and store contracts, the CSV import
// (package userimport) and, of sync/ldapsync, the sync's record of a
// change (ldapsync.ParseDetail) and the types of its control; it runs and
// decides directory syncs, imports and reads webhooks only through the
// small interfaces it declares (SyncControl, Importer, Webhooks).
// SyncControl has the admin API's method set (api.SyncControl): one
// ldapsync.Control, built in cmd/scimd, serves both. It never sees SQL
// and must not import store/sqlstore, scim or the admin API (package
// api).
package console
