-- Directory sync runs, SQLite dialect. Keep in step with
-- ../postgres/00003_sync_runs.sql.
--
-- sync_runs records one run of one directory source; sync_changes its
-- per-object changes in order (seq, 1-based). Primary keys start with
-- org_id (see 00001_init.sql on distribution); a run's changes go with it.
-- counts and detail are JSON text; times are TEXT as in 00001.

-- +goose Up
CREATE TABLE sync_runs (
    org_id      TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    trigger     TEXT    NOT NULL DEFAULT '',
    started     TEXT    NOT NULL,
    ended       TEXT,
    status      TEXT    NOT NULL,
    complete    INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    fingerprint TEXT    NOT NULL DEFAULT '',
    counts      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),
    error       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, id)
);
-- The runs of one source, newest first; and of every source.
CREATE INDEX sync_runs_source ON sync_runs (org_id, source, started, id);
CREATE INDEX sync_runs_started ON sync_runs (org_id, started, id);

CREATE TABLE sync_changes (
    org_id      TEXT    NOT NULL,
    run_id      TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    resource_id TEXT    NOT NULL DEFAULT '',
    source_id   TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL DEFAULT '',
    detail      TEXT    CHECK (detail IS NULL OR json_valid(detail)),
    state       TEXT    NOT NULL,
    PRIMARY KEY (org_id, run_id, seq),
    FOREIGN KEY (org_id, run_id) REFERENCES sync_runs (org_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

-- A source's live objects by their stable id (BySourceIDs), walked in
-- (source_id, id) order by EachBySource.
CREATE INDEX resources_source ON resources (org_id, source, kind, source_id, id) WHERE archived IS NULL;
