-- +goose Up
-- Social listening: tweets (and later other networks) imported as items,
-- triaged in an inbox, and turned into threads.

-- Placeholder profiles for people imported from X: no login until an admin
-- links them to a real account.
ALTER TABLE users ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN x_handle TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN linked_to INTEGER REFERENCES users (id);
CREATE INDEX users_x_handle ON users (lower(x_handle)) WHERE x_handle != '';

-- "View on X" for threads that started as a tweet.
ALTER TABLE threads ADD COLUMN source_url TEXT NOT NULL DEFAULT '';

CREATE TABLE social_rules (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    keywords    TEXT    NOT NULL DEFAULT '', -- comma-separated; any may match
    handles     TEXT    NOT NULL DEFAULT '', -- mentions of these accounts match
    hashtags    TEXT    NOT NULL DEFAULT '',
    exclusions  TEXT    NOT NULL DEFAULT '', -- any of these words rules the item out
    -- Trusted rules turn matching items into threads without triage.
    trusted     INTEGER NOT NULL DEFAULT 0,
    category_id INTEGER REFERENCES categories (id),
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

CREATE TABLE social_items (
    -- Tweet ids are text: many exceed 2^53.
    tweet_id        TEXT    PRIMARY KEY,
    -- The conversation's root tweet; resolved after each import, so replies
    -- that arrive before their parents still join the right conversation.
    conversation_id TEXT    NOT NULL,
    in_reply_to_id  TEXT    NOT NULL DEFAULT '',
    author_handle   TEXT    NOT NULL DEFAULT '',
    author_id       TEXT    NOT NULL DEFAULT '',
    author_name     TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL,
    lang            TEXT    NOT NULL DEFAULT '',
    -- 0 until the language is known or was looked for: detection runs after
    -- the import, so storing posts is not held up by it.
    lang_checked    INTEGER NOT NULL DEFAULT 0,
    is_brand        INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'filtered', 'converted', 'appended', 'dismissed', 'spam')),
    -- Why a filter kept it out, so a wrong filter can be undone.
    filter_reason   TEXT    NOT NULL DEFAULT '',
    spam_score      INTEGER NOT NULL DEFAULT 0,
    rule_id         INTEGER REFERENCES social_rules (id),
    thread_id       INTEGER REFERENCES threads (id),
    post_id         INTEGER REFERENCES posts (id),
    source          TEXT    NOT NULL DEFAULT '',
    import_id       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    imported_at     INTEGER NOT NULL
);
CREATE INDEX social_items_conversation ON social_items (conversation_id, created_at);
CREATE INDEX social_items_parent ON social_items (in_reply_to_id) WHERE in_reply_to_id != '';
CREATE INDEX social_items_inbox ON social_items (status, created_at DESC);
CREATE INDEX social_items_import ON social_items (import_id);
CREATE INDEX social_items_lang_todo ON social_items (tweet_id) WHERE lang_checked = 0;

-- Uploads run in the background; the page polls this row for progress.
CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    filename    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    processed   INTEGER NOT NULL DEFAULT 0,
    summary     TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);

-- +goose Down
DROP TABLE import_jobs;
DROP TABLE social_items;
DROP TABLE social_rules;
ALTER TABLE threads DROP COLUMN source_url;
DROP INDEX users_x_handle;
ALTER TABLE users DROP COLUMN linked_to;
ALTER TABLE users DROP COLUMN x_handle;
ALTER TABLE users DROP COLUMN imported;
