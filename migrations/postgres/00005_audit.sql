-- Audit trail, webhook outbox, seats and policies, PostgreSQL dialect. Keep
-- in step with ../sqlite/00005_audit.sql.
--
-- events is an organization's audit trail and the outbox webhooks are
-- delivered from: written in the same transaction as the change, numbered
-- by seq (per organization, increasing in commit order, no gaps) from
-- org_counters.event_seq, whose row lock is held to commit. org_counters.seats
-- counts used seats (active internal users) for the seat limit. Primary keys
-- start with org_id, so every table distributes by organization on Citus.
--
-- resources.joined is when a user was first active (a joiner event then);
-- resources.purged marks an archived resource whose personal data was
-- erased (an anonymised tombstone).

-- +goose Up
-- What a token may do: 'scim' (SCIM provisioning) or 'admin' (/api/v1).
ALTER TABLE tokens ADD COLUMN scope text NOT NULL DEFAULT 'scim';
ALTER TABLE resources ADD COLUMN joined timestamptz;
ALTER TABLE resources ADD COLUMN purged timestamptz;
UPDATE resources SET joined = created WHERE kind = 'User' AND active;
-- Archived resources of one kind, oldest first (export, purge).
CREATE INDEX resources_archived ON resources (org_id, kind, archived) WHERE archived IS NOT NULL;

CREATE TABLE org_counters (
    org_id    text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    event_seq bigint  NOT NULL DEFAULT 0,
    seats     integer NOT NULL DEFAULT 0
);

CREATE TABLE events (
    org_id      text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    seq         bigint      NOT NULL,
    id          text COLLATE "C" NOT NULL,
    time        timestamptz NOT NULL,
    type        text        NOT NULL,
    meaning     text        NOT NULL DEFAULT '',
    kind        text        NOT NULL DEFAULT '',
    resource_id text COLLATE "C" NOT NULL DEFAULT '',
    actor       text        NOT NULL DEFAULT '',
    data        jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (org_id, seq)
);
-- One resource's history.
CREATE INDEX events_resource ON events (org_id, resource_id, seq);

CREATE TABLE org_policies (
    org_id  text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    policy  jsonb       NOT NULL,
    updated timestamptz NOT NULL
);
