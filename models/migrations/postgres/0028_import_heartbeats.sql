-- +goose Up
-- Several app servers (issue 19): a running import names the server process
-- that claimed it (holder: place/pid/random; place is the host name and a hash
-- of the boot and process-id namespace) and when that process last said
-- it still runs it (heartbeat_at, Unix milliseconds, renewed every 10 s). Any
-- server marks interrupted a running job whose heartbeat is older than 30 s,
-- or whose holder ran on its own host in a process that is gone; the process
-- id alone cannot tell, since other servers' processes are on other hosts.
ALTER TABLE import_jobs ADD COLUMN holder TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE import_jobs DROP COLUMN heartbeat_at;
ALTER TABLE import_jobs DROP COLUMN holder;
