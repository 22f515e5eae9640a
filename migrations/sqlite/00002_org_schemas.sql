-- Organization extension schemas, SQLite dialect. Keep in step with
-- ../postgres/00002_org_schemas.sql.
--
-- One row per extension schema an organization declares for its Users or
-- Groups (RFC 7643 §7 schema document in definition, JSON text). The
-- primary key starts with org_id (see 00001_init.sql on distribution).
-- urn is stored as given; callers compare URNs case-insensitively
-- (RFC 7643 §2.1) before writing.

-- +goose Up
CREATE TABLE org_schemas (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    urn        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('User', 'Group')),
    definition TEXT NOT NULL CHECK (json_valid(definition)),
    updated    TEXT NOT NULL,
    PRIMARY KEY (org_id, urn)
) WITHOUT ROWID;
