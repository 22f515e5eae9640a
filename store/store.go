package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/text/cases"
)

// Sentinel errors. Backends map driver errors to these in one place per
// dialect and wrap everything else with context.
var (
	// ErrNotFound: no such row in this organization (archived resources
	// are not found by Get, List or Update).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness constraint would be violated. Backends wrap
	// it in a *UniqueError naming the attribute.
	ErrConflict = errors.New("conflict")
	// ErrPreconditionFailed: the caller's expected version is stale. Update
	// functions return it (wrapped or bare) to abort an update.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrInvalidReference: a member id that does not resolve to a live
	// resource of the same organization, or a membership change that would
	// make a group contain itself. Backends wrap it in a *ReferenceError.
	ErrInvalidReference = errors.New("invalid reference")
)

// UniqueError reports which attribute collided. errors.Is(err, ErrConflict)
// holds for it.
type UniqueError struct {
	Attr  string // "userName", "displayName", "name"
	Value string
}

func (e *UniqueError) Error() string {
	return fmt.Sprintf("%s %q is already taken", e.Attr, e.Value)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *UniqueError) Is(target error) bool { return target == ErrConflict }

// ReferenceError names the offending member id. errors.Is(err,
// ErrInvalidReference) holds for it. Its text is safe to show a client.
type ReferenceError struct {
	ID     string
	Reason string // "does not exist", "would create a cycle", ...
}

func (e *ReferenceError) Error() string {
	return fmt.Sprintf("member %q %s", e.ID, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidReference) true.
func (e *ReferenceError) Is(target error) bool { return target == ErrInvalidReference }

// Kind is a resource type.
type Kind string

// The resource kinds scimd stores.
const (
	KindUser  Kind = "User"
	KindGroup Kind = "Group"
)

// Org is a tenant. Every other row belongs to exactly one.
type Org struct {
	ID      string
	Name    string // unique, as typed
	Created time.Time
}

// Token is an API bearer token. Only the SHA-256 of its secret is stored.
type Token struct {
	ID      string
	OrgID   string
	Name    string
	Hash    []byte
	Created time.Time
	Revoked *time.Time
	// Scope is what the token may do: ScopeSCIM (the default) or
	// ScopeAdmin (the admin API, /api/v1).
	Scope string
	// Role is what an admin-scope token may do there ("" for SCIM
	// tokens; an admin token without a role is an auditor).
	Role AdminRole
}

// Token scopes.
const (
	ScopeSCIM  = "scim"
	ScopeAdmin = "admin"
)

// Resource is a User or a Group. The SCIM document (every attribute but id,
// meta, members, groups and password) lives in Attrs with canonical
// attribute names; the fields beside it are the columns that must be
// unique, indexed or joined, kept in step with Attrs by the caller.
type Resource struct {
	OrgID string
	ID    string // opaque UUID, one namespace for Users and Groups
	Kind  Kind
	// Name is userName for a User and displayName for a Group: unique per
	// organization and kind among non-archived resources, compared after
	// Fold.
	Name       string
	ExternalID string // case-exact; "" when absent
	// DisplayName is what a reference to this resource shows ("display"
	// of a member, "display" of a group in User.groups).
	DisplayName string
	Active      bool // Users: SCIM active. Groups: always true.
	// InactiveReason says why an inactive user is inactive ("idp",
	// "admin", "ldap_left", ...); "" while active.
	InactiveReason string
	Source         string // owning source: "scim", "ldap:<name>", "import", "admin"
	SourceID       string // stable id in the owning source; "" for scim
	// SourceHash is the owning directory sync's hash of the entry the
	// resource matched when it was created or last checked ("" when
	// none). Create and CreateMany store it; Update clears it whenever it
	// writes (whoever changed the resource, the hash no longer vouches
	// for it); SyncStore.SetSourceHash sets it.
	SourceHash   string
	PasswordHash string // "" when none; never returned by SCIM
	Version      int64  // starts at 1, +1 on every change
	Created      time.Time
	Modified     time.Time
	Archived     *time.Time // set once archived; archived rows are invisible to Get/List/Update
	// Joined is when a user was first stored or updated as active, set by
	// the store (nil while a user has never been active; nil for groups).
	// A change that sets it is the user's "joiner" moment.
	Joined *time.Time
	// Attrs as read back holds JSON values: map[string]any, []any,
	// string, bool, nil and float64 for every number.
	Attrs map[string]any
}

// Member is one edge of a group's membership, read back with the member's
// current display.
type Member struct {
	ID      string
	Kind    Kind
	Display string
}

// GroupRef is a group a user belongs to, directly or through sub-groups.
type GroupRef struct {
	ID      string
	Display string
	Direct  bool
}

// MemberChange is a change to a group's membership, applied after the
// attribute change in the same transaction. It costs O(len(Add)+len(Remove)),
// never O(group size), unless Clear or RemoveWhere is set.
type MemberChange struct {
	Clear       bool              // remove every current member first
	RemoveWhere func(Member) bool // remove the current members it selects (evaluated in the transaction)
	Remove      []string          // member ids to remove; absent ids are ignored
	Add         []string          // member ids to add; present ones are ignored, unknown ones fail with *ReferenceError
}

// Empty reports whether the change does nothing.
func (c *MemberChange) Empty() bool {
	return c == nil || (!c.Clear && c.RemoveWhere == nil && len(c.Remove) == 0 && len(c.Add) == 0)
}

// UpdateFunc mutates r (a private copy of the stored resource) in place and
// may return a membership change for a group. It runs inside the store's
// transaction and may be called more than once; it must not have other side
// effects. Returning an error aborts the update and is returned as is.
type UpdateFunc func(r *Resource) (*MemberChange, error)

// Query selects and pages resources of one kind in one organization.
//
// It pages by position (StartIndex) or, when After or Before is set, by
// keyset: the page is the Count resources that follow After (or precede
// Before) in the order, whatever happened to the rows around it since, and
// its cost does not grow with its position. StartIndex is ignored then.
type Query struct {
	Filter Expr // nil selects all
	// SortBy orders by one attribute, missing values last (ascending) and
	// ties broken by id; nil orders by id. Descending reverses the order
	// exactly (missing values first).
	SortBy     *Attr
	Descending bool
	StartIndex int // 1-based; values below 1 mean 1
	Count      int // page size; 0 returns only the total
	// After and Before are positions taken from Page.Keys of a List with
	// the same SortBy (at most one of them is set). A Keyset used with
	// another SortBy gives wrong pages or an error, never another
	// organization's rows.
	After  *Keyset
	Before *Keyset
	// NoTotal skips counting the matches on a keyset page (After or
	// Before set; Page.Total is then -1), so such a page costs the same at
	// any depth of a large list. Index pages are always counted.
	NoTotal bool
	// Archived lists archived (not purged) resources instead of live
	// ones; with ArchivedBefore set, only those archived before it.
	Archived       bool
	ArchivedBefore time.Time
}

// Keyset is the position of one resource in a sorted list: its sort value
// in the backend's own encoding and its id. Callers keep it opaque and
// hand it back unchanged.
type Keyset struct {
	Key string // "" when the list is not sorted
	ID  string
}

// Page is one page of a List.
type Page struct {
	Total     int
	Resources []Resource
	// Keys[i] is the position of Resources[i], for Query.After/Before.
	Keys []Keyset
	// HasPrev and HasNext report whether resources precede the first and
	// follow the last of this page (for an empty page: whether any
	// resource precedes, or follows, the requested position).
	HasPrev, HasNext bool
}

// Store is the persistence contract. Every method is scoped to one
// organization where it takes an orgID, and no call can reach another
// organization's rows. Times are UTC. All writes are atomic.
type Store interface {
	CreateOrg(ctx context.Context, o Org) error
	OrgByName(ctx context.Context, name string) (Org, error)
	// Org returns an organization by id (ErrNotFound when none).
	Org(ctx context.Context, id string) (Org, error)
	Orgs(ctx context.Context) ([]Org, error)

	CreateToken(ctx context.Context, t Token) error
	// Token returns a token by id, revoked or not.
	Token(ctx context.Context, id string) (Token, error)
	// Tokens lists tokens of one organization, or of all when orgID is "".
	Tokens(ctx context.Context, orgID string) ([]Token, error)
	RevokeToken(ctx context.Context, id string) error

	// Create inserts r (ID set by the caller) with version 1 and
	// Created/Modified set to now, plus the given members for a group.
	// It returns the stored resource.
	Create(ctx context.Context, r Resource, members []string) (Resource, error)
	Get(ctx context.Context, orgID string, kind Kind, id string) (Resource, error)
	// Update reads the resource, applies fn and writes the result in one
	// transaction, bumping Version and Modified only if something changed.
	// Concurrent updates of one resource are serialized: none is lost.
	Update(ctx context.Context, orgID string, kind Kind, id string, fn UpdateFunc) (Resource, error)
	// Archive marks a resource archived (fn, if not nil, may veto it by
	// returning an error). An archived group loses its memberships in
	// other groups and its sub-groups; its user edges are kept hidden.
	// Groups that listed it as a member get a new version.
	Archive(ctx context.Context, orgID string, kind Kind, id string, fn func(Resource) error) error
	List(ctx context.Context, orgID string, kind Kind, q Query) (Page, error)

	// Members returns the live members of each group, by group id
	// (a group without live members has no entry).
	Members(ctx context.Context, orgID string, groupIDs []string) (map[string][]Member, error)
	// Groups returns, by user id (no entry for a user in no group),
	// the groups each user belongs to directly
	// and through sub-groups (each group once; Direct when any direct edge).
	Groups(ctx context.Context, orgID string, userIDs []string) (map[string][]GroupRef, error)

	SchemaStore
	TeamStore
	SyncStore
	AuditStore
	PolicyStore
	AdminStore

	Ping(ctx context.Context) error
	Close() error
}

// Fold is the one case-insensitive normal form, used for unique names and
// for caseExact=false comparisons on every backend (full Unicode folding,
// so "ÄRGER" and "ärger" compare equal on SQLite too).
// A cases.Caser is stateful, so each call makes its own.
func Fold(s string) string { return cases.Fold().String(s) }

// CloneAttrs deep-copies a document of JSON values (maps and slices;
// scalars are immutable and shared), such as Resource.Attrs.
func CloneAttrs(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return CloneAttrs(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}
