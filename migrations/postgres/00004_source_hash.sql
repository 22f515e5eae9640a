-- The directory sync's fingerprint of what it last wrote of a resource,
-- PostgreSQL dialect. Keep in step with ../sqlite/00004_source_hash.sql.
--
-- source_hash is set by the sync when the stored resource matches the
-- directory entry it stands for; any later change of the resource clears
-- it (''), so an unchanged entry whose hash still matches needs no look
-- at the stored document.

-- +goose Up
ALTER TABLE resources ADD COLUMN source_hash TEXT NOT NULL DEFAULT '';
