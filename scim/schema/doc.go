// Package schema is scimd's model of SCIM resources: the schemas and
// attribute characteristics of RFC 7643 (core User and Group, the
// Enterprise User extension, the common attributes of §3.1), and
// everything decided by them:
//
//   - resolving attribute paths case-insensitively (RFC 7643 §2.1,
//     RFC 7644 §3.10) to canonical names and to the key path of a value in
//     the stored document (Resolve, Resolved.Keys);
//   - normalizing client documents and values to the canonical stored
//     form, leniently where identity providers are lenient (Normalize,
//     NormalizeValue; see shared/reference/idp-traffic.md §3);
//   - the PUT replacement rules of RFC 7644 §3.5.1 (Replace);
//   - compiling parsed filters (RFC 7644 §3.4.2.2) to store expressions
//     and resolving sortBy (Compile, SortAttr);
//   - attribute projection (RFC 7644 §3.4.2.5, RFC 7643 §7 "returned")
//     (NewProjection, Projection.Apply);
//   - the discovery documents of RFC 7643 §6 and §7 (Schema.Document,
//     ResourceType.Document);
//   - scimd's read-only team extension of Group (Team, TeamURN) and
//     organizations' own extension schemas, parsed and validated from
//     their RFC 7643 §7 documents (ParseExtension) and added to a copy of
//     a resource type (WithExtensions), with "required" enforced on the
//     extensions a PATCH touches (CheckChangedExtensions).
//
// The stored document has core attributes at the top level under their
// canonical names, extension attributes under the extension's URN
// ({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
// {"department":"Eng"}}), "schemas" listing the core URN and the
// extensions that have values, and no id or meta (the caller adds them on
// output).
//
// The package is pure: no I/O, no package-level mutable state (schemas
// are built by functions; a built schema is immutable and may be shared).
// It imports only scim/filter, scim/scimerr, store (for the expression
// types it compiles to) and the standard library. It must not import
// net/http handlers, SQL or database packages, directory, or anything
// that performs I/O.
package schema
