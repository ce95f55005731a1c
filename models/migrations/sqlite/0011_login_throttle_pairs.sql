-- +goose Up
-- Login throttling counts failures per pair of account and address, and
-- forgets failures older than a day on every attempt.
CREATE INDEX login_failures_pair ON login_failures (username, ip, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- +goose Down
DROP INDEX login_failures_at;
DROP INDEX login_failures_pair;
