-- +goose Up
-- Insights over long ranges without reading the big tables: the accepted
-- answer's author kept on the thread (kept in step by Accept, unaccepting,
-- deleting the answer and linking a placeholder), one index that holds
-- every column the dashboard reads of a visible question, and daily
-- totals beside the hourly counts.
ALTER TABLE threads ADD COLUMN accepted_author_id INTEGER REFERENCES users (id);
UPDATE threads SET accepted_author_id = (SELECT p.author_id FROM posts p WHERE p.id = threads.accepted_id)
WHERE accepted_id IS NOT NULL;

CREATE INDEX threads_insights ON threads (created_at, category_id, lang, first_answer_at, accepted_at, accepted_author_id, source_url)
WHERE deleted_at IS NULL AND hidden_at IS NULL AND pending = 0 AND question_id IS NOT NULL;

CREATE TABLE insight_daily (
    day    INTEGER NOT NULL, -- Unix time of the UTC day's start
    metric TEXT    NOT NULL,
    key    TEXT    NOT NULL DEFAULT '',
    n      INTEGER NOT NULL,
    PRIMARY KEY (metric, day, key)
) WITHOUT ROWID;
INSERT INTO insight_daily (day, metric, key, n)
SELECT hour - hour % 86400, metric, key, SUM(n) FROM insight_counts GROUP BY 1, 2, 3;

-- +goose Down
DROP TABLE insight_daily;
DROP INDEX threads_insights;
ALTER TABLE threads DROP COLUMN accepted_author_id;
