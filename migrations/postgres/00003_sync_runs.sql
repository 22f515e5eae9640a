-- Directory sync runs, PostgreSQL dialect. Keep in step with
-- ../sqlite/00003_sync_runs.sql.
--
-- sync_runs records one run of one directory source; sync_changes its
-- per-object changes in order (seq, 1-based). Primary keys start with
-- org_id, so both tables distribute by organization on Citus
-- (create_distributed_table('sync_runs', 'org_id') and the same for
-- sync_changes, colocated, which keeps the foreign key between them legal).

-- +goose Up
CREATE TABLE sync_runs (
    org_id      text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          text COLLATE "C" NOT NULL,
    source      text COLLATE "C" NOT NULL,
    trigger     text        NOT NULL DEFAULT '',
    started     timestamptz NOT NULL,
    ended       timestamptz,
    status      text        NOT NULL,
    complete    boolean     NOT NULL DEFAULT false,
    fingerprint text        NOT NULL DEFAULT '',
    counts      jsonb       NOT NULL DEFAULT '{}',
    error       text        NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, id)
);
-- The runs of one source, newest first; and of every source.
CREATE INDEX sync_runs_source ON sync_runs (org_id, source, started, id);
CREATE INDEX sync_runs_started ON sync_runs (org_id, started, id);

CREATE TABLE sync_changes (
    org_id      text COLLATE "C" NOT NULL,
    run_id      text COLLATE "C" NOT NULL,
    seq         integer     NOT NULL,
    kind        text        NOT NULL,
    resource_id text COLLATE "C" NOT NULL DEFAULT '',
    source_id   text COLLATE "C" NOT NULL DEFAULT '',
    name        text        NOT NULL DEFAULT '',
    detail      jsonb,
    state       text        NOT NULL,
    PRIMARY KEY (org_id, run_id, seq),
    FOREIGN KEY (org_id, run_id) REFERENCES sync_runs (org_id, id) ON DELETE CASCADE
);

-- A source's live objects by their stable id (BySourceIDs), walked in
-- (source_id, id) order by EachBySource. resources.source and source_id
-- have the default collation; the index follows the columns.
CREATE INDEX resources_source ON resources (org_id, source, kind, source_id, id) WHERE archived IS NULL;
