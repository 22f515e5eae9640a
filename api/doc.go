// Package api is scimd's admin JSON API, mounted under /api/v1: endpoints
// an organization's administrators and their automation call with an
// admin-scope bearer token (store.ScopeAdmin), beside the SCIM endpoints
// identity providers call. It serves the organization's audit trail and
// joiner / mover / leaver events (GET /api/v1/events), paged by a cursor.
//
// Every response is JSON; every error is {"error": "message"} with the
// HTTP status that fits, and an internal error names only the request id
// (internal/obs), its cause going to the log.
//
// It knows HTTP, the directory contract (authentication, principals, event
// types) and the store contract (events); it never sees SQL and must not
// import store/sqlstore, scim or sync.
package api
