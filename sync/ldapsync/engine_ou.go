package ldapsync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/scimd/scimd/store"
)

// The organizational-unit team tree (Source.OUTeams): every OU below the
// user base DN that holds users, directly or below, becomes a team named
// by its path ("Engineering/Backend"), a sub-team of its parent OU's
// team; users are members of the team of the OU they are in. A user moved
// to another OU changes teams (a mover, not a leaver); a user who left
// keeps the membership, as with groups. The run keeps the OU of every
// user it read (an OU → user ids map) until the tree is settled.

// ouSourcePrefix starts the SourceID of an OU team (directory ids never
// start with it).
const ouSourcePrefix = "ou:"

type ouState struct {
	members map[string][]string // OU key (lower-case path) → ids of the users directly in it
	labels  map[string]string   // OU key → its path as the directory writes it
	teams   map[string]string   // OU key → team id (settled)
	isTeam  map[string]bool     // ids of the OU teams
}

func newOUState() ouState {
	return ouState{members: map[string][]string{}, labels: map[string]string{}, teams: map[string]string{}, isTeam: map[string]bool{}}
}

// noteOU remembers the OU of a user the run read (OUTeams only).
func (r *syncRun) noteOU(id string, u DirUser) {
	if !r.src.OUTeams {
		return
	}
	path := OUPath(u.DN, r.src.UserBaseDN)
	if len(path) == 0 {
		return
	}
	for i := 1; i <= len(path); i++ {
		key, label := ouKey(path[:i])
		if _, ok := r.ous.labels[key]; !ok {
			r.ous.labels[key] = label
		}
	}
	key, _ := ouKey(path)
	r.ous.members[key] = append(r.ous.members[key], id)
}

func ouKey(path []string) (key, label string) {
	label = strings.Join(path, "/")
	return strings.ToLower(label), label
}

// parentKey is the key of the OU above key ("" at the top).
func parentKey(key string) string {
	i := strings.LastIndex(key, "/")
	if i < 0 {
		return ""
	}
	return key[:i]
}

// syncOUTeams creates or renames the OU teams and brings their members in
// step: users, and the teams of the OUs right below.
func (r *syncRun) syncOUTeams(ctx context.Context) error {
	if !r.src.OUTeams || len(r.ous.labels) == 0 {
		return nil
	}
	keys := make([]string, 0, len(r.ous.labels))
	for k := range r.ous.labels {
		keys = append(keys, k)
	}
	slices.Sort(keys) // parents first
	children := map[string][]string{}
	for _, k := range keys {
		if p := parentKey(k); p != "" {
			children[p] = append(children[p], k)
		}
	}
	for start := 0; start < len(keys); start += r.e.batch {
		if err := r.ouTeamBatch(ctx, keys[start:min(start+r.e.batch, len(keys))]); err != nil {
			return err
		}
	}
	for start := 0; start < len(keys); start += r.e.batch {
		part := keys[start:min(start+r.e.batch, len(keys))]
		var ids []string
		for _, k := range part {
			if id, ok := r.ous.teams[k]; ok {
				ids = append(ids, id)
			}
		}
		current, err := r.e.st.Members(ctx, r.org.ID, ids)
		if err != nil {
			return fmt.Errorf("reading OU team members: %w", err)
		}
		for _, k := range part {
			id, ok := r.ous.teams[k]
			if !ok {
				continue // a conflict, recorded
			}
			if err := r.ouMembers(ctx, k, id, children[k], current[id]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ouTeamBatch creates or renames the teams of some OUs.
func (r *syncRun) ouTeamBatch(ctx context.Context, keys []string) error {
	sids := make([]string, len(keys))
	for i, k := range keys {
		sids[i] = ouSourcePrefix + k
	}
	existing, err := r.e.st.BySourceIDs(ctx, r.org.ID, r.owner, store.KindGroup, sids)
	if err != nil {
		return err
	}
	for i, k := range keys {
		g := DirGroup{SourceID: sids[i], DNKey: sids[i], Name: r.ous.labels[k]}
		cur, ok := existing[sids[i]]
		if !ok {
			id, made, err := r.newTeam(ctx, g)
			if err != nil {
				return err
			}
			if made {
				r.ous.teams[k], r.ous.isTeam[id] = id, true
			}
			continue
		}
		r.ous.teams[k], r.ous.isTeam[cur.ID] = cur.ID, true
		if cur.Name != g.Name {
			c := &change{kind: ChangeTeamUpdate, id: cur.ID, sourceID: g.SourceID, name: g.Name,
				d: Detail{Resource: store.KindGroup,
					Attrs: []AttrChange{{Path: []string{"displayName"}, Old: cur.Attrs["displayName"], New: g.Name}}}}
			if err := r.applyUpdate(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// ouMembers brings the members of one OU team in step.
func (r *syncRun) ouMembers(ctx context.Context, key, id string, children []string, cur []store.Member) error {
	r.teams.memberships += len(cur)
	label := r.ous.labels[key]
	want := map[string]bool{}
	var add []*change
	have := map[string]bool{}
	for _, m := range cur {
		have[m.ID] = true
	}
	for _, uid := range r.ous.members[key] {
		if !want[uid] {
			want[uid] = true
			if !have[uid] {
				add = append(add, r.memberChange(ChangeMemberAdd, id, label, uid, store.KindUser, ""))
			}
		}
	}
	for _, ck := range children {
		if cid, ok := r.ous.teams[ck]; ok && !want[cid] {
			want[cid] = true
			if !have[cid] {
				add = append(add, r.memberChange(ChangeMemberAdd, id, label, cid, store.KindGroup, r.ous.labels[ck]))
			}
		}
	}
	for _, m := range cur {
		seen := (m.Kind == store.KindUser && r.users.seen[m.ID]) || (m.Kind == store.KindGroup && r.ous.isTeam[m.ID])
		if seen && !want[m.ID] {
			r.teams.removals = append(r.teams.removals, r.memberChange(ChangeMemberRemove, id, label, m.ID, m.Kind, m.Display))
		}
	}
	return r.applyMembers(ctx, add, r.planned())
}
