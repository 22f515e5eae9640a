package sqlstore

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

var _ store.TeamStore = (*Store)(nil)

// MemberCounts implements store.TeamStore: one grouped count per inLimit
// groups, over the membership index, counting only live members.
func (s *Store) MemberCounts(ctx context.Context, orgID string, groupIDs []string) (map[string]int, error) {
	out := make(map[string]int)
	for _, part := range chunk(dedupe(groupIDs), inLimit) {
		rows, err := s.reader().query(ctx, `SELECT m.group_id, COUNT(*)
			FROM members m
			JOIN resources r ON r.org_id = m.org_id AND r.id = m.member_id
			WHERE m.org_id = ? AND m.group_id IN (`+placeholders(len(part))+`) AND r.archived IS NULL
			GROUP BY m.group_id`, append([]any{orgID}, anys(part)...)...)
		if err != nil {
			return nil, fmt.Errorf("counting group members: %w", err)
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("counting group members: %w", err)
			}
			out[id] = n
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("counting group members: %w", err)
		}
		rows.Close()
	}
	return out, nil
}

// TransitiveMembers implements store.TeamStore with one recursive query
// down the group-kind edges.
func (s *Store) TransitiveMembers(ctx context.Context, orgID, groupID string) ([]store.Member, error) {
	var out []store.Member
	err := s.read(ctx, func(c conn) error {
		var n int
		if err := c.get(ctx, &n, `SELECT COUNT(*) FROM resources
			WHERE org_id = ? AND id = ? AND kind = 'Group' AND archived IS NULL`, orgID, groupID); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		rows, err := c.query(ctx, `WITH RECURSIVE down(id) AS (
				SELECT id FROM resources WHERE org_id = ? AND id = ?
				UNION
				SELECT m.member_id FROM down
				`+c.d.join()+` members m ON m.org_id = ? AND m.group_id = down.id
				`+c.d.join()+` resources g ON g.org_id = m.org_id AND g.id = m.member_id
				WHERE m.member_kind = 'Group' AND g.archived IS NULL)
			SELECT DISTINCT r.id, CASE WHEN r.display_name <> '' THEN r.display_name ELSE r.name END
			FROM down
			`+c.d.join()+` members m ON m.org_id = ? AND m.group_id = down.id
			`+c.d.join()+` resources r ON r.org_id = m.org_id AND r.id = m.member_id
			WHERE m.member_kind = 'User' AND r.archived IS NULL
			ORDER BY r.id`, orgID, groupID, orgID, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := store.Member{Kind: store.KindUser}
			if err := rows.Scan(&m.ID, &m.Display); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil && err != store.ErrNotFound {
		return nil, fmt.Errorf("reading transitive members of group %q: %w", groupID, err)
	}
	return out, err
}
