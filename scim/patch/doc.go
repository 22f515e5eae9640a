// Package patch owns SCIM PATCH (RFC 7644 §3.5.2): decoding a PatchOp
// request body and applying its operations to a stored resource document as
// a pure function, including the non-standard shapes Okta and Microsoft
// Entra ID really send (see shared/reference/idp-traffic.md, quirks Q1–Q30).
//
// It works on documents in stored form (package schema's Resolved.Keys:
// core attributes at the top level under canonical names, extension
// attributes under their schema URN) and leaves every side effect to the
// caller: Apply never modifies its input, and a multi-valued attribute the
// caller keeps outside the document (a Group's "members") comes back as a
// Detached change for the caller to turn into a store.MemberChange.
//
// It imports only the standard library's pure packages and scimd's
// scim/filter, scim/schema and scim/scimerr. It must not import net/http,
// package store or anything that does I/O or SQL; it holds no
// package-level mutable state.
//
// Decisions where RFC 7644 and the identity providers disagree, or where the
// RFC is silent:
//
//   - op names are case-insensitive ("Replace", Q1). An unknown op is 400
//     invalidSyntax.
//   - Every path error, including a malformed or unusable value filter inside
//     a path (unknown sub-attribute, nested filter), is 400 invalidPath: the
//     filter is part of the "path" the RFC's invalidPath describes.
//   - Removing a required attribute, or clearing it with replace ""/null,
//     is 400 mutability, as RFC 7644 §3.5.2 says for an attribute that "is
//     removed or becomes unassigned and is defined as a required attribute".
//     Targeting a readOnly attribute with an explicit path is 400
//     mutability; so is changing or removing an immutable attribute that has
//     a value (adding one that has none is allowed, RFC 7644 §3.5.2).
//   - In a path-less value, readOnly attributes are ignored (DESIGN §4:
//     "read-only values sent back are ignored"), as are "meta", "schemas"
//     and unknown keys; "id" is ignored when it equals Options.ID (Okta,
//     O-13) or when Options.ID is empty, and is 400 mutability otherwise.
//   - add and replace with a value filter that matches no element create
//     one when the filter is a conjunction of eq comparisons (Entra, Q4);
//     RFC 7644 §3.5.2.3 would answer noTarget. Other filters matching
//     nothing answer 400 noTarget, for remove too (RFC 7644 §3.12).
//   - replace of a single-valued complex attribute merges the given
//     sub-attributes (RFC 7644 §3.5.2.3), except that an object carrying a
//     different "value" (a reference such as manager) replaces the old one
//     whole, so that a stale $ref or displayName does not survive.
//   - replace and add with "" or null clear the target (Q18); clearing a
//     multi-valued element's "value" sub-attribute removes the element.
//   - add of an element equal by "value" to an existing one merges its
//     sub-attributes into the existing element instead of duplicating it
//     (Q17); elements without a "value" are compared whole.
//   - Setting primary true on an element clears it on the others (RFC 7643
//     §2.4); within one operation the first element set primary wins.
//   - remove with a path and a value on a multi-valued attribute removes the
//     listed elements only (Entra's default job, Q7).
//   - An unknown attribute in an explicit path is 400 invalidPath (so that
//     an admin's bad mapping shows up in the IdP's logs); in a path-less
//     value it is ignored, as in a POST or PUT body.
//   - The keys of a path-less value are applied in a fixed order (whole
//     extensions, then attributes, then sub-attributes and filtered paths,
//     each by name), so the result never depends on map iteration.
//   - Uniqueness of "type" among elements (Q30) is not enforced here: a
//     value filter on type updates the element it finds instead of adding
//     a second one, which is what keeps Entra's elements unique.
package patch
