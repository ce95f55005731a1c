-- +goose Up
-- Roles in practice: suspension, reputation, ambassadors' work addresses,
-- moderation state, flags, the audit log, notifications and private categories.

ALTER TABLE users ADD COLUMN suspended_until INTEGER;
ALTER TABLE users ADD COLUMN suspend_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN reputation INTEGER NOT NULL DEFAULT 0;
-- The verified work address that made the user an ambassador.
ALTER TABLE users ADD COLUMN work_email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;

-- Hidden by a moderator (reversible; the author sees the reason).
ALTER TABLE posts ADD COLUMN hidden_at INTEGER;
ALTER TABLE posts ADD COLUMN hidden_reason TEXT NOT NULL DEFAULT '';
-- Waiting in the approval queue (a new member's first post with links).
ALTER TABLE posts ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN recommended_by INTEGER REFERENCES users (id);

-- A thread is hidden when its question is.
ALTER TABLE threads ADD COLUMN hidden_at INTEGER;
ALTER TABLE threads ADD COLUMN locked_at INTEGER;
ALTER TABLE threads ADD COLUMN pinned_at INTEGER;
ALTER TABLE threads ADD COLUMN duplicate_of INTEGER REFERENCES threads (id);
-- The question waits in the approval queue.
ALTER TABLE threads ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;

-- '' is public; otherwise only members of that group (and staff) see the category.
ALTER TABLE categories ADD COLUMN group_name TEXT NOT NULL DEFAULT '';

CREATE TABLE user_groups (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    group_name TEXT    NOT NULL,
    PRIMARY KEY (user_id, group_name)
);

CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts (id),
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    reason      TEXT    NOT NULL CHECK (reason IN ('spam', 'abusive', 'off-topic', 'unsafe')),
    note        TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    handled_by  INTEGER REFERENCES users (id),
    handled_at  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX flags_open ON flags (status, created_at);
CREATE UNIQUE INDEX flags_once ON flags (post_id, reporter_id) WHERE status = 'open';

-- Every moderation action: who, what, to which item, why, when.
CREATE TABLE mod_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL REFERENCES users (id),
    action      TEXT    NOT NULL,
    target_type TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX mod_log_time ON mod_log (created_at DESC);

-- Points as they are earned, so "this month" can be summed.
CREATE TABLE reputation_events (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    points     INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    post_id    INTEGER REFERENCES posts (id),
    actor_id   INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX reputation_events_time ON reputation_events (created_at, user_id);
CREATE INDEX reputation_events_source ON reputation_events (post_id, actor_id, reason);

-- One-time links that verify an ambassador's work address. Only a hash of
-- the token is kept, so a leaked database cannot be used to verify.
CREATE TABLE ambassador_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    email      TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX ambassador_tokens_user ON ambassador_tokens (user_id, created_at);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL,
    thread_id  INTEGER REFERENCES threads (id),
    post_id    INTEGER REFERENCES posts (id),
    actor_id   INTEGER REFERENCES users (id),
    text       TEXT    NOT NULL,
    read_at    INTEGER,
    -- Set once the email for it was sent, or skipped (user opted out); the
    -- mail worker picks up the rest, so a crash loses no mail.
    emailed_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id DESC);

CREATE TABLE watches (
    user_id   INTEGER NOT NULL REFERENCES users (id),
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    PRIMARY KEY (user_id, thread_id)
);
CREATE INDEX watches_thread ON watches (thread_id);

CREATE INDEX threads_pinned ON threads (category_id, pinned_at);

-- +goose Down
DROP INDEX threads_pinned;
DROP TABLE watches;
DROP TABLE notifications;
DROP TABLE ambassador_tokens;
DROP TABLE reputation_events;
DROP TABLE mod_log;
DROP TABLE flags;
DROP TABLE user_groups;
ALTER TABLE categories DROP COLUMN group_name;
ALTER TABLE threads DROP COLUMN pending;
ALTER TABLE threads DROP COLUMN duplicate_of;
ALTER TABLE threads DROP COLUMN pinned_at;
ALTER TABLE threads DROP COLUMN locked_at;
ALTER TABLE threads DROP COLUMN hidden_at;
ALTER TABLE posts DROP COLUMN recommended_by;
ALTER TABLE posts DROP COLUMN pending;
ALTER TABLE posts DROP COLUMN hidden_reason;
ALTER TABLE posts DROP COLUMN hidden_at;
ALTER TABLE users DROP COLUMN email_notifications;
ALTER TABLE users DROP COLUMN work_email;
ALTER TABLE users DROP COLUMN reputation;
ALTER TABLE users DROP COLUMN suspend_reason;
ALTER TABLE users DROP COLUMN suspended_until;
