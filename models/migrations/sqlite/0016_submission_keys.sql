-- +goose Up
-- Forms that post content (ask, answer, edit) carry a random key. What a
-- submission made is kept under its author and key for a day, so the same
-- submission sent again (a retry after a timeout, a double click, the back
-- button) leads to the first result instead of writing a second copy.
CREATE TABLE submission_keys (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    result_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX submission_keys_created ON submission_keys (created_at);

-- +goose Down
DROP TABLE submission_keys;
