-- Webhooks, SQLite dialect. Keep in step with ../postgres/00007_webhooks.sql.
--
-- webhooks is an organization's subscriptions to its events and the state
-- of their delivery. The events table is the outbox: a webhook keeps only
-- cursor_seq, the seq of the last event acknowledged by the receiver (or
-- passed over by its filter), and the attempts at the next one. lease_owner
-- and lease_until say which process delivers it now (several replicas share
-- a database). events is a JSON array of event types and meanings, empty
-- for all. secret is the HMAC key of the signatures, kept as is because a
-- signing key cannot be hashed. Primary keys start with org_id (see
-- 00001_init.sql on distribution).

-- +goose Up
CREATE TABLE webhooks (
    org_id       TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    events       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(events)),
    format       TEXT    NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'set')),
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created      TEXT    NOT NULL,
    cursor_seq   INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT,
    last_attempt TEXT,
    last_success TEXT,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  TEXT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
