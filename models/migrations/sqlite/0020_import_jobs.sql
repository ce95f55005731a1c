-- +goose Up
-- An import is a job the server (or the command line) owns: queued uploads
-- wait with their file, a job whose process died is marked interrupted on
-- the next start, and the next import finishes what it left waiting.
-- user_id may be NULL (a command-line import: operator says who ran it).
-- SQLite cannot change a CHECK or drop a NOT NULL in place, so the table is
-- rebuilt with its rows.
CREATE TABLE import_jobs_new (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id),
    operator    TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL DEFAULT 'upload',
    filename    TEXT    NOT NULL,
    path        TEXT    NOT NULL DEFAULT '',  -- the upload's copy, while the job needs it
    options     TEXT    NOT NULL DEFAULT '',  -- JSON: category, brand handles
    triage      INTEGER NOT NULL DEFAULT 0,
    import_id   INTEGER NOT NULL DEFAULT 0,   -- social_items.import_id of what it stored
    pid         INTEGER NOT NULL DEFAULT 0,   -- the process running it
    status      TEXT    NOT NULL DEFAULT 'running'
                CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
    processed   INTEGER NOT NULL DEFAULT 0,
    stored      INTEGER NOT NULL DEFAULT 0,   -- items stored when it was interrupted
    summary     TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    resumed_by  INTEGER NOT NULL DEFAULT 0    -- the job that finished what it left waiting
);
INSERT INTO import_jobs_new (id, user_id, filename, status, processed, summary, error, created_at, finished_at)
    SELECT id, user_id, filename, status, processed, summary, error, created_at, finished_at FROM import_jobs;
DROP TABLE import_jobs;
ALTER TABLE import_jobs_new RENAME TO import_jobs;
CREATE INDEX import_jobs_open ON import_jobs (status) WHERE status IN ('queued', 'running', 'interrupted');

-- +goose Down
CREATE TABLE import_jobs_old (
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
INSERT INTO import_jobs_old (id, user_id, filename, status, processed, summary, error, created_at, finished_at)
    SELECT id, user_id, filename, CASE WHEN status IN ('running', 'done') THEN status ELSE 'failed' END,
        processed, summary, error, created_at, finished_at FROM import_jobs WHERE user_id IS NOT NULL;
DROP TABLE import_jobs;
ALTER TABLE import_jobs_old RENAME TO import_jobs;
