package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

// Organization extension schemas (store.SchemaStore), in the org_schemas
// table. The definition is stored as JSON (jsonb on PostgreSQL, so it
// reads back as equivalent JSON, not necessarily the same bytes); this
// package does not interpret it: scim/schema validates it before it is
// written.

var _ store.SchemaStore = (*Store)(nil)

type orgSchemaRow struct {
	OrgID      string `db:"org_id"`
	URN        string `db:"urn"`
	Kind       string `db:"kind"`
	Definition []byte `db:"definition"`
	Updated    dbTime `db:"updated"`
}

// OrgSchemas lists an organization's extension schemas ordered by URN
// (bytewise). An unknown organization has none.
func (s *Store) OrgSchemas(ctx context.Context, orgID string) ([]store.OrgSchema, error) {
	var rows []orgSchemaRow
	err := s.reader().sel(ctx, &rows, `SELECT org_id, urn, kind, definition, updated
		FROM org_schemas WHERE org_id = ? ORDER BY urn`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing schemas of organization %q: %w", orgID, err)
	}
	out := make([]store.OrgSchema, len(rows))
	for i, r := range rows {
		out[i] = store.OrgSchema{
			OrgID:      r.OrgID,
			URN:        r.URN,
			Kind:       store.Kind(r.Kind),
			Definition: json.RawMessage(r.Definition),
			Updated:    r.Updated.T,
		}
	}
	return out, nil
}

// PutOrgSchema inserts sch, or replaces the organization's schema with the
// same URN (compared exactly), kind included. Updated defaults to now. An
// unknown organization is store.ErrNotFound.
func (s *Store) PutOrgSchema(ctx context.Context, sch store.OrgSchema) error {
	if sch.OrgID == "" || sch.URN == "" {
		return errors.New("storing organization schema: organization and URN are required")
	}
	if err := checkKind(sch.Kind); err != nil {
		return fmt.Errorf("storing organization schema %q: %w", sch.URN, err)
	}
	if !json.Valid(sch.Definition) {
		return fmt.Errorf("storing organization schema %q: the definition is not valid JSON", sch.URN)
	}
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO org_schemas (org_id, urn, kind, definition, updated)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, urn) DO UPDATE
			SET kind = excluded.kind, definition = excluded.definition, updated = excluded.updated`,
			sch.OrgID, sch.URN, string(sch.Kind), string(sch.Definition), s.d.timeArg(stamp(sch.Updated)))
		return err
	})
	if s.d.classify(err) == errForeignKey {
		return fmt.Errorf("storing organization schema %q: organization %q: %w", sch.URN, sch.OrgID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("storing organization schema %q: %w", sch.URN, err)
	}
	return nil
}

// DeleteOrgSchema removes the organization's schema with exactly this
// URN; store.ErrNotFound when there is none.
func (s *Store) DeleteOrgSchema(ctx context.Context, orgID, urn string) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `DELETE FROM org_schemas WHERE org_id = ? AND urn = ?`, orgID, urn)
		if err != nil {
			return fmt.Errorf("removing organization schema %q: %w", urn, err)
		}
		if n == 0 {
			return fmt.Errorf("organization schema %q: %w", urn, store.ErrNotFound)
		}
		return nil
	})
}
