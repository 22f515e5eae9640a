-- Admin accounts and their browser sessions, sqlite dialect. Keep in step with
-- ../postgres/00008_admins.sql.
--
-- admins are an organization's console and admin API users, with a role
-- (owner, user_admin, auditor) and a slow password hash; email is unique
-- per organization after case folding (email_fold). failed_logins and
-- locked_until rate-limit sign-ins across replicas. sessions keep only
-- the SHA-256 of the cookie secret; the cookie names the organization, so
-- both tables distribute by org_id (primary keys start with it).
-- tokens.role is the admin role of an admin-scope API token.

-- +goose Up
ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT '';

CREATE TABLE admins (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT NOT NULL,
    email_fold    TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('owner', 'user_admin', 'auditor')),
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created       TEXT NOT NULL,
    last_login    TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX admins_email_uq ON admins (org_id, email_fold);

CREATE TABLE sessions (
    org_id   TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id       TEXT NOT NULL,
    admin_id TEXT NOT NULL,
    csrf     TEXT NOT NULL,
    created  TEXT NOT NULL,
    expires  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX sessions_admin ON sessions (org_id, admin_id);
