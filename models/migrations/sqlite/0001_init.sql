-- +goose Up
-- Times are Unix seconds (INTEGER) so the schema ports to PostgreSQL's bigint unchanged.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL DEFAULT 'member'
                  CHECK (role IN ('member', 'superuser', 'ambassador', 'moderator', 'admin')),
    -- Bumped to end every session of this user (logout everywhere, password change).
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE threads (
    id               INTEGER PRIMARY KEY,
    category_id      INTEGER NOT NULL REFERENCES categories (id),
    author_id        INTEGER NOT NULL REFERENCES users (id),
    title            TEXT    NOT NULL,
    slug             TEXT    NOT NULL,
    -- Set once the question post exists; a thread is never shown without it.
    question_id      INTEGER REFERENCES posts (id),
    accepted_id      INTEGER REFERENCES posts (id),
    answer_count     INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    deleted_at       INTEGER
);
CREATE INDEX threads_latest ON threads (deleted_at, created_at DESC);
CREATE INDEX threads_active ON threads (deleted_at, last_activity_at DESC);
CREATE INDEX threads_category_latest ON threads (category_id, deleted_at, created_at DESC);
CREATE INDEX threads_category_active ON threads (category_id, deleted_at, last_activity_at DESC);
CREATE INDEX threads_author ON threads (author_id, created_at DESC);

CREATE TABLE posts (
    id            INTEGER PRIMARY KEY,
    thread_id     INTEGER NOT NULL REFERENCES threads (id),
    author_id     INTEGER NOT NULL REFERENCES users (id),
    is_question   INTEGER NOT NULL DEFAULT 0,
    body_md       TEXT    NOT NULL,
    -- Rendered once when saved: pages never run Markdown.
    body_html     TEXT    NOT NULL,
    -- Plain text of the same rendering, for the search index and descriptions.
    body_text     TEXT    NOT NULL DEFAULT '',
    helpful_count INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    deleted_at    INTEGER
);
CREATE INDEX posts_thread ON posts (thread_id, created_at);
CREATE INDEX posts_author ON posts (author_id, created_at DESC);

CREATE TABLE post_revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id),
    editor_id  INTEGER NOT NULL REFERENCES users (id),
    -- The text as it was before this edit; the title only for questions.
    title      TEXT    NOT NULL DEFAULT '',
    body_md    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, id);

CREATE TABLE votes (
    post_id    INTEGER NOT NULL REFERENCES posts (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE thread_tags (
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    tag_id    INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (thread_id, tag_id)
);
CREATE INDEX thread_tags_tag ON thread_tags (tag_id, thread_id);

-- Failed logins, kept in the database so throttling holds across restarts and app servers.
CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT    NOT NULL,
    ip       TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

INSERT INTO categories (slug, name, description, position, created_at)
VALUES ('general', 'General', 'Questions about anything else.', 100, CAST(strftime('%s', 'now') AS INTEGER));

-- +goose Down
DROP TABLE login_failures;
DROP TABLE thread_tags;
DROP TABLE tags;
DROP TABLE votes;
DROP TABLE post_revisions;
DROP TABLE posts;
DROP TABLE threads;
DROP TABLE categories;
DROP TABLE users;
DROP TABLE settings;
