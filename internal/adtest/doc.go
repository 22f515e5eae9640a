// Package adtest is an in-process fake Active Directory domain controller
// for tests: a github.com/jimlambrt/gldap server over an in-memory tree of
// AD-shaped users, groups and OUs, whose search handler evaluates filters,
// scope, paging and range retrieval for real, and which injects the faults a
// directory sync must survive without deactivating anyone (connection drop
// mid-page, time limit, size limit, busy, unavailable, admin limit,
// referrals, bind failure, a failing range chunk).
//
//	srv := adtest.Start(t)
//	guid := srv.AddUser(adtest.User{DN: "CN=Alice,OU=People," + srv.BaseDN(), SAMAccountName: "alice"})
//	srv.Inject(adtest.DropConnection(2, 500)) // drop after 500 entries of page 2
//	conn, _ := ldap.DialURL(srv.URL())
//	_ = conn.Bind(srv.BindDN(), srv.BindPassword())
//
// It is test-only code: it owns its tree and the wire protocol and imports
// nothing of ours; production packages must not import it.
//
// # How it is built
//
// Clients connect to a small proxy that frames every LDAPMessage and relays it
// to the gldap server on another loopback port. gldap offers a handler no way
// to close its connection or to send a SearchResultReference or a referral
// result, so the handler sends an in-band control message that the proxy acts
// on instead of forwarding (proxy.go). The proxy also terminates LDAPS and
// swallows AbandonRequests, which gldap treats as a fatal protocol error.
//
// # Faithful to AD
//
//   - objectGUID is 16 raw bytes on the wire; (objectGUID=\e0\04…) filters
//     compare bytes. GUID converts to and from AD's mixed-endian string form.
//   - userAccountControl 512/514, accountExpires (NeverExpires by default,
//     FileTime for dates), sAMAccountName, userPrincipalName, objectCategory
//     with AD's short-name shorthand ((objectCategory=person)), memberOf as the
//     constructed back-link of member, distinguishedName, uSNCreated/uSNChanged
//     and whenCreated/whenChanged bumped on every change, highestCommittedUSN
//     in the root DSE, which also announces LDAP_CAP_ACTIVE_DIRECTORY_OID.
//   - Filters: and/or/not with RFC 4511 three-valued logic, case-insensitive
//     equality and substrings, DN-valued attributes compared as DNs, integer
//     ordering for integer attributes, presence, approx as equality, and the
//     matching rules bit-AND (1.2.840.113556.1.4.803), bit-OR (…804) and
//     IN_CHAIN (…1941, transitive with loop protection, for memberOf, member
//     and manager). Other matching rules evaluate Undefined: no match, and no
//     match for their negation either.
//   - Paging: the paged-results control with server-side state behind a fresh
//     cookie per page, bound to its connection and dropped when the connection
//     closes; page size capped at MaxPageSize (default 1000); a size-0
//     request abandons. An unpaged search is cut at MaxPageSize entries with
//     sizeLimitExceeded (4), as AD does; the client's sizeLimit counts over all
//     pages.
//   - Range retrieval (MS-ADTS 3.1.1.3.1.3.3): an attribute with more values
//     than MaxValRange (default 1500) comes back only as
//     "member;range=0-1499"; "attr;range=low-high|*" requests are answered
//     with at most MaxValRange values and "-*" on the chunk holding the last
//     value; a low bound past the last value is operationsError unless the
//     RANGE_RETRIEVAL_NOERR control (1.2.840.113556.1.4.1948) is sent.
//   - Binds: by DN or userPrincipalName; wrong password or unknown account is
//     invalidCredentials (49) with AD's "data 52e", a disabled account "data
//     533", BindFailure "data 775" (locked). A DN with an empty password is an
//     unauthenticated bind that succeeds and leaves the connection anonymous.
//     Searches on an anonymous connection get operationsError with AD's
//     "a successful bind must be completed" text; the root DSE is readable
//     anonymously, but not with a paging control.
//   - A base outside the naming context is answered with a referral (10);
//     a base that does not exist with noSuchObject (32); WithRootReferences
//     adds AD's DomainDnsZones/ForestDnsZones/Configuration continuation
//     references to subtree searches at the domain root.
//   - Member and manager values must name existing entries; Move rewrites
//     them and keeps every objectGUID; Remove drops them (linked attributes).
//
// # Not faithful
//
//   - The directory is read-only over LDAP (writes get unwillingToPerform);
//     change it through Server methods. No StartTLS (use WithLDAPS), no SASL,
//     no signing or channel binding, no Global Catalog port.
//   - A paged search evaluates its filter once, on the first page, and pages
//     through that snapshot; AD walks its index live, so changes made between
//     pages may or may not show up there. Entries come back in creation order.
//   - No schema: unknown attributes are accepted and compared as strings, the
//     :dn flag of extensible matches is ignored, non-ASCII case folding of
//     DNs is byte-wise, and uniqueness of sAMAccountName/userPrincipalName is
//     not enforced. Missing parent OUs/containers are created on demand.
//   - No tombstones, Deleted Objects, DirSync, show-deleted, objectSid,
//     primaryGroupID membership, tokenGroups, msDS-User-Account-Control-
//     Computed, or per-DC invocationID; one USN counter for the whole domain.
//   - Result-code texts other than the bind "data" codes, the bind-required
//     and NO_OBJECT texts are illustrative; the paged-search cookie error
//     (unwillingToPerform, 53) is this package's choice.
//   - Injected faults are deterministic and positional (page and entry
//     index), not timed; TimeLimitExceeded does not measure time.
package adtest
