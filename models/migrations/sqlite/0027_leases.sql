-- +goose Up
-- Background work (mail delivery, the X poller, language detection) is done
-- by one server at a time: the one holding its lease (issue 19). A lease is
-- taken, renewed and given up by single statements; expires_at is Unix
-- milliseconds, after which another server may take it.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE leases;
