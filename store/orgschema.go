package store

import (
	"context"
	"encoding/json"
	"time"
)

// OrgSchema is an organization's own extension schema for one resource
// type (where Okta and Entra send their custom mapped attributes).
type OrgSchema struct {
	OrgID      string
	URN        string          // the schema id, unique per organization
	Kind       Kind            // the resource type it extends
	Definition json.RawMessage // the schema in RFC 7643 §7 form
	Updated    time.Time
}

// SchemaStore keeps organizations' extension schemas.
type SchemaStore interface {
	// OrgSchemas lists an organization's extension schemas by URN.
	OrgSchemas(ctx context.Context, orgID string) ([]OrgSchema, error)
	// PutOrgSchema inserts or replaces (by URN) an extension schema.
	PutOrgSchema(ctx context.Context, s OrgSchema) error
	// DeleteOrgSchema removes one; ErrNotFound when absent.
	DeleteOrgSchema(ctx context.Context, orgID, urn string) error
}
