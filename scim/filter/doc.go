// Package filter parses the SCIM filter grammar and PATCH attribute paths of
// RFC 7644 §3.4.2.2 and §3.5.2 into a small AST. It is pure: no I/O, no
// schema knowledge (attribute names are kept as written; package schema
// resolves them), and it imports nothing of scimd's.
package filter
