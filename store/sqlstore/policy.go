package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

// Policy returns the organization's policy, the zero Policy when none.
func (s *Store) Policy(ctx context.Context, orgID string) (store.Policy, error) {
	var raw []byte
	err := s.reader().get(ctx, &raw, `SELECT policy FROM org_policies WHERE org_id = ?`, orgID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Policy{}, nil
	}
	if err != nil {
		return store.Policy{}, fmt.Errorf("reading policy of organization %q: %w", orgID, err)
	}
	var p store.Policy
	if err := json.Unmarshal(raw, &p); err != nil {
		return store.Policy{}, fmt.Errorf("decoding policy of organization %q: %w", orgID, err)
	}
	return p, nil
}

// SetPolicy replaces the organization's policy.
func (s *Store) SetPolicy(ctx context.Context, orgID string, p store.Policy) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding policy: %w", err)
	}
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO org_policies (org_id, policy, updated) VALUES (?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, updated = excluded.updated`,
			orgID, string(raw), s.d.timeArg(now()))
		if s.d.classify(err) == errForeignKey {
			return fmt.Errorf("organization %q: %w", orgID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("writing policy of organization %q: %w", orgID, err)
		}
		return nil
	})
}
