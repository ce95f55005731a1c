-- +goose Up
-- The audit log records what no account did: an import run from the command
-- line. actor_id may be NULL then, and actor_label says who ran it (the
-- operating-system user and host). SQLite cannot drop a NOT NULL in place,
-- so the table is rebuilt with its rows.
CREATE TABLE mod_log_new (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES users (id),
    actor_label TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target_type TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    CHECK (actor_id IS NOT NULL OR actor_label != '')
);
INSERT INTO mod_log_new (id, actor_id, action, target_type, target_id, reason, created_at)
    SELECT id, actor_id, action, target_type, target_id, reason, created_at FROM mod_log;
DROP TABLE mod_log;
ALTER TABLE mod_log_new RENAME TO mod_log;
CREATE INDEX mod_log_time ON mod_log (created_at DESC);

-- +goose Down
CREATE TABLE mod_log_old (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL REFERENCES users (id),
    action      TEXT    NOT NULL,
    target_type TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
-- Lines without an account (command-line imports) cannot be kept.
INSERT INTO mod_log_old (id, actor_id, action, target_type, target_id, reason, created_at)
    SELECT id, actor_id, action, target_type, target_id, reason, created_at FROM mod_log WHERE actor_id IS NOT NULL;
DROP TABLE mod_log;
ALTER TABLE mod_log_old RENAME TO mod_log;
CREATE INDEX mod_log_time ON mod_log (created_at DESC);
