// Package directory holds the rules every writer obeys — SCIM, the directory
// sync, the CLI and the admin API all write through it: how a resource's
// indexed columns follow from its document, lifecycle transitions and their
// reasons, source ownership, archiving instead of deleting, and API tokens.
//
// It knows the store contract and nothing of HTTP, SCIM wire format or SQL;
// it must not import scim, sync or store/sqlstore.
package directory
