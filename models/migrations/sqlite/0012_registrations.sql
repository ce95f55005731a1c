-- +goose Up
-- Sign-ups through the web form per client address, for the per-address
-- limit (Store.Register). Rows older than a day are deleted as new ones come.
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    ip TEXT    NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX registrations_ip ON registrations (ip, at);

-- +goose Down
DROP TABLE registrations;
