package ldapsync

import (
	"encoding/json"
	"fmt"

	"github.com/scimd/scimd/store"
)

// A run's plan: the per-object changes it makes (or, in a dry run or a
// held run, would make), each recorded as a store.SyncChange whose Detail
// is a Detail. The same change applies identically during the run and
// when an admin approves a held run: every change carries what it needs
// to be re-checked and applied without the directory.

// The kinds of change (store.SyncChange.Kind).
const (
	ChangeCreate       = "create"        // a user: created with ResourceID
	ChangeUpdate       = "update"        // a user's mapped attributes (Detail.Attrs)
	ChangeDeactivate   = "deactivate"    // a user made inactive (Detail.Reason)
	ChangeReactivate   = "reactivate"    // a user a sync had made inactive, active again
	ChangeAdopt        = "adopt"         // a user of another source taken over (AdoptExisting)
	ChangeConflict     = "conflict"      // nothing done: the userName or team name is another's
	ChangeTeamCreate   = "team_create"   // a directory group became a team
	ChangeTeamUpdate   = "team_update"   // a team renamed (Detail.Attrs)
	ChangeMemberAdd    = "member_add"    // ResourceID (a team) gains Detail.Member
	ChangeMemberRemove = "member_remove" // ResourceID (a team) loses Detail.Member
	ChangeError        = "error"         // an entry that could not be mapped or written
	// ChangeTeamRemoved archives a team of the source whose directory
	// group (or, for an OU team, OU) a complete read no longer returns
	// (Detail.Reason, Detail.Members).
	ChangeTeamRemoved = "team_removed"
	// ChangeNotApplied records, at approval, why a held or planned change
	// (Detail.Seq) was not applied: the user came back, it was changed
	// since, it no longer exists.
	ChangeNotApplied = "not_applied"
)

// ChangeFailed is the state of a change whose write failed (Detail.Error).
const ChangeFailed = "failed"

// Detail is the JSON detail of a change.
type Detail struct {
	// Resource is the kind of ResourceID: User or Group.
	Resource store.Kind `json:"resource,omitempty"`
	DN       string     `json:"dn,omitempty"`
	// Doc is the document of a create that was not applied on the spot
	// (planned or held): the approval creates exactly this.
	Doc map[string]any `json:"doc,omitempty"`
	// Attrs are the attribute changes of an update, an adoption or a team
	// rename, each with the value it replaces.
	Attrs []AttrChange `json:"attrs,omitempty"`
	// Reason is a deactivation's reason, the reason a reactivated user
	// was inactive for, or why a team is removed (ReasonGroupGone,
	// ReasonOUGone).
	Reason string `json:"reason,omitempty"`
	// Members is how many members a removed team had when the run
	// planned its removal.
	Members int `json:"members,omitempty"`
	// Member is the member a membership change adds or removes.
	Member     string     `json:"member,omitempty"`
	MemberKind store.Kind `json:"memberKind,omitempty"`
	MemberName string     `json:"memberName,omitempty"`
	// Owner is the source owning the user a conflict or an adoption is
	// about (Other its id).
	Owner string `json:"owner,omitempty"`
	Other string `json:"other,omitempty"`
	// Error says why an entry failed, or why a change was not applied.
	Error string `json:"error,omitempty"`
	// Seq is the change a not_applied note is about.
	Seq int `json:"seq,omitempty"`
}

// AttrChange is one attribute of a document changing from Old to New (nil:
// absent). Path is the attribute's keys in the stored document
// (["title"], ["name", "givenName"], [enterprise URN, "manager"]); a
// multi-valued attribute changes as a whole.
type AttrChange struct {
	Path []string `json:"path"`
	Old  any      `json:"old,omitempty"`
	New  any      `json:"new,omitempty"`
}

// change is a change being planned or applied.
type change struct {
	seq      int
	kind     string
	id       string // the resource (a team for membership changes)
	sourceID string
	name     string
	state    string
	d        Detail
	applyErr error // the outcome of applying it (applyMemberGroup)
}

// record turns c into its stored form.
func (c *change) record(orgID, runID string) (store.SyncChange, error) {
	b, err := json.Marshal(c.d)
	if err != nil {
		return store.SyncChange{}, fmt.Errorf("encoding the detail of change %d: %w", c.seq, err)
	}
	if string(b) == "{}" {
		b = nil
	}
	return store.SyncChange{
		OrgID: orgID, RunID: runID, Seq: c.seq, Kind: c.kind, ResourceID: c.id,
		SourceID: c.sourceID, Name: c.name, Detail: b, State: c.state,
	}, nil
}

// fromRecord reads a stored change back.
func fromRecord(sc store.SyncChange) (*change, error) {
	c := &change{seq: sc.Seq, kind: sc.Kind, id: sc.ResourceID, sourceID: sc.SourceID, name: sc.Name, state: sc.State}
	if len(sc.Detail) > 0 {
		if err := json.Unmarshal(sc.Detail, &c.d); err != nil {
			return nil, fmt.Errorf("decoding the detail of change %d: %w", sc.Seq, err)
		}
	}
	return c, nil
}

// ParseDetail decodes a stored change's Detail (empty: the zero Detail).
func ParseDetail(sc store.SyncChange) (Detail, error) {
	c, err := fromRecord(sc)
	if err != nil {
		return Detail{}, err
	}
	return c.d, nil
}

// memberKey identifies a membership change: team and member.
func memberKey(team, member string) string { return team + "\x00" + member }
