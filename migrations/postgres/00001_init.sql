-- scimd schema, PostgreSQL dialect. Keep in step with ../sqlite/00001_init.sql.
--
-- Distribution rule (see DESIGN.md §1): every table carries org_id, and every
-- primary key and unique constraint of a per-organization table starts with
-- it, so the schema can be distributed by org_id on Citus
-- (create_distributed_table('resources', 'org_id') and the same for
-- members). orgs and tokens are the exception: small reference tables
-- (create_reference_table), keyed by their own id.
--
-- resources.doc is the SCIM document (Resource.Attrs); resources.fold is the
-- same document with every string value case-folded (Go's store.Fold), used
-- for caseExact=false filters and sorts so that case-insensitivity is the
-- same as on SQLite, non-ASCII text included. Text columns that are
-- compared or sorted use COLLATE "C" (bytewise, like SQLite's BINARY).

-- +goose Up
CREATE TABLE orgs (
    id      text COLLATE "C" NOT NULL PRIMARY KEY,
    name    text COLLATE "C" NOT NULL UNIQUE,
    created timestamptz NOT NULL
);

-- Reference table: looked up by id for authentication.
CREATE TABLE tokens (
    id      text COLLATE "C" NOT NULL PRIMARY KEY,
    org_id  text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name    text        NOT NULL,
    hash    bytea       NOT NULL,
    created timestamptz NOT NULL,
    revoked timestamptz
);
CREATE INDEX tokens_org ON tokens (org_id);

CREATE TABLE resources (
    org_id            text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                text COLLATE "C" NOT NULL,
    kind              text        NOT NULL CHECK (kind IN ('User', 'Group')),
    name              text COLLATE "C" NOT NULL,
    name_fold         text COLLATE "C" NOT NULL,
    external_id       text COLLATE "C" NOT NULL DEFAULT '',
    display_name      text COLLATE "C" NOT NULL DEFAULT '',
    display_name_fold text COLLATE "C" NOT NULL DEFAULT '',
    active            boolean     NOT NULL DEFAULT true,
    inactive_reason   text        NOT NULL DEFAULT '',
    source            text        NOT NULL DEFAULT '',
    source_id         text        NOT NULL DEFAULT '',
    password_hash     text        NOT NULL DEFAULT '',
    version           bigint      NOT NULL,
    created           timestamptz NOT NULL,
    modified          timestamptz NOT NULL,
    archived          timestamptz,
    doc               jsonb       NOT NULL DEFAULT '{}',
    fold              jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (org_id, id)
);
-- userName / displayName are unique per organization and kind among live
-- resources; archiving frees the name.
CREATE UNIQUE INDEX resources_name_uq ON resources (org_id, kind, name_fold) WHERE archived IS NULL;
CREATE INDEX resources_external_id ON resources (org_id, kind, external_id);
-- Default listing order (id) and counts of live resources of one kind.
CREATE INDEX resources_kind_id ON resources (org_id, kind, id) WHERE archived IS NULL;

-- Membership edges. member_kind is 'User' or 'Group' (a sub-team). Edges to
-- archived members are kept but hidden; an archived group loses its edges
-- to parents and sub-groups.
CREATE TABLE members (
    org_id      text COLLATE "C" NOT NULL,
    group_id    text COLLATE "C" NOT NULL,
    member_id   text COLLATE "C" NOT NULL,
    member_kind text NOT NULL CHECK (member_kind IN ('User', 'Group')),
    PRIMARY KEY (org_id, group_id, member_id),
    FOREIGN KEY (org_id, group_id) REFERENCES resources (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
-- Reverse lookups: the groups of a member, walking up sub-teams.
CREATE INDEX members_member ON members (org_id, member_id);

-- scimd_timestamptz parses an RFC 3339 string from a JSON document, or
-- returns NULL when it is not a valid timestamp, so that a dateTime filter
-- never fails on a malformed stored value.
-- +goose StatementBegin
CREATE FUNCTION scimd_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN t::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
-- +goose StatementEnd
