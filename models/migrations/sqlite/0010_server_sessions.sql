-- +goose Up
-- Server-side sessions: the cookie carries a random id, and only a session
-- whose id is here (by its SHA-256) is logged in, so logging out ends it for
-- every copy of the cookie. Column names differ from users' so the two join
-- without qualifying every column.
CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
