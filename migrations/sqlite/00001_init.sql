-- scimd schema, SQLite dialect. Keep in step with ../postgres/00001_init.sql.
--
-- Distribution rule (see DESIGN.md §1): every table carries org_id, and every
-- primary key and unique constraint of a per-organization table starts with
-- it, so the PostgreSQL schema can be distributed by org_id on Citus. orgs and
-- tokens are the exception: small reference tables, replicated rather than
-- distributed.
--
-- Encodings: timestamps are TEXT in the fixed-width UTC form
-- 2006-01-02T15:04:05.000000Z (sorts as it compares), booleans are INTEGER
-- 0/1, JSON is TEXT. resources.doc is the SCIM document (Resource.Attrs);
-- resources.fold is the same document with every string value case-folded
-- (Go's store.Fold), used for caseExact=false filters and sorts.

-- +goose Up
CREATE TABLE orgs (
    id      TEXT NOT NULL PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);

-- Reference table: looked up by id for authentication.
CREATE TABLE tokens (
    id      TEXT NOT NULL PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    hash    BLOB NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE INDEX tokens_org ON tokens (org_id);

CREATE TABLE resources (
    org_id            TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                TEXT    NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('User', 'Group')),
    name              TEXT    NOT NULL,
    name_fold         TEXT    NOT NULL,
    external_id       TEXT    NOT NULL DEFAULT '',
    display_name      TEXT    NOT NULL DEFAULT '',
    display_name_fold TEXT    NOT NULL DEFAULT '',
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    inactive_reason   TEXT    NOT NULL DEFAULT '',
    source            TEXT    NOT NULL DEFAULT '',
    source_id         TEXT    NOT NULL DEFAULT '',
    password_hash     TEXT    NOT NULL DEFAULT '',
    version           INTEGER NOT NULL,
    created           TEXT    NOT NULL,
    modified          TEXT    NOT NULL,
    archived          TEXT,
    doc               TEXT    NOT NULL DEFAULT '{}',
    fold              TEXT    NOT NULL DEFAULT '{}',
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
    org_id      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL CHECK (member_kind IN ('User', 'Group')),
    PRIMARY KEY (org_id, group_id, member_id),
    FOREIGN KEY (org_id, group_id) REFERENCES resources (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
-- Reverse lookups: the groups of a member, walking up sub-teams.
CREATE INDEX members_member ON members (org_id, member_id);
