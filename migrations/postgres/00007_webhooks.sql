-- Webhooks, PostgreSQL dialect. Keep in step with
-- ../sqlite/00007_webhooks.sql.
--
-- webhooks is an organization's subscriptions to its events and the state
-- of their delivery. The events table is the outbox: a webhook keeps only
-- cursor_seq, the seq of the last event acknowledged by the receiver (or
-- passed over by its filter), and the attempts at the next one. lease_owner
-- and lease_until say which replica delivers it now: a replica claims a
-- webhook with a conditional UPDATE of its row, so one delivers it at a
-- time, and a crashed replica's lease expires. events is a JSON array of
-- event types and meanings, empty for all. secret is the HMAC key of the
-- signatures, kept as is because a signing key cannot be hashed. The
-- primary key starts with org_id, so the table distributes by organization
-- on Citus, colocated with events.

-- +goose Up
CREATE TABLE webhooks (
    org_id       text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           text COLLATE "C" NOT NULL,
    url          text        NOT NULL,
    secret       text        NOT NULL,
    events       jsonb       NOT NULL DEFAULT '[]',
    format       text        NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'set')),
    enabled      boolean     NOT NULL DEFAULT true,
    created      timestamptz NOT NULL,
    cursor_seq   bigint      NOT NULL DEFAULT 0,
    attempts     integer     NOT NULL DEFAULT 0,
    next_attempt timestamptz,
    last_attempt timestamptz,
    last_success timestamptz,
    last_status  integer     NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    lease_owner  text COLLATE "C" NOT NULL DEFAULT '',
    lease_until  timestamptz,
    PRIMARY KEY (org_id, id)
);
