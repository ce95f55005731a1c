-- +goose Up
-- Reputation earned in private categories, kept apart so the reputation
-- everyone sees (reputation - private_reputation) tells nothing of what
-- happens where only a group can read. It is the sum of the user's
-- reputation_events whose post is now in a private category, kept in step
-- by addReputation, moving a thread, making a category private or public,
-- and linking a placeholder to an account.
ALTER TABLE users ADD COLUMN private_reputation INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reputation_events_user ON reputation_events (user_id);
UPDATE users SET private_reputation = (SELECT COALESCE(SUM(e.points), 0) FROM reputation_events e
    JOIN posts p ON p.id = e.post_id JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id
    WHERE e.user_id = users.id AND c.group_name != '')
WHERE id IN (SELECT user_id FROM reputation_events);

-- +goose Down
DROP INDEX reputation_events_user;
ALTER TABLE users DROP COLUMN private_reputation;
