-- +goose Up
-- Accounts a brand can run in public (issue 20): a profile, verified email
-- addresses, password recovery, a copy of one's data, and deletion.

-- Profile: a display name and a short bio the member writes. avatar_url is
-- kept for uploaded avatars (empty: the generated default).
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN avatar_url TEXT NOT NULL DEFAULT '';
-- When the member proved the address is theirs (a verification link, a
-- password reset); NULL: not yet. Accounts older than this migration count
-- as verified: nobody asked their owners, and asking now would lock a
-- working community out of posting.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
UPDATE users SET email_verified_at = created_at;
-- When the account was deleted: its personal data is gone, and the row
-- stays so that the posts it kept have an author ("deleted member").
ALTER TABLE users ADD COLUMN deleted_at INTEGER;

-- Verifying the address before posting is on by default, for new installs.
-- An existing install (one with accounts that log in) keeps posting as it
-- was, since it may send no mail yet: an admin turns it on in the settings.
INSERT INTO settings (key, value) SELECT 'site.verify_email', '0'
    WHERE EXISTS (SELECT 1 FROM users WHERE imported = 0);

-- One-time links sent to an account's address: verify it, confirm a new
-- one, reset the password. Only a hash of the token is kept; email is the
-- address the link went to (a link stops working when the account's
-- address is no longer that one). Links are made unusable by setting
-- expires_at, not by deleting them: their rows count against the limits.
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('verify_email', 'change_email', 'password_reset')),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, kind, created_at);

-- Requests limited per client address, or per email address typed, whether
-- or not an account has it (a password reset): counted in the database so
-- the limits hold across restarts and app servers. key is the client
-- address (ThrottleAddress) or a SHA-256 of the lower-cased email address,
-- never the address itself. Rows older than a day go as new ones come.
CREATE TABLE account_requests (
    id   INTEGER PRIMARY KEY,
    kind TEXT    NOT NULL,
    key  TEXT    NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX account_requests_key ON account_requests (kind, key, at);

-- "Download my data": a ZIP a worker makes in the background, kept beside
-- the database (path) until expires_at, then removed.
--   queued   waiting for the worker
--   running  being written (claimed_at: a claim older than the lease is queued again)
--   ready    path can be downloaded by its member until expires_at
--   failed   error says why, for the log; the member asks again
--   expired  the file is gone
CREATE TABLE export_jobs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'ready', 'failed', 'expired')),
    path        TEXT    NOT NULL DEFAULT '',
    size        INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    claimed_at  INTEGER,
    finished_at INTEGER,
    expires_at  INTEGER
);
CREATE INDEX export_jobs_user ON export_jobs (user_id, id);
CREATE INDEX export_jobs_queued ON export_jobs (id) WHERE status = 'queued';

-- Where an external identity (single sign-on) links to an account: the
-- provider's issuer and its stable subject id name one person. email is
-- what the provider asserted when the link was made, shown to the member.
CREATE TABLE user_identities (
    issuer       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
) WITHOUT ROWID;
CREATE INDEX user_identities_user ON user_identities (user_id);

-- +goose Down
DROP TABLE user_identities;
DROP TABLE export_jobs;
DROP TABLE account_requests;
DROP TABLE account_tokens;
DELETE FROM settings WHERE key = 'site.verify_email';
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN email_verified_at;
ALTER TABLE users DROP COLUMN avatar_url;
ALTER TABLE users DROP COLUMN bio;
ALTER TABLE users DROP COLUMN display_name;
