-- +goose Up
-- Emails go out at most once. The mail worker claims an email in a commit of
-- its own before sending it and records the outcome afterwards; a claimed
-- email is never claimed again, even if the outcome could not be written.
--   pending      waiting; due from email_next_at (a refused one waits to be retried)
--   claimed      a worker is sending it
--   sent         the SMTP server accepted it (or it was written to the log)
--   skipped      not sent on purpose: the member opted out, it was too old, it expired
--   failed       refused too often, or it cannot be sent at all
--   unconfirmed  claimed but its outcome never recorded: perhaps sent, never sent again
ALTER TABLE notifications ADD COLUMN email_state TEXT NOT NULL DEFAULT 'pending'
    CHECK (email_state IN ('pending', 'claimed', 'sent', 'skipped', 'failed', 'unconfirmed'));
ALTER TABLE notifications ADD COLUMN email_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_next_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_claimed_at INTEGER;
-- emailed_at is from now on when the outcome was recorded.
UPDATE notifications SET email_state = 'sent' WHERE emailed_at IS NOT NULL;
CREATE INDEX notifications_email_pending ON notifications (id) WHERE email_state = 'pending';
CREATE INDEX notifications_email_claimed ON notifications (email_claimed_at) WHERE email_state = 'claimed';

-- Email that is not a notification (an ambassador's verification link),
-- sent by the same worker in the same way. The body is emptied once the
-- email is done with: it may carry a one-time link.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    to_addr    TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'sent', 'skipped', 'failed', 'unconfirmed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    claimed_at INTEGER,
    -- Not sent after this (the link in it has expired).
    expires_at INTEGER NOT NULL,
    done_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX outbox_claimed ON outbox (claimed_at) WHERE state = 'claimed';

-- +goose Down
DROP INDEX outbox_claimed;
DROP INDEX outbox_pending;
DROP TABLE outbox;
DROP INDEX notifications_email_claimed;
DROP INDEX notifications_email_pending;
ALTER TABLE notifications DROP COLUMN email_claimed_at;
ALTER TABLE notifications DROP COLUMN email_next_at;
ALTER TABLE notifications DROP COLUMN email_attempts;
ALTER TABLE notifications DROP COLUMN email_state;
