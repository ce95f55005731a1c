-- +goose Up
-- What a member typed into a form (ask, answer, edit) sent after their
-- session had ended elsewhere: the login page carried it, and after logging
-- in it waits here until the form shows it again. One per session, gone
-- with the session (logout, expiry).
CREATE TABLE session_drafts (
    session_hash TEXT    PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE,
    action       TEXT    NOT NULL, -- the form's address, e.g. /t/12/answers
    fields       TEXT    NOT NULL, -- JSON object of its fields
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE session_drafts;
