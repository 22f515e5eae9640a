-- Admin accounts and their browser sessions, postgres dialect. Keep in step with
-- ../sqlite/00008_admins.sql.
--
-- admins are an organization's console and admin API users, with a role
-- (owner, user_admin, auditor) and a slow password hash; email is unique
-- per organization after case folding (email_fold). failed_logins and
-- locked_until rate-limit sign-ins across replicas. sessions keep only
-- the SHA-256 of the cookie secret; the cookie names the organization, so
-- both tables distribute by org_id (primary keys start with it).
-- tokens.role is the admin role of an admin-scope API token.

-- +goose Up
ALTER TABLE tokens ADD COLUMN role text NOT NULL DEFAULT '';

CREATE TABLE admins (
    org_id        text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id            text COLLATE "C" NOT NULL,
    email         text NOT NULL,
    email_fold    text COLLATE "C" NOT NULL,
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('owner', 'user_admin', 'auditor')),
    password_hash text NOT NULL DEFAULT '',
    disabled      boolean NOT NULL DEFAULT false,
    created       timestamptz NOT NULL,
    last_login    timestamptz,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX admins_email_uq ON admins (org_id, email_fold);

CREATE TABLE sessions (
    org_id   text COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id       text COLLATE "C" NOT NULL,
    admin_id text COLLATE "C" NOT NULL,
    csrf     text NOT NULL,
    created  timestamptz NOT NULL,
    expires  timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_admin ON sessions (org_id, admin_id);
