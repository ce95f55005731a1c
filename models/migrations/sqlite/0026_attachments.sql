-- +goose Up
-- Files members attach to questions and answers, and their avatars (issue
-- 21). The bytes are in the uploads storage (a directory or a bucket) under
-- the key; a row says what the file is, whose it is and which post shows
-- it, which decides who may fetch it.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE,  -- random; the address is /uploads/{key}/{name}
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    -- The post that shows it; NULL until the member posts it (an orphan,
    -- visible to its owner alone and removed after a day).
    post_id      INTEGER REFERENCES posts (id),
    kind         TEXT    NOT NULL,         -- image | file | avatar
    content_type TEXT    NOT NULL,         -- decided from the content
    name         TEXT    NOT NULL,         -- shown and downloaded under; never a path
    size         INTEGER NOT NULL,         -- bytes as stored
    thumb_type   TEXT    NOT NULL DEFAULT '', -- '' when the image needs no thumbnail
    thumb_size   INTEGER NOT NULL DEFAULT 0,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT    NOT NULL,         -- of the stored bytes: the ETag
    created_at   INTEGER NOT NULL,
    -- A moderator removed it (audited): its files are gone, the row says so.
    removed_at   INTEGER,
    removed_by   INTEGER REFERENCES users (id)
);
CREATE INDEX attachments_owner ON attachments (owner_id, created_at);
CREATE INDEX attachments_post ON attachments (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX attachments_orphans ON attachments (created_at) WHERE post_id IS NULL;

-- Keys whose files are to be deleted from the storage: written in the
-- transaction that drops or removes the rows, emptied by the uploads
-- cleaner once the storage has deleted them, so no file outlives its row
-- for long even if the process dies in between.
CREATE TABLE upload_trash (
    key       TEXT    PRIMARY KEY,
    queued_at INTEGER NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE upload_trash;
DROP TABLE attachments;
