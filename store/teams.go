package store

import "context"

// TeamStore answers questions about teams (groups) and sub-teams.
type TeamStore interface {
	// MemberCounts returns the number of live direct members (users and
	// sub-groups) of each group; groups without members are absent.
	MemberCounts(ctx context.Context, orgID string, groupIDs []string) (map[string]int, error)
	// TransitiveMembers returns the live users of a group, directly or
	// through sub-groups, each once, in id order (Display as in Members).
	TransitiveMembers(ctx context.Context, orgID, groupID string) ([]Member, error)
}
