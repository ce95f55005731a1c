-- +goose Up
-- Insights: when a question got its first answer from someone other than
-- the asker, and when an answer was accepted, kept on the thread so response
-- times need no scan of posts.
ALTER TABLE threads ADD COLUMN first_answer_at INTEGER;
ALTER TABLE threads ADD COLUMN accepted_at INTEGER;

-- Existing threads: the first visible answer's time, and the accepted
-- answer's own time as the best available stand-in for when it was accepted.
UPDATE threads SET first_answer_at = (
    SELECT MIN(p.created_at) FROM posts p
    WHERE p.thread_id = threads.id AND p.is_question = 0 AND p.author_id != threads.author_id
      AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.pending = 0);
UPDATE threads SET accepted_at = (SELECT p.created_at FROM posts p WHERE p.id = threads.accepted_id)
WHERE accepted_id IS NOT NULL;

-- The work queue: open questions, oldest first.
CREATE INDEX threads_unanswered ON threads (created_at) WHERE first_answer_at IS NULL AND deleted_at IS NULL;

-- +goose Down
DROP INDEX threads_unanswered;
ALTER TABLE threads DROP COLUMN accepted_at;
ALTER TABLE threads DROP COLUMN first_answer_at;
