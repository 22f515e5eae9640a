package store

import (
	"context"
	"encoding/json"
	"time"
)

// SyncStatus is the state of a directory sync run.
type SyncStatus string

// The states of a sync run.
const (
	SyncRunning   SyncStatus = "running"
	SyncSucceeded SyncStatus = "succeeded"
	SyncFailed    SyncStatus = "failed"   // or incomplete: creates/updates applied, no deactivations
	SyncHeld      SyncStatus = "held"     // mass change held for approval
	SyncDryRun    SyncStatus = "dry_run"  // nothing written
	SyncApproved  SyncStatus = "approved" // a held run whose held changes were applied
	SyncRejected  SyncStatus = "rejected" // a held run whose held changes were dropped
	// SyncSuperseded is a held run that a newer run of the same source
	// (SyncRun.SupersededBy) replaced before anyone decided it: only the
	// newest held run of a source can be approved or rejected.
	SyncSuperseded SyncStatus = "superseded"
)

// SyncRun is the record of one run of one directory source.
type SyncRun struct {
	OrgID   string
	ID      string
	Source  string // the source's configured name
	Trigger string // "schedule", "manual", "approval"
	Started time.Time
	Ended   *time.Time
	Status  SyncStatus
	// Complete: the directory read was provably complete (bind ok, every
	// page and range chunk read, result code 0). Only complete runs may
	// deactivate or remove memberships.
	Complete bool
	// Fingerprint identifies the configuration that decides scope (URL,
	// base DNs, filters, mapping).
	Fingerprint string
	Counts      map[string]int // changes by kind
	Error       string         // why it failed or was held; "" otherwise
	// SupersededBy is the run that superseded this one (SyncSuperseded);
	// "" otherwise. Only SupersedeSyncRuns sets it.
	SupersededBy string
}

// The states of a planned sync change.
const (
	ChangeApplied  = "applied"
	ChangeHeld     = "held"     // waiting for approval
	ChangePlanned  = "planned"  // a dry run's plan
	ChangeSkipped  = "skipped"  // incomplete run: not applied
	ChangeRejected = "rejected" // a held change an admin rejected
	// ChangeSuperseded is a held or planned change of a superseded run:
	// the newer run lists it again if it still applies.
	ChangeSuperseded = "superseded"
)

// SyncChange is one per-object change of a run, in order.
type SyncChange struct {
	OrgID      string
	RunID      string
	Seq        int    // 1-based order within the run
	Kind       string // create, update, deactivate, reactivate, member_add, member_remove, team_removed, conflict, adopt, …
	ResourceID string // scimd id ("" for a planned create)
	SourceID   string // stable id in the directory
	Name       string // userName / group displayName, for people
	Detail     json.RawMessage
	State      string
}

// SyncStore keeps sync run records and gives the sync what it needs to
// find its own objects and run exclusively.
type SyncStore interface {
	// CreateSyncRun inserts a run (Started defaults to now). A taken ID is
	// ErrConflict, an unknown organization ErrNotFound.
	CreateSyncRun(ctx context.Context, r SyncRun) error
	// UpdateSyncRun replaces the mutable fields (Ended, Status, Complete,
	// Counts, Error) of a run; ErrNotFound when there is no such run.
	UpdateSyncRun(ctx context.Context, r SyncRun) error
	// SupersedeSyncRuns marks every held run of run byID's source that
	// came before it (by Started, then by ID) superseded by byID, and
	// their held and planned changes superseded, in one transaction. It
	// returns the ids of the runs it marked, oldest first (none: nil).
	// Runs in any other status, of other sources and of other
	// organizations are left alone. An unknown byID is ErrNotFound.
	SupersedeSyncRuns(ctx context.Context, orgID, byID string) ([]string, error)
	// SyncRun returns one run (an empty Counts reads back nil), or
	// ErrNotFound.
	SyncRun(ctx context.Context, orgID, id string) (SyncRun, error)
	// SyncRuns lists runs, newest first (ties by ID, greatest first);
	// source "" means every source; limit <= 0 means a default of 50.
	SyncRuns(ctx context.Context, orgID, source string, limit int) ([]SyncRun, error)
	// AddSyncChanges inserts changes of existing runs in one transaction,
	// all or nothing: a Seq already in its run is ErrConflict, an unknown
	// run ErrNotFound. An empty Detail reads back nil.
	AddSyncChanges(ctx context.Context, cs []SyncChange) error
	// SyncChanges lists a run's changes in Seq order; state "" means all.
	// An unknown run has none.
	SyncChanges(ctx context.Context, orgID, runID, state string) ([]SyncChange, error)
	// SetSyncChangeState sets the state of the changes with the given
	// seqs in one transaction; seqs the run does not have are ignored, an
	// unknown run is ErrNotFound.
	SetSyncChangeState(ctx context.Context, orgID, runID string, seqs []int, state string) error

	// TryLock takes the exclusive, cross-replica lock named key without
	// waiting: ok is false when another holder has it. The lock is
	// released by unlock, or when the holding process dies (a PostgreSQL
	// session advisory lock on a dedicated connection; an in-process lock
	// on SQLite, where one process owns the file).
	TryLock(ctx context.Context, key string) (unlock func(), ok bool, err error)

	// BySourceIDs returns the non-archived resources of a kind owned by
	// source, keyed by their SourceID; ids that match none have no entry.
	BySourceIDs(ctx context.Context, orgID, source string, kind Kind, sourceIDs []string) (map[string]Resource, error)
	// EachBySource calls fn for every non-archived resource of a kind
	// owned by source, reading in batches so memory stays flat. No
	// transaction is open while fn runs, so fn may write to the store.
	// An error from fn stops the walk and is returned.
	EachBySource(ctx context.Context, orgID, source string, kind Kind, fn func(Resource) error) error
	// EachSourceState is EachBySource reading only the columns of
	// SourceState, without decoding documents: the walk that finds
	// leavers. Same order, batching and rules for fn.
	EachSourceState(ctx context.Context, orgID, source string, kind Kind, fn func(SourceState) error) error
	// SourceHashes is BySourceIDs reading only the columns of
	// SourceState, without decoding documents.
	SourceHashes(ctx context.Context, orgID, source string, kind Kind, sourceIDs []string) (map[string]SourceState, error)
	// SetSourceHash sets the SourceHash of the live resource id of kind,
	// without changing its version, provided its version is still
	// version: ok is false (and nothing is written) when it is not, or
	// when there is no such resource.
	SetSourceHash(ctx context.Context, orgID string, kind Kind, id string, version int64, hash string) (ok bool, err error)
}

// SourceState is the little the sync needs to know of one of its objects
// to find leavers: who it is and whether it is active.
type SourceState struct {
	ID             string
	SourceID       string
	Name           string // userName / group displayName, for people
	Active         bool
	InactiveReason string
	SourceHash     string
	Version        int64
}
