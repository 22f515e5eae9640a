package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/scimd/scimd/store"
)

// Joiner / mover / leaver meanings of user events (DESIGN.md §3).
const (
	Joiner = "joiner" // a user becomes active for the first time
	Mover  = "mover"  // a mover attribute or a team membership changed
	Leaver = "leaver" // an active user is deactivated or archived
)

// Event types.
const (
	EventUserCreated        = "user.created"
	EventUserUpdated        = "user.updated"
	EventUserActivated      = "user.activated"
	EventUserDeactivated    = "user.deactivated"
	EventUserArchived       = "user.archived"
	EventUserRestored       = "user.restored"
	EventUserPurged         = "user.purged"
	EventUserTeamsChanged   = "user.teams_changed"
	EventGroupCreated       = "group.created"
	EventGroupUpdated       = "group.updated"
	EventGroupArchived      = "group.archived"
	EventGroupRestored      = "group.restored"
	EventGroupPurged        = "group.purged"
	EventGroupMembersChange = "group.members_changed"
)

// EventTypes lists every event type and meaning, for validating
// subscriptions and filters.
func EventTypes() []string {
	return []string{
		EventUserCreated, EventUserUpdated, EventUserActivated, EventUserDeactivated, EventUserArchived,
		EventUserRestored, EventUserPurged, EventUserTeamsChanged, EventGroupCreated, EventGroupUpdated,
		EventGroupArchived, EventGroupRestored, EventGroupPurged, EventGroupMembersChange,
		Joiner, Mover, Leaver,
	}
}

// AttrChange is one attribute-level difference in an event's data.
type AttrChange struct {
	Attr string `json:"attr"`
	Old  any    `json:"old"`
	New  any    `json:"new"`
}

// EventData is the JSON of an event's Data.
type EventData struct {
	Name    string         `json:"name,omitempty"` // userName or displayName
	Reason  string         `json:"reason,omitempty"`
	Changes []AttrChange   `json:"changes,omitempty"`
	Added   []store.Member `json:"added,omitempty"`
	Removed []store.Member `json:"removed,omitempty"`
	Team    string         `json:"team,omitempty"` // user.teams_changed: the team's id
	// Membership is "joined" or "left" for user.teams_changed.
	Membership string `json:"membership,omitempty"`
}

// Label is how an event names the actor: Who when set, else
// "token:<name>", "sync:<source>:<name>", "import:<name>", "admin:<name>".
func (a Actor) Label() string {
	switch {
	case a.Who != "":
		return a.Who
	case a.Source == SourceSCIM:
		return "token:" + a.Name
	case IsDirectorySource(a.Source):
		return "sync:" + strings.TrimPrefix(a.Source, sourcePrefix) + ":" + a.Name
	case a.Source == SourceImport:
		return "import:" + a.Name
	}
	return a.Source + ":" + a.Name
}

// hook is the store.Hook of one write by a under p: it keeps the seat
// count (refusing a write past the limit) and returns the write's events.
func hook(a Actor, p store.Policy) store.Hook {
	return func(ctx context.Context, tx store.Tx, ch store.Change) ([]store.Event, error) {
		delta := 0
		if usesSeat(p, ch.After) && ch.Op != store.OpArchive && ch.Op != store.OpPurge {
			delta++
		}
		if usesSeat(p, ch.Before) {
			delta--
		}
		if delta != 0 {
			used, err := tx.AddSeats(ctx, delta)
			if err != nil {
				return nil, err
			}
			if delta > 0 && p.SeatLimit > 0 && used > p.SeatLimit {
				return nil, &PolicyError{Type: PolicySeatLimit, Msg: fmt.Sprintf(
					"seat limit reached: %d of %d seats are in use; deactivate a user or raise the limit",
					used-delta, p.SeatLimit)}
			}
		}
		return Events(a, p, ch)
	}
}

// Events returns the events of one change by a under p.
func Events(a Actor, p store.Policy, ch store.Change) ([]store.Event, error) {
	r := ch.After
	if r == nil {
		r = ch.Before
	}
	ev := store.Event{OrgID: r.OrgID, Kind: r.Kind, ResourceID: r.ID, Actor: a.Label()}
	data := EventData{Name: r.Name}
	user := r.Kind == store.KindUser
	var extra []store.Event
	switch ch.Op {
	case store.OpCreate:
		ev.Type = pick(user, EventUserCreated, EventGroupCreated)
		data.Changes = diff(nil, ch.After.Attrs)
		data.Added = ch.Added
		if user && ch.After.Joined != nil {
			ev.Meaning = Joiner
		}
		if !user && len(ch.Added) > 0 {
			extra = teamEvents(ev, ch.After.ID, ch.Added, nil)
		}
	case store.OpUpdate:
		data.Changes = diff(ch.Before.Attrs, ch.After.Attrs)
		b, n := ch.Before, ch.After
		switch {
		case user && !b.Active && n.Active:
			ev.Type = EventUserActivated
			if b.Joined == nil && n.Joined != nil {
				ev.Meaning = Joiner
			}
		case user && b.Active && !n.Active:
			ev.Type, ev.Meaning, data.Reason = EventUserDeactivated, Leaver, n.InactiveReason
		case user:
			ev.Type = EventUserUpdated
			if n.Active && moved(p, data.Changes) {
				ev.Meaning = Mover
			}
		case len(data.Changes) == 0 && len(ch.Added)+len(ch.Removed) > 0:
			ev.Type = EventGroupMembersChange
		default:
			ev.Type = EventGroupUpdated
		}
		data.Added, data.Removed = ch.Added, ch.Removed
		if !user {
			extra = teamEvents(ev, n.ID, ch.Added, ch.Removed)
		}
	case store.OpArchive:
		ev.Type = pick(user, EventUserArchived, EventGroupArchived)
		if user && ch.Before.Active {
			ev.Meaning = Leaver
		}
	case store.OpRestore:
		ev.Type = pick(user, EventUserRestored, EventGroupRestored)
	case store.OpPurge:
		ev.Type = pick(user, EventUserPurged, EventGroupPurged)
		data = EventData{} // nothing personal survives a purge
	default:
		return nil, fmt.Errorf("unknown write %q", ch.Op)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encoding event: %w", err)
	}
	ev.Data = raw
	return append([]store.Event{ev}, extra...), nil
}

// teamEvents are the mover events of the users a team gained or lost.
func teamEvents(base store.Event, team string, added, removed []store.Member) []store.Event {
	var out []store.Event
	emit := func(ms []store.Member, how string) {
		for _, m := range ms {
			if m.Kind != store.KindUser {
				continue
			}
			raw, _ := json.Marshal(EventData{Team: team, Membership: how}) // strings only: always encodes
			out = append(out, store.Event{OrgID: base.OrgID, Type: EventUserTeamsChanged, Meaning: Mover,
				Kind: store.KindUser, ResourceID: m.ID, Actor: base.Actor, Data: raw})
		}
	}
	emit(added, "joined")
	emit(removed, "left")
	return out
}

func pick(user bool, u, g string) string {
	if user {
		return u
	}
	return g
}

// moved reports whether a mover attribute is among the changes: an
// attribute matches by its last name ("department" matches the
// Enterprise extension's department; "manager" any of its sub-attributes).
func moved(p store.Policy, cs []AttrChange) bool {
	for _, c := range cs {
		base := c.Attr
		if i := strings.LastIndex(base, ":"); i >= 0 {
			base = base[i+1:]
		}
		base, _, _ = strings.Cut(base, ".")
		for _, m := range moverAttrs(p) {
			if strings.EqualFold(m, base) || strings.EqualFold(m, c.Attr) {
				return true
			}
		}
	}
	return false
}

// diff lists the attribute-level differences between two documents:
// top-level attributes, extension attributes as "urn:…:attr", and the
// sub-attributes of single complex values as "attr.sub". Multi-valued
// attributes are compared whole. The password is never included.
func diff(before, after map[string]any) []AttrChange {
	b, a := flatten(before), flatten(after)
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []AttrChange
	for _, k := range keys {
		if !equalJSON(b[k], a[k]) {
			out = append(out, AttrChange{Attr: k, Old: b[k], New: a[k]})
		}
	}
	return out
}

func flatten(doc map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(prefix, sep string, m map[string]any)
	walk = func(prefix, sep string, m map[string]any) {
		for k, v := range m {
			if strings.EqualFold(k, "password") || strings.EqualFold(k, "schemas") {
				continue
			}
			name := k
			if prefix != "" {
				name = prefix + sep + k
			}
			if sub, ok := v.(map[string]any); ok && prefix == "" {
				if strings.HasPrefix(strings.ToLower(k), "urn:") {
					walk(k, ":", sub)
				} else {
					walk(k, ".", sub)
				}
				continue
			}
			if sub, ok := v.(map[string]any); ok && sep == ":" {
				walk(name, ".", sub)
				continue
			}
			out[name] = v
		}
	}
	walk("", "", doc)
	return out
}

// lookupAttr finds an attribute by name, case-insensitively: a top-level
// attribute, an extension attribute by its bare name or full URN path
// ("urn:…:User:employeeNumber"), or a sub-attribute ("name.givenName").
func lookupAttr(doc map[string]any, name string) (any, bool) {
	return lookupFlat(flatten(doc), name)
}

// lookupFlat is lookupAttr on a flattened document.
func lookupFlat(flat map[string]any, name string) (any, bool) {
	for k, v := range flat {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	for k, v := range flat {
		if i := strings.LastIndex(k, ":"); i >= 0 && strings.EqualFold(k[i+1:], name) {
			return v, true
		}
	}
	return nil, false
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// equalJSON compares two decoded JSON values (numbers of either Go type).
func equalJSON(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return reflect.DeepEqual(a, b)
	}
	return string(ja) == string(jb)
}
