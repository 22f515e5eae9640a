package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimd/scimd/store"
)

// inLimit bounds the ids of one IN list or multi-row INSERT, well below
// both drivers' parameter limits.
const inLimit = 500

// applyMemberChange applies mc to a group's membership inside a write
// transaction: Clear, then RemoveWhere, then Remove, then Add. It returns
// the member ids whose edges it added and removed. Remove and Add cost O(len(ids)); Clear and
// RemoveWhere read the current members.
func (s *Store) applyMemberChange(ctx context.Context, c conn, orgID, groupID string, mc *store.MemberChange) (added, removed []store.Member, err error) {
	if mc.Clear {
		// Remove every edge (hidden ones to archived members included)
		// except those Add puts back, so that replacing the members with
		// the same set changes nothing.
		var ids []string
		if err := c.sel(ctx, &ids, `SELECT member_id FROM members WHERE org_id = ? AND group_id = ?`,
			orgID, groupID); err != nil {
			return nil, nil, fmt.Errorf("reading members of group %q: %w", groupID, err)
		}
		keep := make(map[string]bool, len(mc.Add))
		for _, id := range mc.Add {
			keep[id] = true
		}
		var drop []string
		for _, id := range ids {
			if !keep[id] {
				drop = append(drop, id)
			}
		}
		n, err := s.removeMembers(ctx, c, orgID, groupID, drop)
		if err != nil {
			return nil, nil, err
		}
		removed = append(removed, n...)
	}
	if mc.RemoveWhere != nil {
		cur, err := s.members(ctx, c, orgID, []string{groupID})
		if err != nil {
			return nil, nil, err
		}
		var drop []string
		for _, m := range cur[groupID] {
			if mc.RemoveWhere(m) {
				drop = append(drop, m.ID)
			}
		}
		n, err := s.removeMembers(ctx, c, orgID, groupID, drop)
		if err != nil {
			return nil, nil, err
		}
		removed = append(removed, n...)
	}
	n, err := s.removeMembers(ctx, c, orgID, groupID, mc.Remove)
	if err != nil {
		return nil, nil, err
	}
	removed = append(removed, n...)
	if added, err = s.addMembers(ctx, c, orgID, groupID, mc.Add); err != nil {
		return nil, nil, err
	}
	return added, removed, nil
}

// edgeRow is a membership edge as a write returns it.
type edgeRow struct {
	ID   string `db:"member_id"`
	Kind string `db:"member_kind"`
}

func appendEdges(ms []store.Member, rows []edgeRow) []store.Member {
	for _, r := range rows {
		ms = append(ms, store.Member{ID: r.ID, Kind: store.Kind(r.Kind)})
	}
	return ms
}

// removeMembers unlinks ids from the group and returns those that were
// linked.
func (s *Store) removeMembers(ctx context.Context, c conn, orgID, groupID string, ids []string) ([]store.Member, error) {
	var gone []store.Member
	for _, part := range chunk(dedupe(ids), inLimit) {
		var n []edgeRow
		args := append([]any{orgID, groupID}, anys(part)...)
		if err := c.sel(ctx, &n, `DELETE FROM members WHERE org_id = ? AND group_id = ? AND member_id IN (`+
			placeholders(len(part))+`) RETURNING member_id, member_kind`, args...); err != nil {
			return nil, fmt.Errorf("removing members of group %q: %w", groupID, err)
		}
		gone = appendEdges(gone, n)
	}
	return gone, nil
}

// addMembers links ids to the group and returns those newly linked.
// Each id must be a live resource of the organization; a group may join
// unless the group already is, directly or through sub-groups, inside it.
// The cost is O(len(ids)) plus the group's ancestors, never O(group size).
func (s *Store) addMembers(ctx context.Context, c conn, orgID, groupID string, ids []string) ([]store.Member, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	kinds := make(map[string]string, len(ids))
	for _, part := range chunk(ids, inLimit) {
		var rows []struct {
			ID   string `db:"id"`
			Kind string `db:"kind"`
		}
		args := append([]any{orgID}, anys(part)...)
		// Locked (PostgreSQL) so that the member cannot be archived before
		// this transaction commits.
		if err := c.sel(ctx, &rows, `SELECT id, kind FROM resources WHERE org_id = ? AND id IN (`+
			placeholders(len(part))+`) AND archived IS NULL`+s.d.forLink(), args...); err != nil {
			return nil, fmt.Errorf("resolving members of group %q: %w", groupID, err)
		}
		for _, r := range rows {
			kinds[r.ID] = r.Kind
		}
	}
	var groups []string
	for _, id := range ids {
		switch kinds[id] {
		case "":
			return nil, &store.ReferenceError{ID: id, Reason: "does not exist"}
		case string(store.KindGroup):
			if id == groupID {
				return nil, &store.ReferenceError{ID: id, Reason: "would make the group contain itself"}
			}
			groups = append(groups, id)
		}
	}
	if len(groups) > 0 {
		if err := s.checkCycles(ctx, c, orgID, groupID, groups); err != nil {
			return nil, err
		}
	}
	var added []store.Member
	for _, part := range chunk(ids, inLimit) {
		args := make([]any, 0, 4*len(part))
		values := make([]string, 0, len(part))
		for _, id := range part {
			args = append(args, orgID, groupID, id, kinds[id])
			values = append(values, "(?, ?, ?, ?)")
		}
		var n []edgeRow
		if err := c.sel(ctx, &n, `INSERT INTO members (org_id, group_id, member_id, member_kind) VALUES `+
			strings.Join(values, ", ")+` ON CONFLICT DO NOTHING RETURNING member_id, member_kind`, args...); err != nil {
			return nil, fmt.Errorf("adding members to group %q: %w", groupID, err)
		}
		added = appendEdges(added, n)
	}
	return added, nil
}

// checkCycles fails when one of the groups about to join groupID already
// contains it, directly or transitively: it walks up from groupID over
// group-kind edges (a recursive CTE on the member index). On PostgreSQL an
// advisory lock per organization serializes this check with the insert
// that follows, so two concurrent additions cannot close a cycle together.
func (s *Store) checkCycles(ctx context.Context, c conn, orgID, groupID string, groups []string) error {
	if lock := s.d.edgeLock(); lock != "" {
		if _, err := c.exec(ctx, lock, orgID); err != nil {
			return fmt.Errorf("locking group edges: %w", err)
		}
	}
	for _, part := range chunk(groups, inLimit) {
		var hits []string
		args := append([]any{orgID, groupID, orgID}, anys(part)...)
		err := c.sel(ctx, &hits, `WITH RECURSIVE up(id) AS (
				SELECT g.id FROM resources g WHERE g.org_id = ? AND g.id = ?
				UNION
				SELECT m.group_id FROM up
				`+s.d.join()+` members m`+s.d.byMember()+` ON m.org_id = ? AND m.member_id = up.id
				WHERE m.member_kind = 'Group')
			SELECT id FROM up WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return fmt.Errorf("checking sub-groups of group %q: %w", groupID, err)
		}
		if len(hits) > 0 {
			return &store.ReferenceError{ID: hits[0], Reason: "would make the group contain itself"}
		}
	}
	return nil
}

// Members returns the live members of each live group, by group id, in one
// query per inLimit groups. Groups without members are absent.
func (s *Store) Members(ctx context.Context, orgID string, groupIDs []string) (map[string][]store.Member, error) {
	return s.members(ctx, s.reader(), orgID, groupIDs)
}

func (s *Store) members(ctx context.Context, c conn, orgID string, groupIDs []string) (map[string][]store.Member, error) {
	out := make(map[string][]store.Member)
	for _, part := range chunk(dedupe(groupIDs), inLimit) {
		rows, err := c.query(ctx, `SELECT m.group_id, m.member_id, m.member_kind,
				CASE WHEN r.display_name <> '' THEN r.display_name ELSE r.name END
			FROM members m
			JOIN resources g ON g.org_id = m.org_id AND g.id = m.group_id
			JOIN resources r ON r.org_id = m.org_id AND r.id = m.member_id
			WHERE m.org_id = ? AND m.group_id IN (`+placeholders(len(part))+`)
				AND g.kind = 'Group' AND g.archived IS NULL AND r.archived IS NULL
			ORDER BY m.group_id, m.member_id`, append([]any{orgID}, anys(part)...)...)
		if err != nil {
			return nil, fmt.Errorf("reading group members: %w", err)
		}
		for rows.Next() {
			var gid, kind string
			var m store.Member
			if err := rows.Scan(&gid, &m.ID, &kind, &m.Display); err != nil {
				rows.Close()
				return nil, fmt.Errorf("reading group members: %w", err)
			}
			m.Kind = store.Kind(kind)
			out[gid] = append(out[gid], m)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reading group members: %w", err)
		}
		rows.Close()
	}
	return out, nil
}

// Groups returns, by user id, the live groups each user belongs to,
// directly or through sub-groups, each once (Direct when a direct edge
// exists), in one recursive query per inLimit users. Users in no group are
// absent.
func (s *Store) Groups(ctx context.Context, orgID string, userIDs []string) (map[string][]store.GroupRef, error) {
	out := make(map[string][]store.GroupRef)
	for _, part := range chunk(dedupe(userIDs), inLimit) {
		args := append([]any{orgID}, anys(part)...)
		args = append(args, orgID, orgID)
		rows, err := s.reader().query(ctx, `WITH RECURSIVE up(user_id, group_id, direct) AS (
				SELECT m.member_id, m.group_id, 1 FROM members m
				WHERE m.org_id = ? AND m.member_id IN (`+placeholders(len(part))+`)
				UNION
				SELECT up.user_id, m.group_id, 0 FROM up
				`+s.d.join()+` members m`+s.d.byMember()+` ON m.org_id = ? AND m.member_id = up.group_id
				WHERE m.member_kind = 'Group')
			SELECT up.user_id, up.group_id, MAX(up.direct), g.name
			FROM up `+s.d.join()+` resources g ON g.org_id = ? AND g.id = up.group_id
			WHERE g.kind = 'Group' AND g.archived IS NULL
			GROUP BY up.user_id, up.group_id, g.name
			ORDER BY up.user_id, up.group_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading groups of users: %w", err)
		}
		for rows.Next() {
			var uid string
			var direct int
			var g store.GroupRef
			if err := rows.Scan(&uid, &g.ID, &direct, &g.Display); err != nil {
				rows.Close()
				return nil, fmt.Errorf("reading groups of users: %w", err)
			}
			g.Direct = direct == 1
			out[uid] = append(out[uid], g)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reading groups of users: %w", err)
		}
		rows.Close()
	}
	return out, nil
}

// dedupe drops repeated ids, keeping the first occurrence.
func dedupe(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
