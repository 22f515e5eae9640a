// Package scim is scimd's SCIM 2.0 HTTP protocol layer (RFC 7643, RFC 7644):
// routing under the base path, bearer-token authentication, the Users and
// Groups endpoints (list, get, create, replace, patch, delete), discovery
// (ServiceProviderConfig, ResourceTypes, Schemas), list responses, ETags and
// the one function that turns any error into an RFC 7644 §3.12 error
// response. The grammar, schemas and PATCH engine live in its subpackages
// filter, schema and patch.
//
// It writes through package directory and reads through the store contract;
// it never sees SQL and must not import store/sqlstore or sync.
package scim
