package store

import (
	"context"
	"encoding/json"
	"time"
)

// Event is one entry of an organization's audit trail. The event table is
// also the outbox webhooks are delivered from (DESIGN.md §3): events are
// written in the same transaction as the change they describe, so there is
// never a change without its event nor an event without its change.
type Event struct {
	OrgID string
	// Seq orders an organization's events: assigned by the store,
	// increasing, in commit order (a reader that has seen Seq n never
	// later finds a new event below n), without gaps.
	Seq  int64
	ID   string    // opaque, assigned by the store unless set
	Time time.Time // assigned by the store
	// Txn, assigned by the store, is shared by every event of one write
	// transaction (a change and the events it caused, a batch of
	// creates); "" for events recorded before scimd kept it.
	Txn string
	// Type says what happened: "user.created", "user.updated",
	// "user.activated", "user.deactivated", "user.archived",
	// "user.restored", "user.purged", "group.created", "group.updated",
	// "group.archived", "group.restored", "group.purged",
	// "group.members_changed".
	Type string
	// Meaning is the joiner / mover / leaver meaning of a user event
	// ("joiner", "mover", "leaver"), "" when it has none.
	Meaning    string
	Kind       Kind
	ResourceID string
	// Actor is who made the change: "token:<name>", "sync:<source>:<run>",
	// "cli:<user>", "import:<user>", "admin:<email>".
	Actor string
	// Data is the type's detail, JSON: the attribute-level difference
	// ({"changes":[{"attr":…,"old":…,"new":…}]}), members added and
	// removed, the reason. Purging a resource empties the Data of its
	// events (the anonymised trail keeps type, time, actor and ids).
	Data json.RawMessage
}

// EventQuery selects an organization's events in Seq order.
type EventQuery struct {
	After      int64    // only events with Seq > After
	Types      []string // match Type or Meaning; empty matches all
	ResourceID string   // "" matches all
	Since      time.Time
	Limit      int // <= 0 means 100; at most 1000
}

// WriteOp is the kind of write a Change describes.
type WriteOp string

// Write operations.
const (
	OpCreate  WriteOp = "create"
	OpUpdate  WriteOp = "update"
	OpArchive WriteOp = "archive"
	OpRestore WriteOp = "restore"
	OpPurge   WriteOp = "purge"
)

// Change is what one write did, as the store hands it to a Hook inside
// the write's transaction.
type Change struct {
	Op WriteOp
	// Before is the resource before the write (nil for OpCreate); After
	// is what was stored (for OpArchive, the resource with Archived set;
	// for OpPurge, the anonymised row).
	Before, After *Resource
	// Added and Removed are the members (ID and Kind) the write actually
	// added to and removed from a group (a create's initial members are
	// Added).
	Added, Removed []Member
}

// Tx is what a Hook may do inside the write's transaction.
type Tx interface {
	// AddSeats adds delta to the organization's count of used seats and
	// returns the new count. It serializes with every other AddSeats and
	// ResetSeats of the organization until the transaction ends, so a
	// limit checked against the count it returns holds under concurrency.
	AddSeats(ctx context.Context, delta int) (int, error)
}

// Hook sees every change a recording store makes, inside its transaction:
// it returns the events to store with the change, or an error that aborts
// the write (returned by the write as is). It may be called more than
// once for one write (a retried transaction) and must have no other side
// effects.
type Hook func(ctx context.Context, tx Tx, ch Change) ([]Event, error)

// AuditStore records and reads events and keeps the archive.
type AuditStore interface {
	// Recording returns a view of the store whose writes (Create,
	// CreateMany where the store has it, Update, Archive, Restore, Purge)
	// call h inside their transaction and store the events it returns.
	// The view shares the store's connections: close the store, not the
	// view.
	Recording(h Hook) Store
	// Events returns an organization's events in Seq order.
	Events(ctx context.Context, orgID string, q EventQuery) ([]Event, error)
	// LastEventSeq is the highest Seq of the organization (0 when none).
	LastEventSeq(ctx context.Context, orgID string) (int64, error)

	// GetArchived returns an archived resource (ErrNotFound when there is
	// no archived resource with that id).
	GetArchived(ctx context.Context, orgID string, kind Kind, id string) (Resource, error)
	// Restore brings an archived resource back with its id, document and
	// the user's hidden group memberships (an archived group's own edges
	// were removed when it was archived and stay removed). Its name must
	// be free again: a *UniqueError otherwise.
	Restore(ctx context.Context, orgID string, kind Kind, id string) (Resource, error)
	// Purge erases the personal data of an archived resource: its
	// document, names, external id, password and memberships are
	// removed, and the Data of its events emptied; the row stays as an
	// anonymised tombstone (GetArchived no longer finds it). A live
	// resource is ErrNotFound.
	Purge(ctx context.Context, orgID string, kind Kind, id string) error
	// ResetSeats sets the organization's seat count to the number of
	// live users matching seat (for example active and not external) and
	// returns it.
	ResetSeats(ctx context.Context, orgID string, seat Expr) (int, error)
}

// PolicyStore keeps each organization's policy.
type PolicyStore interface {
	// Policy returns the organization's policy (the zero Policy when none
	// was set).
	Policy(ctx context.Context, orgID string) (Policy, error)
	// SetPolicy replaces it.
	SetPolicy(ctx context.Context, orgID string, p Policy) error
}
