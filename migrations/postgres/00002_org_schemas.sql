-- Organization extension schemas, PostgreSQL dialect. Keep in step with
-- ../sqlite/00002_org_schemas.sql.
--
-- One row per extension schema an organization declares for its Users or
-- Groups (RFC 7643 §7 schema document in definition). The primary key
-- starts with org_id, so the table distributes by organization on Citus
-- (create_distributed_table('org_schemas', 'org_id')) like resources.
-- urn is stored as given; callers compare URNs case-insensitively
-- (RFC 7643 §2.1) before writing.

-- +goose Up
CREATE TABLE org_schemas (
    org_id     text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    urn        text COLLATE "C" NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('User', 'Group')),
    definition jsonb       NOT NULL,
    updated    timestamptz NOT NULL,
    PRIMARY KEY (org_id, urn)
);
