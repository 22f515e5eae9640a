package sqlstore

import (
	"context"
	"errors"

	"github.com/scimd/scimd/store"
)

// Being written: organization extension schemas.

var errNotYet = errors.New("organization schemas are not implemented yet")

// OrgSchemas implements store.SchemaStore.
func (s *Store) OrgSchemas(ctx context.Context, orgID string) ([]store.OrgSchema, error) {
	return nil, nil
}

// PutOrgSchema implements store.SchemaStore.
func (s *Store) PutOrgSchema(ctx context.Context, os store.OrgSchema) error { return errNotYet }

// DeleteOrgSchema implements store.SchemaStore.
func (s *Store) DeleteOrgSchema(ctx context.Context, orgID, urn string) error { return errNotYet }
