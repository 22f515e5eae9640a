-- Superseded held sync runs, PostgreSQL dialect. Keep in step with
-- ../sqlite/00006_sync_superseded.sql.
--
-- A held run that a newer run of the same source replaced before anyone
-- decided it gets status 'superseded' and superseded_by, the id of the
-- run that replaced it ('' for every other run).

-- +goose Up
ALTER TABLE sync_runs ADD COLUMN superseded_by text COLLATE "C" NOT NULL DEFAULT '';
