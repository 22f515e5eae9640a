-- Audit trail, webhook outbox, seats and policies, SQLite dialect. Keep in
-- step with ../postgres/00005_audit.sql.
--
-- events is an organization's audit trail and the outbox webhooks are
-- delivered from: written in the same transaction as the change, numbered
-- by seq (per organization, increasing in commit order, no gaps) from
-- org_counters.event_seq. org_counters.seats counts used seats (active
-- internal users) for the seat limit; both counters serialize the writes
-- of one organization that touch them. Primary keys start with org_id
-- (see 00001_init.sql on distribution).
--
-- resources.joined is when a user was first active (a joiner event then);
-- resources.purged marks an archived resource whose personal data was
-- erased (an anonymised tombstone).

-- +goose Up
-- What a token may do: 'scim' (SCIM provisioning) or 'admin' (/api/v1).
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'scim';
ALTER TABLE resources ADD COLUMN joined TEXT;
ALTER TABLE resources ADD COLUMN purged TEXT;
UPDATE resources SET joined = created WHERE kind = 'User' AND active = 1;
-- Archived resources of one kind, oldest first (export, purge).
CREATE INDEX resources_archived ON resources (org_id, kind, archived) WHERE archived IS NOT NULL;

CREATE TABLE org_counters (
    org_id    TEXT    NOT NULL PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    event_seq INTEGER NOT NULL DEFAULT 0,
    seats     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE events (
    org_id      TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    id          TEXT    NOT NULL,
    time        TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    meaning     TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL DEFAULT '',
    resource_id TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL DEFAULT '',
    data        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;
-- One resource's history.
CREATE INDEX events_resource ON events (org_id, resource_id, seq);

CREATE TABLE org_policies (
    org_id  TEXT NOT NULL PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    policy  TEXT NOT NULL CHECK (json_valid(policy)),
    updated TEXT NOT NULL
) WITHOUT ROWID;
