-- The write each event belongs to, sqlite dialect. Keep in step with ../postgres/00009_event_txn.sql.
--
-- events.txn is the same for every event one write transaction recorded
-- (a user's update and the team events it caused, a batch of creates), so
-- a consumer can tell which events happened together (RFC 9967's txn
-- claim). Events recorded before this migration have ''.

-- +goose Up
ALTER TABLE events ADD COLUMN txn TEXT NOT NULL DEFAULT '';
