-- +goose Up
-- Background work (mail delivery, the X poller, language detection) is done
-- by one server at a time: the one holding its lease (issue 19). A lease is
-- taken, renewed and given up by single statements; expires_at is Unix
-- milliseconds, after which another server may take it.
CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Several servers on one database: each bumps this row with its NOTIFY
-- crowdcare_changes after a commit; a server whose LISTEN connection is down
-- polls it instead (db.PostgresSignal). SQLite has one server per file and
-- needs neither.
CREATE TABLE change_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO change_version (id, n) VALUES (1, 0);

-- +goose Down
DROP TABLE change_version;
DROP TABLE leases;
